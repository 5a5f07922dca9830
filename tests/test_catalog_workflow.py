"""A real Snakemake run of fetch_mediadive and build_catalog on the offline demo snapshot."""


import json

import pytest
from conftest import run_snakemake
from mediagen.catalog.database import open_catalog
from mediagen.catalog.growth_pairs import read_growth_pairs
from mediagen.catalog.media_facts import read_media_facts
from mediagen.catalog.media_table import read_media_matrix
from mediagen.catalog.sheets import load_genome_sheet, load_growth_sheet

TARGET = "results/catalog/media.parquet"


@pytest.mark.slow
def test_demo_catalog_builds_offline(workflow_copy):
    run = run_snakemake(workflow_copy, TARGET, "--configfile", "config/demo.yaml")
    assert "rule fetch_mediadive" in run.stderr and "rule build_catalog" in run.stderr
    matrix = read_media_matrix(workflow_copy / TARGET)
    assert len(matrix.media_ids) == 42
    assert {"1", "J168", "129", "demo-bg11"} <= set(matrix.media_ids)
    assert (matrix.grams_per_litre >= 0).all()
    pairs = read_growth_pairs(workflow_copy / "results/catalog/growth_pairs.parquet")
    sheet = load_growth_sheet(workflow_copy / "config" / "demo" / "growth.tsv")
    assert len(pairs) == len(sheet) and set(pairs["media_id"]) <= set(matrix.media_ids)
    with open_catalog(workflow_copy / "results/catalog/catalog.sqlite") as db:
        assert db.execute("SELECT count(*) FROM genomes").fetchone() == (96,)
        types = dict(db.execute(
            "SELECT organism_type, count(DISTINCT media_id) FROM genome_growth JOIN genomes "
            "USING (genome_id) WHERE growth GROUP BY organism_type"))
    genome_types = load_genome_sheet(workflow_copy / "config/demo/genomes.tsv")["organism_type"]
    grown = sheet[sheet["growth"]]
    expected = grown.groupby(grown["genome_id"].map(genome_types))["media_id"].nunique()
    assert types == expected.to_dict()
    log = (workflow_copy / "results/logs/fetch_mediadive.log").read_text()
    assert "media requests: 84/84" in log
    quirks = json.loads((workflow_copy / "results/catalog/quirks.json").read_text())
    assert quirks["lines_at_or_above_limit"] == quirks["lines_impossible"] == 0
    facts = read_media_facts(workflow_copy / "results/catalog/media_facts.tsv")
    assert set(matrix.media_ids) <= set(facts.index)
    log = (workflow_copy / "results/logs/build_catalog.log").read_text()
    assert "catalog quirks: lines_g_l=" in log

