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


HEADER = "genome_id\torganism_name\torganism_type\ttaxid\tsource\n"
SHEETS = {
    "growth_names_unknown_genome": (
        HEADER + "g1\tx\tbacteria\t\ta.fna\n",
        "genome_id\tmedia_id\tgrowth\tconfidence\tsource\n# pairs\ng1\t1\ttrue\t\t\n"
        "ghost\t1\ttrue\t\t\n",
        "growth.tsv: 1 row(s) name a genome_id missing from",
    ),
    "empty_genome_file": ("", None, "genomes.tsv: is empty"),
    "header_only_genome_sheet": (HEADER, None, "genomes.tsv: holds no genomes"),
}


@pytest.mark.parametrize("case", sorted(SHEETS))
def test_sheets_are_checked_when_the_workflow_starts(workflow_copy, case):
    genomes, growth, expected = SHEETS[case]
    (workflow_copy / "genomes.tsv").write_text(genomes)
    overrides = ["genomes=genomes.tsv"]
    if growth is not None:
        (workflow_copy / "growth.tsv").write_text(growth)
        overrides.append("growth=growth.tsv")
    result = run_snakemake(workflow_copy, "-n", "--config", *overrides, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert expected in output and "Traceback" not in output, output
    assert not (workflow_copy / "results").exists()
