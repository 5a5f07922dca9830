"""NCBI taxonomy lookups on a loopback server: a recorded taxonomy report read into a
lineage, taxids asked in batches, unknown ones left out, every answer kept on disk."""

import pytest
from loopback_http import Response
from mediagen.sources.genome_download import DownloadSettings
from mediagen.sources.ncbi_taxonomy import report_lineage, taxonomy_lineages

# GET /datasets/v2/taxonomy/taxon/562/dataset_report as NCBI answers it (the taxonomy
# report's documented fields; ranks above the species as NCBI named them before its 2025
# switch from superkingdom to domain)
ECOLI_PAGE = {
    "reports": [{
        "taxonomy": {
            "tax_id": 562,
            "rank": "SPECIES",
            "current_scientific_name": {
                "name": "Escherichia coli",
                "authority": "(Migula 1895) Castellani and Chalmers 1919"},
            "group_name": "enterobacteria",
            "has_type_material": True,
            "classification": {
                "superkingdom": {"name": "Bacteria", "id": 2},
                "kingdom": {"name": "Pseudomonadati", "id": 3379134},
                "phylum": {"name": "Pseudomonadota", "id": 1224},
                "class": {"name": "Gammaproteobacteria", "id": 1236},
                "order": {"name": "Enterobacterales", "id": 91347},
                "family": {"name": "Enterobacteriaceae", "id": 543},
                "genus": {"name": "Escherichia", "id": 561},
                "species": {"name": "Escherichia coli", "id": 562}},
            "parents": [1, 131567, 2, 3379134, 1224, 1236, 91347, 543, 561],
            "children": [83333, 83334, 562302],
            "counts": [{"type": "COUNT_TYPE_ASSEMBLY", "count": 392374},
                       {"type": "COUNT_TYPE_GENE", "count": 4633}],
            "genomic_moltype": "dsDNA",
            "current_scientific_name_is_formal": True},
        "query": ["562"]}],
    "total_count": 1,
}
ECOLI = {"domain": "Bacteria", "phylum": "Pseudomonadota", "class": "Gammaproteobacteria",
         "order": "Enterobacterales", "family": "Enterobacteriaceae", "genus": "Escherichia",
         "species": "Escherichia coli"}
# a species report as NCBI answers it since 2025: the domain by that name, no class known
HALO = {"query": ["2242"], "taxonomy": {"tax_id": 2242, "rank": "SPECIES", "classification": {
    "domain": {"name": "Archaea", "id": 2157},
    "phylum": {"name": "Methanobacteriota", "id": 2283796},
    "order": {"name": "Halobacteriales", "id": 2235},
    "family": {"name": "Halobacteriaceae", "id": 1963268},
    "genus": {"name": "Halobacterium", "id": 2239},
    "species": {"name": "Halobacterium salinarum", "id": 2242}}}}


def settings(server) -> DownloadSettings:
    return DownloadSettings(ncbi_base_url=server.url, retries=0, backoff_seconds=0,
                            timeout_seconds=5, requests_per_second=200)


def test_the_recorded_report_reads_as_a_lineage():
    assert report_lineage(ECOLI_PAGE["reports"][0]) == ECOLI
    assert report_lineage(HALO) == {"domain": "Archaea", "phylum": "Methanobacteriota",
                                    "order": "Halobacteriales", "family": "Halobacteriaceae",
                                    "genus": "Halobacterium",
                                    "species": "Halobacterium salinarum"}
    assert report_lineage(unknown("999999999")) == {}


def unknown(taxid: str) -> dict:
    return {"query": [taxid], "errors": [{
        "reason": f"The taxonomy ID '{taxid}' does not match any existing taxids",
        "invalid_identifiers": [taxid]}]}


def test_taxids_are_asked_in_batches_and_kept(loopback_server, tmp_path):
    loopback_server.route("/taxonomy/taxon/1000000000,2242/dataset_report", Response.json(
        {"reports": [unknown("1000000000"), HALO], "total_count": 2}))
    loopback_server.route("/taxonomy/taxon/562,999999999/dataset_report", Response.json(
        {"reports": [*ECOLI_PAGE["reports"], unknown("999999999")], "total_count": 2}))
    taxids = ["562", "2242", "562", "999999999", "1000000000", "", "9999999999"]
    found = taxonomy_lineages(taxids, settings(loopback_server), tmp_path, batch_size=2)
    assert found == {"562": ECOLI, "2242": report_lineage(HALO)}
    asked = sorted(r.path for r in loopback_server.requests)
    assert asked == ["/taxonomy/taxon/1000000000,2242/dataset_report",
                     "/taxonomy/taxon/562,999999999/dataset_report",
                     "/taxonomy/taxon/9999999999/dataset_report"]  # no route: HTTP 404
    assert all(r.query == {"page_size": [str(r.path.count(",") + 1)]}
               for r in loopback_server.requests)
    again = taxonomy_lineages(taxids, settings(loopback_server), tmp_path, batch_size=10)
    assert again == found and len(loopback_server.requests) == 3  # all kept on disk


def test_a_failing_ncbi_stops_and_a_rerun_asks_again(loopback_server, tmp_path):
    loopback_server.route("/taxonomy/taxon/562/dataset_report", Response(status=500))
    with pytest.raises(Exception, match="500"):
        taxonomy_lineages(["562"], settings(loopback_server), tmp_path)
    loopback_server.route("/taxonomy/taxon/562/dataset_report", Response.json(ECOLI_PAGE))
    assert taxonomy_lineages(["562"], settings(loopback_server), tmp_path) == {"562": ECOLI}
