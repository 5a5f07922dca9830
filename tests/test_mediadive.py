"""The MediaDive client against a real HTTP server on 127.0.0.1, faults included."""

import json
import time

import pytest
from conftest import REPO
from loopback_http import Response
from mediadive_support import COMPOSITIONS, MEDIA, api_payloads, envelope, serve, write_folder
from mediagen.catalog.sheets import load_genome_sheet
from mediagen.demo.genomes import demo_gc_position
from mediagen.demo.media import (
    DEMO_SEED,
    demo_growth_pairs,
    media_by_type,
    write_demo_growth,
    write_demo_snapshot,
)
from mediagen.errors import MediagenError
from mediagen.sources.http_client import RetryPolicy
from mediagen.sources.mediadive import (
    MediaDiveClient,
    fetch_mediadive,
    load_snapshot,
    source_folder,
)

FAST = RetryPolicy(retries=2, backoff_seconds=0.01, timeout_seconds=0.5)


def fetch(base_url, root, **kwargs):
    return fetch_mediadive(base_url, root, concurrency=3, policy=FAST, **kwargs)


def test_fetch_reads_everything_and_a_second_fetch_sends_no_request(loopback_server, tmp_path):
    base = serve(loopback_server, api_payloads())
    manifest = fetch(base, tmp_path)
    assert manifest["media"] == ["1", "J2", "3a"]
    assert manifest["ingredients"] == ["1", "2", "4", "10", "20", "21", "30"]
    sent = len(loopback_server.requests)
    # media list, composition and strains per medium, the ingredients list (not served
    # here: HTTP 404), then each ingredient on its own
    assert sent == 1 + 2 * 3 + 1 + 7

    again = fetch(base, tmp_path)
    assert len(loopback_server.requests) == sent
    assert again == manifest

    snapshot = load_snapshot(tmp_path / "manifest.json")
    assert [m["name"] for m in snapshot.media] == [m["name"] for m in MEDIA]
    assert snapshot.compositions["J2"] == COMPOSITIONS["J2"]
    assert snapshot.strains["J2"] == []  # 404: nothing recorded
    assert snapshot.ingredients["20"]["mass"] == 246.47
    cached = source_folder(tmp_path, base) / "medium-composition" / "1.json"
    assert json.loads(cached.read_text())["data"] == COMPOSITIONS["1"]


def test_the_ingredients_list_replaces_a_request_per_ingredient(loopback_server, tmp_path):
    payloads = api_payloads()
    listed = [payloads[f"ingredient/{i}"]["data"] for i in ("1", "2", "4", "10", "20", "30")]
    base = serve(loopback_server, payloads)
    loopback_server.route("/rest/ingredients", Response.json(envelope(listed[:4])),
                          Response.json(envelope(listed[4:])))
    fetch(base, tmp_path, page_size=4)
    paths = [r.path for r in loopback_server.requests]
    assert paths.count("/rest/ingredients") == 2  # two pages of four
    # only the ingredient a composition names that the list lacks is asked for on its own
    assert [p for p in paths if p.startswith("/rest/ingredient/")] == ["/rest/ingredient/21"]
    sent = len(paths)
    fetch(base, tmp_path, page_size=4)
    assert len(loopback_server.requests) == sent  # cached: no request at all
    snapshot = load_snapshot(tmp_path / "manifest.json")
    assert snapshot.ingredients["20"]["mass"] == 246.47  # from the list
    assert snapshot.ingredients["21"]["name"] == "Glucose"  # asked for on its own


@pytest.mark.parametrize("fault", [
    Response(status=500),
    Response(status=503, headers={"Retry-After": "0"}),
    Response(delay=2.0),  # longer than the client's timeout
    Response.json(envelope(COMPOSITIONS["1"]), truncate=True),
    Response(drop=True),
], ids=["500", "503", "timeout", "truncated", "dropped"])
def test_transient_fault_is_retried_then_succeeds(loopback_server, tmp_path, fault):
    payloads = api_payloads()
    base = serve(loopback_server, payloads)
    loopback_server.route("/rest/medium-composition/1", fault,
                          Response.json(payloads["medium-composition/1"]))
    fetch(base, tmp_path)
    assert len(loopback_server.requests_for("/rest/medium-composition/1")) == 2
    snapshot = load_snapshot(tmp_path / "manifest.json")
    assert snapshot.compositions["1"] == COMPOSITIONS["1"]


def test_malformed_json_fails_naming_the_url_and_caches_nothing(loopback_server, tmp_path):
    base = serve(loopback_server, api_payloads())
    loopback_server.route("/rest/ingredient/10", Response(body=b'{"status": 200, "data": [1,'))
    with pytest.raises(MediagenError, match=r"/rest/ingredient/10: response is not valid JSON"):
        fetch(base, tmp_path)
    assert not (source_folder(tmp_path, base) / "ingredient" / "10.json").exists()
    assert not (tmp_path / "manifest.json").exists()


def test_response_without_data_is_refused(loopback_server, tmp_path):
    base = serve(loopback_server, api_payloads())
    loopback_server.route("/rest/media", Response.json({"error": "maintenance"}))
    with pytest.raises(MediagenError, match=r"/rest/media\?limit=1000&offset=0: .*no 'data'"):
        fetch(base, tmp_path)


def test_missing_ingredient_fails_with_a_404_naming_the_url(loopback_server, tmp_path):
    payloads = api_payloads()
    del payloads["ingredient/21"]
    base = serve(loopback_server, payloads)
    with pytest.raises(MediagenError, match=r"/rest/ingredient/21: not found \(HTTP 404\)"):
        fetch(base, tmp_path)


def test_status_404_inside_the_envelope_is_not_found(loopback_server, tmp_path):
    base = serve(loopback_server, api_payloads())
    loopback_server.route("/rest/ingredient/21",
                          Response.json({"status": 404, "msg": "Not found", "data": []}))
    with pytest.raises(MediagenError, match=r"/rest/ingredient/21: not found \(Not found\)"):
        fetch(base, tmp_path)


def test_strains_answered_as_not_found_read_as_none(loopback_server, tmp_path):
    base = serve(loopback_server, api_payloads())
    loopback_server.route("/rest/medium-strains/1",
                          Response.json({"status": 404, "msg": "no strains", "data": None}))
    loopback_server.route("/rest/medium-strains/3a",
                          Response.json({"status": 200, "count": 0, "data": None}))
    fetch(base, tmp_path)
    snapshot = load_snapshot(tmp_path / "manifest.json")
    assert snapshot.strains == {"1": [], "J2": [], "3a": []}


def test_interrupted_fetch_resumes_without_fetching_again(loopback_server, tmp_path):
    payloads = api_payloads()
    base = serve(loopback_server, payloads)
    loopback_server.route("/rest/medium-composition/3a", Response(status=500))
    with pytest.raises(MediagenError, match="medium-composition/3a: failed after 3 attempts"):
        fetch(base, tmp_path)
    done_before = {r.path for r in loopback_server.requests
                   if r.path != "/rest/medium-composition/3a"}
    assert "/rest/medium-composition/1" in done_before

    loopback_server.route("/rest/medium-composition/3a",
                          Response.json(payloads["medium-composition/3a"]))
    count = len(loopback_server.requests)
    fetch(base, tmp_path)
    again = [r.path for r in loopback_server.requests[count:]]
    assert "/rest/medium-composition/3a" in again
    assert not set(again) & done_before  # what was cached is not asked for again
    assert load_snapshot(tmp_path / "manifest.json").compositions["3a"]


def test_media_list_is_read_page_by_page(loopback_server, tmp_path):
    payloads = api_payloads()
    base = serve(loopback_server, payloads)
    loopback_server.route("/rest/media", Response.json(envelope(MEDIA[:2])),
                          Response.json(envelope(MEDIA[2:])))
    manifest = fetch(base, tmp_path, page_size=2)
    assert manifest["media"] == ["1", "J2", "3a"]
    offsets = [r.query["offset"] for r in loopback_server.requests_for("/rest/media")]
    assert offsets == [["0"], ["2"]]


def test_a_list_that_ignores_paging_ends_when_a_page_brings_nothing_new(loopback_server,
                                                                          tmp_path):
    base = serve(loopback_server, api_payloads())
    manifest = fetch(base, tmp_path, page_size=2)  # the server sends all three each time
    assert manifest["media"] == ["1", "J2", "3a"]
    assert len(loopback_server.requests_for("/rest/media")) == 2


def test_an_id_that_is_not_plain_is_refused(loopback_server, tmp_path):
    base = serve(loopback_server, api_payloads(media=[{"id": "../etc", "name": "x"}]))
    with pytest.raises(MediagenError, match=r"medium id '\.\./etc' is not a plain id"):
        fetch(base, tmp_path)


def test_concurrency_is_bounded(loopback_server, tmp_path):
    """Slow answers on a pool of 2 threads: never more than 2 requests in flight."""
    payloads = api_payloads()
    base = serve(loopback_server, payloads)
    for path in ("medium-composition/1", "medium-composition/J2", "medium-composition/3a"):
        loopback_server.route(f"/rest/{path}", Response.json(payloads[path], delay=0.2))
    client = MediaDiveClient(base_url=base, cache_dir=tmp_path, policy=FAST, concurrency=2)
    started = time.perf_counter()
    client.fetch_all()
    # three 0.2 s answers on two threads take at least two rounds
    assert time.perf_counter() - started >= 0.4


def test_a_local_folder_is_served_through_the_same_client(tmp_path):
    folder = write_folder(tmp_path / "api", api_payloads())
    manifest = fetch(str(folder), tmp_path / "cache")
    assert manifest["media"] == ["1", "J2", "3a"]
    snapshot = load_snapshot(tmp_path / "cache" / "manifest.json")
    assert snapshot.strains["1"][0]["species"] == "Escherichia coli"
    assert snapshot.strains["J2"] == []  # no file: nothing recorded

    # an edited folder is read afresh
    payloads = api_payloads()
    payloads["medium-composition/1"] = envelope(COMPOSITIONS["1"][:1])
    write_folder(folder, payloads)
    fetch(str(folder), tmp_path / "cache")
    assert len(load_snapshot(tmp_path / "cache" / "manifest.json").compositions["1"]) == 1


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(MediagenError, match="no such folder"):
        fetch(str(tmp_path / "nowhere"), tmp_path / "cache")


def test_request_rate_is_limited(loopback_server, tmp_path):
    base = serve(loopback_server, api_payloads())
    started = time.perf_counter()
    fetch(base, tmp_path, requests_per_second=20)
    assert len(loopback_server.requests) == 15
    assert time.perf_counter() - started >= 14 / 20


def test_demo_snapshot_and_growth_sheet_regenerate_identically(tmp_path):
    write_demo_snapshot(tmp_path / "mediadive")
    committed = REPO / "config" / "demo" / "mediadive"
    files = sorted(p.relative_to(committed) for p in committed.rglob("*.json"))
    assert files == sorted(p.relative_to(tmp_path / "mediadive")
                           for p in (tmp_path / "mediadive").rglob("*.json"))
    for relative in files:
        assert (tmp_path / "mediadive" / relative).read_text() == \
            (committed / relative).read_text(), relative
    write_demo_growth(REPO / "config" / "demo" / "genomes.tsv", tmp_path / "growth.tsv")
    assert (tmp_path / "growth.tsv").read_text() == \
        (REPO / "config" / "demo" / "growth.tsv").read_text()


def test_demo_growth_pairs_follow_organism_type():
    by_type = media_by_type()
    genomes = load_genome_sheet(REPO / "config" / "demo" / "genomes.tsv")
    pairs = demo_growth_pairs(genomes)
    types = genomes["organism_type"].to_dict()
    for genome_id, rows in pairs.groupby("genome_id"):
        own = rows[rows["growth"] == "true"]
        assert 3 <= len(own) <= 4
        type_media = by_type[types[genome_id]]
        assert set(own["media_id"]) <= set(type_media)
        # the media follow the genome's GC: they sit around its place in the type's range
        centre = demo_gc_position(genome_id, types[genome_id], DEMO_SEED) * (len(type_media) - 1)
        indices = [type_media.index(m) for m in own["media_id"]]
        assert max(abs(i - centre) for i in indices) <= 3
        assert not set(rows.loc[rows["growth"] == "false", "media_id"]) & \
            set(by_type[types[genome_id]])
    assert pairs["confidence"].between(0.55, 1.0).all()
    assert pairs.equals(demo_growth_pairs(genomes))
