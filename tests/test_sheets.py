"""The genome and growth sheets: every bad row is refused with file, line and fix."""

import pytest
from mediagen.catalog.sheets import load_genome_sheet, load_growth_sheet
from mediagen.errors import MediagenError

HEADER = "genome_id\torganism_name\torganism_type\ttaxid\tsource\n"
GOOD_ROW = "ecoli\tEscherichia coli\tbacteria\t562\tGCF_000005845.2\n"


def write_sheet(tmp_path, *rows, header=HEADER, name="genomes.tsv"):
    path = tmp_path / name
    path.write_text(header + "".join(rows))
    return path


def test_good_sheet_is_indexed_by_genome_id(tmp_path):
    path = write_sheet(tmp_path, GOOD_ROW, "hsal\tHalobacterium\tarchea\t\t/data/h.fna.gz\n")
    sheet = load_genome_sheet(path)
    assert list(sheet.index) == ["ecoli", "hsal"]
    assert sheet.loc["hsal", "organism_type"] == "archaea"  # 'archea' is accepted
    assert sheet.loc["ecoli", "source"] == "GCF_000005845.2"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("../x\tx\tbacteria\t\tGCF_000005845.2\n", "genome_id '../x'"),
        ("a/b\tx\tbacteria\t\tGCF_000005845.2\n", "genome_id 'a/b'"),
        ("..\tx\tbacteria\t\tGCF_000005845.2\n", "genome_id '..'"),
        ("x y\tx\tbacteria\t\tGCF_000005845.2\n", "genome_id 'x y'"),
        ("plant1\tx\tplant\t\tGCF_000005845.2\n", "organism_type 'plant'"),
        ("nosrc\tx\tbacteria\t\t\n", "source"),
        ("badtax\tx\tbacteria\tabc\tGCF_000005845.2\n", "taxid 'abc'"),
    ],
)
def test_bad_row_names_file_line_and_fix(tmp_path, row, expected):
    path = write_sheet(tmp_path, GOOD_ROW, row)
    with pytest.raises(MediagenError) as caught:
        load_genome_sheet(path)
    message = str(caught.value)
    assert str(path) in message
    assert "line 3" in message
    assert expected in message
    assert "Fix:" in message


def test_duplicated_genome_id_names_both_lines(tmp_path):
    path = write_sheet(tmp_path, GOOD_ROW, GOOD_ROW.replace("562", "511145"))
    with pytest.raises(MediagenError, match=r"lines 2, 3: genome_id 'ecoli' is duplicated"):
        load_genome_sheet(path)


def test_missing_column_and_missing_file(tmp_path):
    path = write_sheet(tmp_path, "ecoli\tbacteria\n", header="genome_id\torganism_type\n")
    with pytest.raises(MediagenError, match="missing column"):
        load_genome_sheet(path)
    with pytest.raises(MediagenError, match="sheet not found"):
        load_genome_sheet(tmp_path / "absent.tsv")


def test_growth_sheet_types_and_errors(tmp_path):
    header = "genome_id\tmedia_id\tgrowth\tconfidence\tsource\n"
    path = write_sheet(tmp_path, "ecoli\t1\tTRUE\t0.9\tpaper\n", "ecoli\t2\tfalse\t\t\n",
                       header=header, name="growth.tsv")
    growth = load_growth_sheet(path)
    assert growth["growth"].tolist() == [True, False]
    assert growth["confidence"].tolist() == [0.9, 1.0]
    bad = write_sheet(tmp_path, "ecoli\t1\ttrue\t1.5\t\n", header=header, name="bad.tsv")
    with pytest.raises(MediagenError, match=r"bad.tsv, line 2: confidence '1.5'"):
        load_growth_sheet(bad)
