"""The genome and growth sheets: every bad row is refused with file, line and fix."""

import pytest
from mediagen.catalog.sheets import load_genome_sheet, load_growth_sheet, load_sheets
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


def test_growth_sheet_reads_mediadive_curies_as_medium_ids(tmp_path):
    """Knowledge graphs and BacDive exports write MediaDive's medium 1 as mediadive.medium:1."""
    path = write_sheet(tmp_path, "ecoli\tmediadive.medium:1\ttrue\t\t\n",
                       "ecoli\tMEDIADIVE.MEDIUM:381a\ttrue\t\t\n", "ecoli\tJ168\ttrue\t\t\n",
                       header=GROWTH_HEADER, name="growth.tsv")
    assert load_growth_sheet(path)["media_id"].tolist() == ["1", "381a", "J168"]


def test_only_a_line_starting_with_hash_is_a_comment(tmp_path):
    path = write_sheet(
        tmp_path,
        "# genomes of the first run\n",
        "strain5\tstrain #5\tbacteria\t\truns/run#3/g.fna\n",
        "#ecoli\tEscherichia coli\tbacteria\t562\tGCF_000005845.2\n",
    )
    sheet = load_genome_sheet(path)
    assert list(sheet.index) == ["strain5"]
    assert sheet.loc["strain5", "organism_name"] == "strain #5"
    assert sheet.loc["strain5", "source"] == "runs/run#3/g.fna"
    growth = write_sheet(tmp_path, "strain5\t1\ttrue\t1\tdemo #1: by type and GC\n",
                         header=GROWTH_HEADER, name="growth.tsv")
    assert load_growth_sheet(growth)["source"].tolist() == ["demo #1: by type and GC"]


GROWTH_HEADER = "genome_id\tmedia_id\tgrowth\tconfidence\tsource\n"
PREAMBLE = ("# a comment\n", "\n", "# another\n", "   \n")  # physical lines 2 to 5


def test_bad_rows_are_reported_at_their_physical_line(tmp_path):
    genomes = write_sheet(tmp_path, *PREAMBLE, GOOD_ROW, "x\tx\tplant\t\ta.fna\n")
    with pytest.raises(MediagenError, match=r"genomes.tsv, line 7: organism_type 'plant'"):
        load_genome_sheet(genomes)
    twice = write_sheet(tmp_path, *PREAMBLE, GOOD_ROW, "\n", GOOD_ROW, name="twice.tsv")
    with pytest.raises(MediagenError, match=r"lines 6, 8: genome_id 'ecoli' is duplicated"):
        load_genome_sheet(twice)
    growth = write_sheet(tmp_path, *PREAMBLE, "ecoli\t1\ttrue\t\t\n", "ecoli\t2\tmaybe\t\t\n",
                         header=GROWTH_HEADER, name="growth.tsv")
    with pytest.raises(MediagenError, match=r"growth.tsv, line 7: growth 'maybe'"):
        load_growth_sheet(growth)


def test_growth_rows_must_name_genomes_of_the_genome_sheet(tmp_path):
    genomes = write_sheet(tmp_path, GOOD_ROW)
    growth = write_sheet(tmp_path, "# observations\n", "ecoli\t1\ttrue\t\t\n",
                         "ghost\t1\ttrue\t\t\n", "\n", "spook\t2\tfalse\t\t\n",
                         header=GROWTH_HEADER, name="growth.tsv")
    with pytest.raises(MediagenError) as caught:
        load_sheets(genomes, growth)
    message = str(caught.value)
    assert message.startswith(f"{growth}: 2 row(s) name a genome_id missing from {genomes}: "
                              "line 4 (ghost, 1); line 6 (spook, 2)")
    assert "Fix:" in message
    good = write_sheet(tmp_path, "ecoli\t1\ttrue\t\t\n", header=GROWTH_HEADER, name="ok.tsv")
    sheets, pairs = load_sheets(genomes, good)
    assert list(sheets.index) == ["ecoli"] and pairs["genome_id"].tolist() == ["ecoli"]


def test_a_genome_id_too_long_for_a_file_name_is_refused(tmp_path):
    long_id = "g" * 300
    path = write_sheet(tmp_path, GOOD_ROW, f"{long_id}\tx\tbacteria\t\ta.fna\n")
    with pytest.raises(MediagenError) as caught:
        load_genome_sheet(path)
    message = str(caught.value)
    assert "line 3: genome_id" in message and "at most 100 characters" in message
    assert len(message) < 400 and long_id not in message
    assert len(load_genome_sheet(write_sheet(tmp_path, f"{'g' * 100}\tx\tbacteria\t\ta.fna\n",
                                             name="ok.tsv"))) == 1


@pytest.mark.parametrize(("content", "expected"), [
    ("", "is empty"),
    ("\n# only a comment\n\n", "is empty"),
    (HEADER, "holds no genomes"),
    (HEADER + "# ecoli\tEscherichia coli\tbacteria\t562\tGCF_000005845.2\n", "holds no genomes"),
])
def test_an_empty_genome_sheet_is_refused(tmp_path, content, expected):
    path = tmp_path / "genomes.tsv"
    path.write_text(content)
    with pytest.raises(MediagenError, match=f"{path}: {expected}"):
        load_genome_sheet(path)


def test_an_empty_growth_file_is_refused_and_a_header_alone_is_no_growth(tmp_path):
    path = write_sheet(tmp_path, header="", name="growth.tsv")
    with pytest.raises(MediagenError, match=f"{path}: is empty"):
        load_growth_sheet(path)
    assert load_growth_sheet(write_sheet(tmp_path, header=GROWTH_HEADER)).empty


def test_a_repeated_column_is_refused(tmp_path):
    header = "genome_id\torganism_name\torganism_type\tgenome_id\tsource\n"
    path = write_sheet(tmp_path, "a\tx\tbacteria\tb\ta.fna\n", header=header)
    with pytest.raises(MediagenError, match=r"genomes.tsv, line 1: column genome_id appears "
                                            r"twice \(columns 1 and 4\)"):
        load_genome_sheet(path)


def test_windows_line_ends_byte_order_mark_and_quotes_are_read(tmp_path):
    path = tmp_path / "genomes.tsv"
    text = HEADER + GOOD_ROW + 'hsal\t"Halobacterium, ""NRC-1"""\tarchaea\t\th.fna\n'
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    sheet = load_genome_sheet(path)
    assert list(sheet.index) == ["ecoli", "hsal"]
    assert sheet.loc["hsal", "organism_name"] == 'Halobacterium, "NRC-1"'
    assert sheet.loc["hsal", "source"] == "h.fna"


def test_a_row_with_more_cells_than_the_header_is_refused(tmp_path):
    path = write_sheet(tmp_path, GOOD_ROW, "a\tx\tbacteria\t\ta.fna\textra\n")
    with pytest.raises(MediagenError, match=r"line 3: 6 cells but the header names 5"):
        load_genome_sheet(path)


LINEAGE_HEADER = "genome_id\torganism_name\torganism_type\tsource\tlineage\tphylum\n"
MAG = ("d__Bacteria;p__Bacillota;c__Bacilli;o__Lactobacillales;f__Lactobacillaceae;"
       "g__Lactiplantibacillus;s__")


def test_a_gtdb_lineage_fills_the_rank_columns_and_an_empty_name(tmp_path):
    path = write_sheet(
        tmp_path,
        f"mag_1\t\tbacteria\tmag1.fna\t{MAG}\t\n",
        f"mag_2\tour MAG 2\tbacteria\tmag2.fna\t{MAG.replace('s__', 's__L. plantarum')}\t\n",
        "isolate\t\tarchaea\ti.fna\t\tHalobacteriota\n",
        header=LINEAGE_HEADER)
    sheet = load_genome_sheet(path)
    ranks = ["domain", "phylum", "class", "order", "family"]
    assert sheet.loc["mag_1", ranks].tolist() == [
        "Bacteria", "Bacillota", "Bacilli", "Lactobacillales", "Lactobacillaceae"]
    assert sheet.loc["mag_1", "organism_name"] == "Lactiplantibacillus"  # no species: genus
    assert sheet.loc["mag_2", "organism_name"] == "our MAG 2"  # a name given stays
    assert sheet.loc["isolate", ranks].tolist() == ["", "Halobacteriota", "", "", ""]
    plain = load_genome_sheet(write_sheet(tmp_path, GOOD_ROW, name="plain.tsv"))
    assert plain.loc["ecoli", ranks].tolist() == [""] * 5  # the columns are always there


@pytest.mark.parametrize(("lineage", "phylum", "expected"), [
    ("Bacteria;Bacillota", "", "field 'Bacteria' is not a rank prefix"),
    ("p__Bacillota;d__Bacteria", "", "field 'd__Bacteria' is out of order"),
    (MAG, "Pseudomonadota", "phylum 'Pseudomonadota' contradicts the lineage's phylum "
                            "'Bacillota'"),
])
def test_a_bad_lineage_names_file_line_and_what_is_wrong(tmp_path, lineage, phylum, expected):
    path = write_sheet(tmp_path, "ok\tx\tbacteria\tok.fna\t\t\n",
                       f"mag_1\t\tbacteria\tmag1.fna\t{lineage}\t{phylum}\n",
                       header=LINEAGE_HEADER)
    with pytest.raises(MediagenError) as caught:
        load_genome_sheet(path)
    message = str(caught.value)
    assert message.startswith(f"{path}, line 3: ") and expected in message
    assert "Fix:" in message
