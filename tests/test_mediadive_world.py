"""The MediaDive world on loopback: its MediaDive and NCBI answer the workflow's own
clients over real HTTP, thinned deterministically, genomes following the taxonomy."""

import gzip
import json
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from mediagen.demo.world import world_genome
from mediagen.demo.world_ncbi import NcbiWorld, fasta_bytes
from mediagen.demo.world_server import serve_world
from mediagen.demo.world_snapshot import load_world_records
from mediagen.sources.genome_download import DownloadSettings, fetch_genome
from mediagen.sources.http_client import RetryPolicy
from mediagen.sources.mediadive import fetch_mediadive, load_snapshot
from mediagen.sources.ncbi_reference import NO_REFERENCE, UNKNOWN_NAME, reference_reports
from mediagen.sources.ncbi_taxonomy import taxonomy_lineages
from world_support import small_world_folder

FAST = RetryPolicy(retries=0, backoff_seconds=0, timeout_seconds=10)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return small_world_folder(tmp_path_factory.mktemp("world") / "api", n_genera=12)


def ncbi_settings(world) -> DownloadSettings:
    return DownloadSettings(ncbi_base_url=world.ncbi_url, retries=0, timeout_seconds=10,
                            requests_per_second=500)


def test_mediadive_is_served_to_the_client_page_by_page(folder, tmp_path):
    with serve_world(folder, seed=3) as world:
        manifest = fetch_mediadive(world.mediadive_url, tmp_path, concurrency=4, policy=FAST,
                                   page_size=5)
        pages = [p for p in world.mediadive.requests if p == "/rest/media"]
        missing = urllib.request.Request(world.mediadive_url + "/medium-strains/lonely")
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(missing)
        assert error.value.code == 404
    assert len(manifest["media"]) == 25 and pages  # 24 media with records, and "lonely"
    snapshot = load_snapshot(tmp_path / "manifest.json")
    on_disk = json.loads((folder / "medium-composition" / "m3a.json").read_text())["data"]
    assert snapshot.compositions["m3a"] == on_disk
    assert snapshot.strains["lonely"] == []
    assert [r["species"] for r in snapshot.strains["m3a"]] == [
        "Genusad alba", "Genusad rubra", "Genusad marina", "Genusad sp."]


def test_thinning_keeps_n_species_whole_genera_first_and_is_seeded(folder):
    records = load_world_records(folder, seed=3, n_species=7, media="linked")
    assert len(records.species) == 7
    genera = {}
    for s in records.species.values():
        genera[s.genus] = genera.get(s.genus, 0) + 1
    assert sorted(genera.values()) == [1, 3, 3]  # two whole genera, then part of a third
    served = {r.get("species") for rs in records.strains.values() for r in rs}
    assert {f"{g} sp." for g in genera} <= served and None in served
    assert {str(m["id"]) for m in records.media} == set(records.strains)  # linked only
    again = load_world_records(folder, seed=3, n_species=7)
    other = load_world_records(folder, seed=4, n_species=7)
    assert set(again.species) == set(records.species) != set(other.species)
    assert len(again.media) == 25  # "all" serves the whole catalog
    assert set(records.taxids) == set(records.species)
    assert all(taxid.isdigit() for taxid in records.taxids.values())


def test_reference_genomes_are_reported_and_downloaded_in_ncbis_formats(folder, tmp_path):
    with serve_world(folder, seed=3) as world:
        species = sorted(world.records.species)
        answers = reference_reports([*species, "Nonexistent species"], ncbi_settings(world),
                                    tmp_path / "cache")
        with_genome = [s for s in species if isinstance(answers[s], dict)]
        assert answers["Nonexistent species"] == UNKNOWN_NAME
        withheld = {s for s in species if world.ncbi.without_reference(s)}
        assert {s for s in species if answers[s] == NO_REFERENCE} == withheld
        report = answers[with_genome[0]]
        assert report["organism"]["organism_name"] == with_genome[0]
        assert report["accession"] == world.ncbi.accessions[with_genome[0]]
        assert len(set(world.ncbi.accessions.values())) == len(with_genome)

        name = with_genome[0]
        summary = fetch_genome("g1", report["accession"], tmp_path / "g1.fna.gz",
                               ncbi_settings(world))
        unknown = world.ncbi_url + "/genome/accession/GCF_000000001.1/download"
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(unknown)
    expected = world_genome(3, name, world.records.taxids[name],
                            genus=world.records.species[name].genus)
    assert gzip.decompress((tmp_path / "g1.fna.gz").read_bytes()) == fasta_bytes(expected)
    assert summary.sequence_bytes == sum(len(seq) for _, seq in expected)
    assert 300_000 * 0.9 < summary.sequence_bytes < 1_000_000 * 1.1


def test_the_taxonomy_is_reported_in_ncbis_format_and_kept(folder, tmp_path):
    table = tmp_path / "genus_lineage.tsv"
    table.write_text("genus\tdomain\tphylum\tclass\torder\tfamily\n"
                     "Genusaa\tBacteria\tPhylumone\t\tOrderone\tFamilyone\n")
    with serve_world(folder, seed=3, lineage_table=table) as world:
        taxids = world.records.taxids
        asked = [*taxids.values(), "999999999"]
        found = taxonomy_lineages(asked, ncbi_settings(world), tmp_path / "cache",
                                  batch_size=10)
        requests = world.ncbi_server.requests.copy()
        again = taxonomy_lineages(asked, ncbi_settings(world), tmp_path / "cache")
        assert world.ncbi_server.requests == requests  # every answer kept on disk
        unknown = world.ncbi_url + "/taxonomy/taxon/999999999/dataset_report"
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(unknown)
        assert error.value.code == 404  # NCBI knows none of the taxids asked
    assert requests.total() == 4  # 37 taxids, 10 a request
    assert again == found
    assert found == {taxids[name]: world.ncbi.lineage(name) for name in taxids}
    alba = found[taxids["Genusaa alba"]]
    assert alba == {"domain": "Bacteria", "phylum": "Phylumone", "order": "Orderone",
                    "family": "Familyone", "genus": "Genusaa", "species": "Genusaa alba"}
    assert found[taxids["Genusab alba"]] == {"genus": "Genusab", "species": "Genusab alba"}


def test_species_of_a_genus_share_more_sequence_than_species_of_two(folder):
    records = load_world_records(folder, seed=3)
    a, b = "Genusaa alba", "Genusaa rubra"
    c = "Genusab alba"

    def kmers(species):
        genome = b"".join(s for _, s in world_genome(3, species,
                                                     genus=records.species[species].genus))
        return {genome[i:i + 12] for i in range(0, 200_000, 7)}

    shared_in_genus = len(kmers(a) & kmers(b))
    shared_across = len(kmers(a) & kmers(c))
    assert shared_in_genus > 10 * max(shared_across, 1)


def test_a_tenth_of_the_real_snapshots_species_have_no_reference(real_snapshot):
    records = load_world_records(real_snapshot, seed=1)
    with serve_world(real_snapshot, seed=1, n_species=40) as world:
        assert len(world.records.species) == 40
        name = quote(sorted(world.ncbi.accessions)[0])
        page = json.loads(urllib.request.urlopen(
            f"{world.ncbi_url}/genome/taxon/{name}/dataset_report").read())
        assert page["total_count"] == 1
    ncbi = NcbiWorld(records.species, records.taxids, seed=1)
    share = 1 - len(ncbi.accessions) / len(records.species)
    assert len(records.species) > 4000 and 0.08 < share < 0.12
