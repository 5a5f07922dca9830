"""fetch_genome: NCBI packages, URLs and local files into checked .fna.gz, faults included."""

import gzip

import pytest
from download_support import download_path, genome_fasta, ncbi_package_zip
from loopback_http import Response
from mediagen.errors import MediagenError
from mediagen.sources.genome_download import DownloadSettings, fetch_genome

ACCESSION = "GCF_000005845.2"


@pytest.fixture
def settings(loopback_server, tmp_path):
    return DownloadSettings(ncbi_base_url=loopback_server.url, retries=2, backoff_seconds=0.01,
                            timeout_seconds=0.5, requests_per_second=50,
                            requests_per_second_with_key=100,
                            rate_limit_file=str(tmp_path / "rate" / "slot"))


@pytest.fixture
def out(tmp_path):
    return tmp_path / "genomes"


def written(out) -> list[str]:
    return sorted(p.name for p in out.iterdir()) if out.exists() else []


def serve_package(server, *responses):
    server.route(download_path(ACCESSION), *responses)


def test_accession_package_becomes_checked_fna_gz(loopback_server, settings, out):
    fasta = genome_fasta(1)
    serve_package(loopback_server, Response(body=ncbi_package_zip(ACCESSION, fasta)))
    summary = fetch_genome("ecoli", ACCESSION, out / "ecoli.fna.gz", settings)
    assert gzip.decompress((out / "ecoli.fna.gz").read_bytes()) == fasta
    assert (summary.records, summary.sequence_bytes) == (2, 600)
    assert written(out) == ["ecoli.fna.gz"]
    request = loopback_server.requests[0]
    assert request.query["include_annotation_type"] == ["GENOME_FASTA"]
    assert request.headers["accept"] == "application/zip"
    assert "api-key" not in request.headers


def test_api_key_is_sent_as_the_api_key_header(loopback_server, settings, out):
    serve_package(loopback_server, Response(body=ncbi_package_zip(ACCESSION, genome_fasta(2))))
    fetch_genome("ecoli", ACCESSION, out / "ecoli.fna.gz", settings, api_key="secret-key")
    assert loopback_server.requests[0].headers["api-key"] == "secret-key"


@pytest.mark.parametrize("fault", [
    Response(status=500),
    Response(delay=2.0),
    Response(truncate=True, body=b"PK\x03\x04 cut short"),
    Response(drop=True),
], ids=["500", "timeout", "truncated", "dropped"])
def test_transient_fault_then_success(loopback_server, settings, out, fault):
    fasta = genome_fasta(3)
    serve_package(loopback_server, fault, Response(body=ncbi_package_zip(ACCESSION, fasta)))
    fetch_genome("g", ACCESSION, out / "g.fna.gz", settings)
    assert gzip.decompress((out / "g.fna.gz").read_bytes()) == fasta
    assert len(loopback_server.requests) == 2
    assert written(out) == ["g.fna.gz"]


def test_wrong_checksum_fails_and_leaves_nothing(loopback_server, settings, out):
    serve_package(loopback_server,
                  Response(body=ncbi_package_zip(ACCESSION, genome_fasta(4), wrong_md5=True)))
    with pytest.raises(MediagenError, match=r"md5 of .*_genomic\.fna"):
        fetch_genome("g", ACCESSION, out / "g.fna.gz", settings)
    assert written(out) == []


def test_unknown_accession_fails_naming_it(loopback_server, settings, out):
    unknown = "GCA_999999999.9"
    with pytest.raises(MediagenError, match=f"genome g .*{unknown}.*HTTP 404"):
        fetch_genome("g", unknown, out / "g.fna.gz", settings)
    assert written(out) == []
    assert len(loopback_server.requests) == 1


@pytest.mark.parametrize("entry", ["../escaped.fna", "ncbi_dataset/data/../../../escaped.fna",
                                   "/tmp/escaped.fna"])
def test_path_escaping_entry_refuses_the_package(loopback_server, settings, out, tmp_path,
                                                 entry):
    package = ncbi_package_zip(ACCESSION, genome_fasta(5), extra_entries={entry: b">x\nACGT\n"})
    serve_package(loopback_server, Response(body=package))
    with pytest.raises(MediagenError, match="points outside the package"):
        fetch_genome("g", ACCESSION, out / "g.fna.gz", settings)
    assert written(out) == []
    assert not list(tmp_path.rglob("escaped.fna"))


@pytest.mark.parametrize("body, message", [
    (b"<html><body>Service unavailable</body></html>", "not a zip archive"),
    (b"", "not a zip archive"),
], ids=["html", "empty"])
def test_answer_that_is_no_package_fails(loopback_server, settings, out, body, message):
    serve_package(loopback_server, Response(body=body))
    with pytest.raises(MediagenError, match=message):
        fetch_genome("g", ACCESSION, out / "g.fna.gz", settings)
    assert written(out) == []


def test_package_with_protein_instead_of_genome_fails(loopback_server, settings, out):
    protein = b">prot1 some protein\nMKVLAAGIVGLLLAQPEFQWERTY\n"
    serve_package(loopback_server, Response(body=ncbi_package_zip(ACCESSION, protein)))
    with pytest.raises(MediagenError, match="protein FASTA"):
        fetch_genome("g", ACCESSION, out / "g.fna.gz", settings)
    assert written(out) == []


def test_package_without_genome_for_the_accession_fails(loopback_server, settings, out):
    other = ncbi_package_zip("GCF_000000001.1", genome_fasta(6))
    serve_package(loopback_server, Response(body=other))
    with pytest.raises(MediagenError, match=f"no genomic FASTA for {ACCESSION}"):
        fetch_genome("g", ACCESSION, out / "g.fna.gz", settings)
    assert written(out) == []


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "plain"])
def test_url_source_is_normalised_to_fna_gz(loopback_server, settings, out, compress):
    fasta = genome_fasta(7)
    loopback_server.route("/files/genome.fa", Response(status=502),
                          Response(body=gzip.compress(fasta) if compress else fasta))
    fetch_genome("u", loopback_server.url + "/files/genome.fa", out / "u.fna.gz", settings)
    assert gzip.decompress((out / "u.fna.gz").read_bytes()) == fasta
    assert written(out) == ["u.fna.gz"]


@pytest.mark.parametrize("body, message", [
    (b"<!DOCTYPE html><html>Not here</html>", "not FASTA"),
    (gzip.compress(genome_fasta(8))[:-30], "truncated"),
    (b"\x1f\x8b not really gzip at all", "not a readable gzip"),
    (b">header only\n", "no sequence"),
    (b">seq1\nACGT1234ACGT\n", "not nucleotide FASTA"),
], ids=["html", "truncated-gzip", "bad-gzip", "no-sequence", "digits"])
def test_url_body_that_is_not_gzip_fasta_fails(loopback_server, settings, out, body, message):
    loopback_server.route("/bad", Response(body=body))
    with pytest.raises(MediagenError, match=message):
        fetch_genome("u", loopback_server.url + "/bad", out / "u.fna.gz", settings)
    assert written(out) == []


def test_url_not_found_fails(loopback_server, settings, out):
    with pytest.raises(MediagenError, match="404"):
        fetch_genome("u", loopback_server.url + "/nothing.fa", out / "u.fna.gz", settings)
    assert written(out) == []


@pytest.mark.parametrize("compress", [True, False], ids=["gzip", "plain"])
def test_local_source_is_copied_as_fna_gz(settings, out, tmp_path, compress):
    fasta = genome_fasta(9)
    source = tmp_path / ("local.fa.gz" if compress else "local.fa")
    source.write_bytes(gzip.compress(fasta) if compress else fasta)
    fetch_genome("l", str(source), out / "l.fna.gz", settings)
    assert gzip.decompress((out / "l.fna.gz").read_bytes()) == fasta


def test_corrupt_local_gzip_fails_in_one_line(settings, out, tmp_path):
    source = tmp_path / "corrupt.fa.gz"
    compressed = bytearray(gzip.compress(genome_fasta(9)))
    compressed[20:40] = b"\xff" * 20  # damage the deflate stream, keep the gzip header
    source.write_bytes(bytes(compressed))
    with pytest.raises(MediagenError, match="not a readable gzip|truncated"):
        fetch_genome("c", str(source), out / "c.fna.gz", settings)
    assert written(out) == []


def test_missing_local_source_fails(settings, out, tmp_path):
    with pytest.raises(MediagenError, match="no such file"):
        fetch_genome("l", str(tmp_path / "absent.fa"), out / "l.fna.gz", settings)


def test_failure_keeps_the_previous_good_output(loopback_server, settings, out):
    fasta = genome_fasta(10)
    serve_package(loopback_server, Response(body=ncbi_package_zip(ACCESSION, fasta)),
                  Response(body=ncbi_package_zip(ACCESSION, genome_fasta(11), wrong_md5=True)))
    fetch_genome("g", ACCESSION, out / "g.fna.gz", settings)
    with pytest.raises(MediagenError, match="md5"):
        fetch_genome("g", ACCESSION, out / "g.fna.gz", settings)
    assert gzip.decompress((out / "g.fna.gz").read_bytes()) == fasta
    assert written(out) == ["g.fna.gz"]


@pytest.mark.parametrize("genome_id", ["../up", "a/b", "..", "x y", ""])
def test_unsafe_genome_id_is_refused(settings, out, tmp_path, genome_id):
    source = tmp_path / "local.fa"
    source.write_bytes(genome_fasta(12))
    with pytest.raises(MediagenError, match="genome_id"):
        fetch_genome(genome_id, str(source), out / "x.fna.gz", settings)
    assert written(out) == []


def test_malformed_accession_is_refused_before_any_request(loopback_server, settings):
    from mediagen.sources.ncbi_package import package_url

    with pytest.raises(MediagenError, match="not an NCBI assembly accession"):
        package_url(settings.ncbi_base_url, "GCF_12/../../x")
    assert loopback_server.requests == []


def test_settings_from_config_pick_the_rate_by_key():
    section = {"ncbi_base_url": "http://x", "retries": 1, "requests_per_second": 3,
               "requests_per_second_with_key": 10, "unrelated": True}
    settings = DownloadSettings.from_config(section)
    assert settings.ncbi_limiter(None).interval == pytest.approx(1 / 3)
    assert settings.ncbi_limiter("key").interval == pytest.approx(1 / 10)
    assert settings.policy.retries == 1
