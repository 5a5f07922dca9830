"""A bad sheet or config stops a real Snakemake run before any job starts."""

import pytest
from conftest import run_snakemake

BAD_ROWS = {
    "duplicate": ("dup\tx\tbacteria\t\ta.fna\ndup\tx\tbacteria\t\tb.fna\n", "is duplicated"),
    "path_escape": ("../x\tx\tbacteria\t\ta.fna\n", "genome_id '../x'"),
    "unknown_type": ("g1\tx\tplant\t\ta.fna\n", "organism_type 'plant'"),
    "empty_source": ("g1\tx\tbacteria\t\t\n", "source"),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_bad_genome_sheet_stops_the_run(workflow_copy, case):
    rows, expected = BAD_ROWS[case]
    sheet = workflow_copy / "bad.tsv"
    sheet.write_text("genome_id\torganism_name\torganism_type\ttaxid\tsource\n" + rows)
    result = run_snakemake(workflow_copy, "-n", "--config", f"genomes={sheet}", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert str(sheet) in output and expected in output and "Fix:" in output
    assert not (workflow_copy / "results").exists()


def test_bad_config_value_is_refused(workflow_copy):
    result = run_snakemake(workflow_copy, "-n", "--config", "embedding={'method': 'pca'}",
                           check=False)
    assert result.returncode != 0
    assert "pca" in result.stdout + result.stderr
