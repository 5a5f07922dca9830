"""Sheets from MediaDive's strain records: species, NCBI reference genomes and taxonomy on
a loopback server, the unresolved table, and the merge with the user's sheets."""

import pandas as pd
import pytest
from loopback_http import Response
from mediagen.catalog.sheets import load_genome_sheet
from mediagen.sources.genome_download import DownloadSettings
from mediagen.sources.ncbi_reference import NO_REFERENCE, UNKNOWN_NAME, reference_reports
from mediagen.sources.ncbi_taxonomy import taxonomy_lineages
from mediagen.sources.strain_sheets import GENOME_COLUMNS, GROWTH_COLUMNS, training_sheets
from test_ncbi_taxonomy import ECOLI_PAGE, unknown


def record(strain_id, species, domain="B", growth=1):
    return {"id": strain_id, "species": species, "ccno": None, "growth": growth,
            "bacdive_id": int(strain_id[2:].split("-")[0]), "domain": domain}


STRAINS = {
    "1": [record("bd1-1423", "Bacillus subtilis"),
          record("bd2-224308", "Bacillus subtilis subsp. subtilis str. 168"),
          record("bd3-562", "Escherichia coli"),
          record("bd4-1883", "Streptomyces sp."),
          record("bd5-9", None, domain=None)],
    "J2": [record("bd1-1423", "Bacillus subtilis", growth=0),
           record("bd7-1423", "Bacillus subtilis"),
           record("bd8-2242", "Halobacterium salinarum", domain="A"),
           record("bd9-10665", "Escherichia phage T4", domain="PH"),
           record("bd10-5", "Nocardia unknownii")],
    "3a": [record("bd11-271", "Thermus aquaticus")],
}
REFERENCES = {  # species -> (accession, taxon id)
    "Bacillus subtilis": ("GCF_000009045.1", 224308),
    "Escherichia coli": ("GCF_000005845.2", 511145),
    "Halobacterium salinarum": ("GCF_000006805.1", 64091),
}
GENOME_SHEET_HEADER = "genome_id\torganism_name\torganism_type\ttaxid\tsource\tlineage\n"
BSUB = {"query": ["224308"], "taxonomy": {"tax_id": 224308, "rank": "STRAIN", "classification": {
    "domain": {"name": "Bacteria", "id": 2}, "phylum": {"name": "Bacillota", "id": 1239},
    "class": {"name": "Bacilli", "id": 91061}, "order": {"name": "Bacillales", "id": 1385},
    "family": {"name": "Bacillaceae", "id": 186817}, "genus": {"name": "Bacillus", "id": 1386},
    "species": {"name": "Bacillus subtilis", "id": 1423}}}}
ECOLI_K12 = {**ECOLI_PAGE["reports"][0], "query": ["511145"]}  # a strain: its species' ranks


@pytest.fixture
def ncbi(loopback_server):
    for name, (accession, taxid) in REFERENCES.items():
        loopback_server.route(
            f"/genome/taxon/{name.replace(' ', '%20')}/dataset_report",
            Response.json({"reports": [{"accession": accession, "organism": {
                "tax_id": taxid, "organism_name": name}}], "total_count": 1}))
    loopback_server.route("/genome/taxon/Thermus%20aquaticus/dataset_report",
                          Response.json({"total_count": 0}))
    loopback_server.route("/taxonomy/taxon/224308,511145,64091/dataset_report", Response.json(
        {"reports": [BSUB, ECOLI_K12, unknown("64091")], "total_count": 3}))
    loopback_server.route("/taxonomy/taxon/511145,562,64091/dataset_report", Response.json(
        {"reports": [ECOLI_K12, {**ECOLI_K12, "query": ["562"]}, unknown("64091")],
         "total_count": 3}))
    return loopback_server  # Nocardia unknownii has no route: HTTP 404


def look_up(server, cache):
    settings = DownloadSettings(ncbi_base_url=server.url, retries=0, backoff_seconds=0,
                                timeout_seconds=5, requests_per_second=200)
    return (lambda species: reference_reports(species, settings, cache, concurrency=3),
            lambda taxids: taxonomy_lineages(taxids, settings, cache / "taxonomy", concurrency=3))


def no_user_rows(tmp_path):
    sheet = tmp_path / "no_genomes.tsv"
    sheet.write_text(GENOME_SHEET_HEADER)
    return (load_genome_sheet(sheet, allow_empty=True),
            pd.DataFrame(columns=["genome_id", "media_id", "growth", "confidence", "source"]))


def test_records_become_genome_growth_and_unresolved_tables(ncbi, tmp_path):
    genomes, growth, unresolved, counts = training_sheets(
        STRAINS, *no_user_rows(tmp_path), *look_up(ncbi, tmp_path / "cache"), confidence=0.8)
    assert genomes.columns.tolist() == GENOME_COLUMNS
    assert genomes[["genome_id", "organism_type", "taxid", "source", "genus", "origin"]
                   ].values.tolist() == [
        ["bacillus_subtilis", "bacteria", "224308", "GCF_000009045.1", "Bacillus", "mediadive"],
        ["escherichia_coli", "bacteria", "511145", "GCF_000005845.2", "Escherichia",
         "mediadive"],
        ["halobacterium_salinarum", "archaea", "64091", "GCF_000006805.1", "Halobacterium",
         "mediadive"]]
    assert genomes[["domain", "phylum", "class", "order", "family"]].values.tolist() == [
        ["Bacteria", "Bacillota", "Bacilli", "Bacillales", "Bacillaceae"],
        ["Bacteria", "Pseudomonadota", "Gammaproteobacteria", "Enterobacterales",
         "Enterobacteriaceae"],
        ["", "", "", "", ""]]  # a taxid NCBI does not know
    assert counts["lineages"] == {"given": 0, "ncbi": 2, "none": 1}
    assert growth.columns.tolist() == GROWTH_COLUMNS
    rows = {(g, m): (y, c, s) for g, m, y, c, s in growth[
        ["genome_id", "media_id", "growth", "confidence", "source"]].values.tolist()}
    assert rows == {
        ("bacillus_subtilis", "1"): ("true", 0.8,
                                     "MediaDive strain records bd1-1423, bd2-224308"),
        ("bacillus_subtilis", "J2"): ("true", 0.8,  # one record of two says it grows
                                      "MediaDive strain records bd1-1423, bd7-1423"),
        ("escherichia_coli", "1"): ("true", 0.8, "MediaDive strain records bd3-562"),
        ("halobacterium_salinarum", "J2"): ("true", 0.8, "MediaDive strain records bd8-2242"),
    }
    reasons = dict(zip(unresolved["taxon_name"], unresolved["reason"], strict=True))
    assert set(reasons) == {"", "Streptomyces sp.", "Escherichia phage T4",
                            "Nocardia unknownii", "Thermus aquaticus"}
    assert reasons[""] == "no taxon name in the strain record"
    assert reasons["Streptomyces sp."].startswith("not named to species level")
    assert "phage" in reasons["Escherichia phage T4"]
    assert reasons["Nocardia unknownii"] == UNKNOWN_NAME
    assert reasons["Thermus aquaticus"] == NO_REFERENCE
    assert unresolved.set_index("taxon_name").loc["Thermus aquaticus", "media"] == 1
    assert counts["strain_records"] == 11 and counts["species"] == 6
    assert counts["species_with_genome"] == 3 and counts["species_without_genome"] == 3
    assert counts["strain_records_unresolved"] == 5
    assert counts["genomes_by_type"] == {"archaea": 1, "bacteria": 2}

    requests = ncbi.requests_for("/genome/taxon/Bacillus%20subtilis/dataset_report")
    assert requests[0].query == {"filters.reference_only": ["true"], "page_size": ["1"]}
    assert not ncbi.requests_for("/genome/taxon/Escherichia%20phage/dataset_report")
    sent = len(ncbi.requests)
    training_sheets(STRAINS, *no_user_rows(tmp_path), *look_up(ncbi, tmp_path / "cache"), 0.8)
    assert len(ncbi.requests) == sent  # every answer, a 404 too, is kept on disk


def test_the_users_rows_win_and_say_so(ncbi, tmp_path):
    sheet = tmp_path / "genomes.tsv"
    sheet.write_text(
        GENOME_SHEET_HEADER
        + "bacillus_subtilis\tBacillus subtilis 168, our stock\tbacteria\t\t"
          "genomes/bs168.fna.gz\t\n"
        + "isolate_7\tisolate 7\tbacteria\t562\tgenomes/i7.fna\t"
          "d__Bacteria;p__Pseudomonadota;c__Gammaproteobacteria;o__Enterobacterales;f__;g__\n"
        + "isolate_8\t\tbacteria\t562\tgenomes/i8.fna\t\n")
    user_genomes = load_genome_sheet(sheet)
    user_growth = pd.DataFrame([["bacillus_subtilis", "J2", False, 1.0, "our lab"],
                                ["isolate_7", "1", True, 0.9, ""]],
                               columns=["genome_id", "media_id", "growth", "confidence",
                                        "source"])
    genomes, growth, _, counts = training_sheets(
        STRAINS, user_genomes, user_growth, *look_up(ncbi, tmp_path / "cache"), 0.8)
    assert genomes[["genome_id", "source", "species", "genus", "origin"]].values.tolist() == [
        ["bacillus_subtilis", "genomes/bs168.fna.gz", "Bacillus subtilis", "Bacillus", "user"],
        ["isolate_7", "genomes/i7.fna", "", "", "user"],
        ["isolate_8", "genomes/i8.fna", "", "", "user"],
        ["escherichia_coli", "GCF_000005845.2", "Escherichia coli", "Escherichia",
         "mediadive"],
        ["halobacterium_salinarum", "GCF_000006805.1", "Halobacterium salinarum",
         "Halobacterium", "mediadive"]]
    ranks = genomes.set_index("genome_id")[["domain", "phylum", "class", "order", "family"]]
    enterobacteria = ["Bacteria", "Pseudomonadota", "Gammaproteobacteria", "Enterobacterales"]
    assert ranks.loc["bacillus_subtilis"].tolist() == [""] * 5  # no taxid, no lineage
    assert ranks.loc["isolate_7"].tolist() == [*enterobacteria, ""]  # theirs, not NCBI's 562
    assert ranks.loc["isolate_8"].tolist() == [*enterobacteria, "Enterobacteriaceae"]
    assert ranks.loc["escherichia_coli"].tolist() == [*enterobacteria, "Enterobacteriaceae"]
    assert counts["lineages"] == {"given": 1, "ncbi": 2, "none": 2}
    assert growth[["genome_id", "media_id", "growth", "origin"]].values.tolist() == [
        ["bacillus_subtilis", "J2", "false", "user"],
        ["isolate_7", "1", "true", "user"],
        ["bacillus_subtilis", "1", "true", "mediadive"],  # the species' records still count
        ["escherichia_coli", "1", "true", "mediadive"],
        ["halobacterium_salinarum", "J2", "true", "mediadive"]]
    assert counts["genomes"] == {"user": 3, "mediadive": 2, "replaced_by_user": 1}
    assert counts["growth"] == {"user": 2, "mediadive": 3, "replaced_by_user": 1}
