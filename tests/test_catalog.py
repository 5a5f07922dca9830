"""The catalog build: a real SQLite file, the media matrix and the growth pairs."""

import json
import logging
import sqlite3

import pandas as pd
import pyarrow.parquet as pq
import pytest
from mediadive_support import api_payloads, write_folder
from mediagen.catalog.build import CatalogOutputs, CatalogSettings, build_catalog_files
from mediagen.catalog.composition import (
    LINE_KINDS,
    AmountRules,
    complex_ingredients,
    flatten_composition,
    quirk_counts,
)
from mediagen.catalog.database import open_catalog
from mediagen.catalog.growth_pairs import read_growth_pairs
from mediagen.catalog.media_facts import read_media_facts
from mediagen.catalog.media_table import read_media_matrix
from mediagen.errors import MediagenError
from mediagen.sources.http_client import RetryPolicy
from mediagen.sources.mediadive import fetch_mediadive

GENOMES = (
    "genome_id\torganism_name\torganism_type\ttaxid\tsource\n"
    "ecoli\tEscherichia coli\tbacteria\t562\tGCF_000005845.2\n"
    "hsal\tHalobacterium salinarum\tarchaea\t\tgenomes/hsal.fna.gz\n"
)
GROWTH = (
    "genome_id\tmedia_id\tgrowth\tconfidence\tsource\n"
    "ecoli\t1\ttrue\t1.0\tDSMZ\n"
    "ecoli\tJ2\ttrue\t0.8\tpaper\n"
    "hsal\t3a\ttrue\t0.9\tDSMZ\n"
    "hsal\t1\tfalse\t0.7\t\n"
)


@pytest.fixture
def inputs(tmp_path):
    folder = write_folder(tmp_path / "api", api_payloads())
    fetch_mediadive(str(folder), tmp_path / "resources", concurrency=2,
                    policy=RetryPolicy(retries=0, backoff_seconds=0, timeout_seconds=5))
    (tmp_path / "genomes.tsv").write_text(GENOMES)
    (tmp_path / "growth.tsv").write_text(GROWTH)
    return tmp_path


def build(tmp_path, growth="growth.tsv", **settings):
    outputs = CatalogOutputs(*(tmp_path / "out" / name for name in (
        "catalog.sqlite", "media.parquet", "growth_pairs.parquet", "excluded.tsv",
        "quirks.json", "media_facts.tsv")))
    settings = {"min_ingredient_media": 1, **settings}
    figures = build_catalog_files(tmp_path / "resources" / "manifest.json",
                                  tmp_path / "genomes.tsv", tmp_path / growth,
                                  CatalogSettings(**settings), outputs)
    return outputs, figures


def dump(path) -> dict:
    connection = open_catalog(path)
    tables = [r[0] for r in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    content = {t: sorted(connection.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
               for t in tables}
    connection.close()
    return content


def amount_rules(**known) -> AmountRules:
    """Rules for made-up ingredients: no molar mass, density, water or complex one unless
    given."""
    return AmountRules(**{"max_g_per_l": 1000.0, "molar_mass": {}, "density": {},
                          "water": frozenset(), "complex": frozenset(), **known})


def test_flatten_sums_converts_and_flags(caplog):
    items = [
        {"id": 10, "g_l": 1.5, "mmol_l": 8.6, "optional": 0},
        {"id": 10, "g_l": 0.5, "mmol_l": 2.9, "optional": 0},
        {"id": 20, "g_l": None, "mmol_l": 2.0, "optional": 0},
        {"id": 21, "g_l": None, "mmol_l": 1.0, "optional": 0},  # no molar mass known
        {"id": 30, "g_l": 1200, "optional": 0},
        {"id": 31, "g_l": -0.1, "optional": 0},
        {"id": 32, "g_l": "n/a", "optional": 0},
        {"id": 33, "g_l": 600, "optional": 0},
        {"id": 33, "g_l": 600, "optional": 0},
        {"id": 40, "g_l": 2, "optional": 1},
        {"id": None, "name": "Trace element solution", "g_l": 1, "optional": 0},
        {"id": 50, "g_l": 1000, "optional": 0},  # a prepared base by volume
        {"id": 51, "g_l": 1000, "optional": 0},  # a denser one
        {"id": 52, "g_l": 1500, "optional": 0},  # more than a litre per litre
        {"id": 53, "g_l": 600, "optional": 0},
        {"id": 53, "g_l": 1000, "optional": 0},
    ]
    rules = amount_rules(molar_mass={"20": 246.47}, density={"51": 1.2},
                         complex=frozenset({"50", "51", "52", "53"}))
    with caplog.at_level(logging.WARNING):
        parts = {(c.ingredient_id, c.optional): c
                 for c in flatten_composition("m", items, rules)}
    assert "without an ingredient id left out: Trace element solution" in caplog.text
    assert len(parts) == 12
    assert parts[("10", False)].g_l == pytest.approx(2.0)
    assert parts[("10", False)].mmol_l == pytest.approx(11.5)
    assert parts[("20", False)].g_l == pytest.approx(0.49294)
    assert parts[("20", False)].g_l_from == "mmol_l"
    assert parts[("21", False)].g_l is None and "no amount" in parts[("21", False)].problem
    for impossible in ("30", "31", "32"):
        assert parts[(impossible, False)].g_l is None
        assert "impossible" in parts[(impossible, False)].problem
    assert parts[("33", False)].g_l is None and "sum to 1200" in parts[("33", False)].problem
    assert parts[("40", True)].g_l == 2
    base = parts[("50", False)]
    assert (base.line_kinds, base.ml_l, base.g_l, base.g_l_from, base.problem, base.flagged) \
        == (("volume",), 1000, 1000, "ml_l", None, False)
    assert parts[("51", False)].g_l == pytest.approx(1200)  # 1000 ml x 1.2 g/ml
    assert parts[("52", False)].line_kinds == ("at_or_above_limit",)
    assert parts[("52", False)].flagged and parts[("52", False)].g_l is None
    mixed = parts[("53", False)]
    assert mixed.line_kinds == ("g_l", "volume") and mixed.g_l_from == "g_l+ml_l"
    assert mixed.g_l == 1600 and mixed.ml_l == 1000


def test_complex_ingredients_by_flag_or_by_a_prepared_mixtures_name():
    records = {
        "1": {"name": "Marine agar 2216", "complex_compound": 1},
        "2": {"name": "S6 medium", "formula": None, "complex_compound": 0},
        "3": {"name": "V8 canned vegetable juice", "complex_compound": 0},
        "4": {"name": "Tris base", "formula": "C4H11NO3", "complex_compound": 0},
        "5": {"name": "MgCl2 x 4 H2O", "formula": None, "complex_compound": 0},
    }
    assert complex_ingredients(records) == {"1", "2", "3"}


def test_a_volume_of_more_than_a_litre_in_sum_is_flagged():
    items = [{"id": 50, "g_l": 1000, "optional": 0}, {"id": 50, "g_l": 1000, "optional": 0}]
    [base] = flatten_composition("m", items, amount_rules(complex=frozenset({"50"})))
    assert base.line_kinds == ("volume", "volume") and base.flagged and base.g_l is None
    assert base.problem == "lines sum to 2000 ml per litre, more than a litre"


def test_catalog_is_built_and_queried(inputs, caplog):
    with caplog.at_level(logging.WARNING):
        outputs, figures = build(inputs)
    assert figures["flagged_values"] == 3
    flagged = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert any("medium 3a, ingredient 30 (NaCl)" in m and "2500" in m for m in flagged)
    assert any("medium 3a, ingredient 1 (Peptone)" in m and "-2" in m for m in flagged)
    assert any("medium 3a, ingredient 2 (Meat extract)" in m and "lots" in m for m in flagged)

    db = open_catalog(outputs.catalog)
    assert db.execute("PRAGMA foreign_keys").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM media").fetchone() == (3,)
    assert db.execute("SELECT name, chebi, molar_mass FROM ingredients WHERE ingredient_id = "
                      "'20'").fetchone() == ("MgSO4 x 7 H2O", "31795", 246.47)
    g_l, source = db.execute("SELECT g_l, g_l_from FROM media_composition WHERE media_id = "
                             "'J2' AND ingredient_id = '20'").fetchone()
    assert g_l == pytest.approx(0.49294) and source == "mmol_l"
    assert db.execute("SELECT g_l, problem FROM media_composition WHERE media_id = '3a' AND "
                      "ingredient_id = '30'").fetchone()[0] is None
    assert db.execute("SELECT s.species, g.growth FROM strain_growth g JOIN strains s USING "
                      "(strain_id) WHERE g.media_id = '3a'").fetchall() == [
        ("Halobacterium salinarum", 1)]
    assert db.execute("SELECT organism_type, taxid FROM genomes WHERE genome_id = 'hsal'"
                      ).fetchone() == ("archaea", None)
    assert db.execute("SELECT count(*) FROM genome_growth").fetchone() == (4,)
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        db.execute("INSERT INTO genome_growth VALUES ('nobody', '1', 1, 1.0, '')")
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        db.execute("INSERT INTO media_composition VALUES ('1', 'no-such', 0, 1, NULL, "
                   "'g_l', NULL, NULL)")
    db.close()

    matrix = read_media_matrix(outputs.media)
    assert matrix.media_ids == ["1", "J2", "3a"]
    table = dict(zip(matrix.ingredient_ids, matrix.grams_per_litre.T, strict=True))
    assert list(table["10"]) == pytest.approx([0.0, 2.0, 1.0])
    assert list(table["1"]) == pytest.approx([5.0, 0.0, 0.0])  # 3a's -2 left out
    assert "21" not in table  # optional glucose
    assert "4" not in table  # water has no g/L
    assert dict(zip(matrix.ingredient_ids, matrix.ingredient_names, strict=True))["20"] == \
        "MgSO4 x 7 H2O"
    facts = read_media_facts(outputs.facts)
    assert list(facts.index) == ["1", "J2", "3a"]  # every catalog medium
    assert facts.loc["J2", "link"] == "https://mediadive.dsmz.de/medium/J2"
    assert (facts.loc["J2", "min_ph"], facts.loc["J2", "max_ph"]) == (7.2, 7.4)
    assert facts["complex"].tolist() == [True, False, True]


def test_growth_pairs_file(inputs):
    outputs, _ = build(inputs)
    schema = pq.read_schema(outputs.growth_pairs)
    assert [(f.name, str(f.type)) for f in schema] == [
        ("genome_id", "string"), ("media_id", "string"), ("growth", "bool"),
        ("confidence", "double"), ("source", "string")]
    pairs = read_growth_pairs(outputs.growth_pairs)
    assert set(zip(pairs["genome_id"], pairs["media_id"], pairs["growth"], strict=True)) == {
        ("ecoli", "1", True), ("ecoli", "J2", True), ("hsal", "3a", True),
        ("hsal", "1", False)}


def test_rebuild_gives_the_same_catalog(inputs):
    outputs, _ = build(inputs)
    first = dump(outputs.catalog)
    outputs, _ = build(inputs)
    assert dump(outputs.catalog) == first


def test_the_catalog_holds_no_genome_embeddings(inputs):
    """They live in results/embeddings/{method}.parquet, made after the catalog."""
    outputs, _ = build(inputs)
    assert sorted(dump(outputs.catalog)) == [
        "genome_growth", "genomes", "ingredients", "media", "media_composition", "strain_growth",
        "strains"]


def test_unknown_genome_and_medium_are_reported_not_dropped(inputs):
    (inputs / "bad.tsv").write_text(GROWTH + "ghost\t1\ttrue\t1.0\t\necoli\t999\ttrue\t1.0\t\n")
    with pytest.raises(MediagenError) as error:
        build(inputs, growth="bad.tsv")
    message = str(error.value)
    assert "bad.tsv" in message
    assert "genome_id missing from the genome sheet: line 6 (ghost, 1)" in message
    assert ("media_id MediaDive does not have (unknown: '999'; MediaDive medium ids look like "
            "1, 381a or J168 (or mediadive.medium:1)): line 7 (ecoli, 999)") in message
    assert not (inputs / "out" / "catalog.sqlite").exists()


def test_unknown_media_ids_are_named_a_few_at_a_time(inputs):
    rows = "".join(f"ecoli\tDSM_{n}\ttrue\t1.0\t\n" for n in range(8))
    (inputs / "bad.tsv").write_text(GROWTH + rows + "hsal\tDSM_0\ttrue\t1.0\t\n")
    with pytest.raises(MediagenError, match=r"9 row\(s\) name a media_id MediaDive does not "
                       r"have \(unknown: 'DSM_0', 'DSM_1', 'DSM_2', 'DSM_3', 'DSM_4' and 3 more;"):
        build(inputs, growth="bad.tsv")


def test_media_ids_in_curie_form_are_read_as_mediadive_ids(inputs):
    curies = GROWTH.replace("\t1\t", "\tmediadive.medium:1\t").replace("\tJ2\t",
                                                                     "\tmediadive.medium:J2\t")
    (inputs / "curies.tsv").write_text(curies)
    outputs, _ = build(inputs, growth="curies.tsv", media=["mediadive.medium:1", "J2", "3a"])
    pairs = read_growth_pairs(outputs.growth_pairs)
    assert sorted(zip(pairs["genome_id"], pairs["media_id"], strict=True)) == [
        ("ecoli", "1"), ("ecoli", "J2"), ("hsal", "1"), ("hsal", "3a")]
    assert read_media_matrix(outputs.media).media_ids == ["1", "J2", "3a"]


def test_repeated_pair_is_reported(inputs):
    (inputs / "twice.tsv").write_text(GROWTH + "ecoli\t1\tfalse\t0.5\tother\n")
    with pytest.raises(MediagenError, match=r"repeat a \(genome_id, media_id\) pair: line 2"):
        build(inputs, growth="twice.tsv")


@pytest.mark.parametrize(("choice", "min_pairs", "selected"), [
    ("all", 0, ["1", "J2", "3a"]),
    ("defined", 0, ["J2"]),
    (["3a", "1"], 0, ["1", "3a"]),
    ("all", 1, ["1", "J2", "3a"]),
    ("all", 2, []),
])
def test_media_selection(inputs, choice, min_pairs, selected):
    outputs, _ = build(inputs, media=choice, min_growth_pairs=min_pairs)
    assert read_media_matrix(outputs.media).media_ids == selected
    pairs = read_growth_pairs(outputs.growth_pairs)
    assert set(pairs["media_id"]) <= set(selected)
    excluded = pd.read_csv(outputs.excluded_pairs, sep="\t", dtype=str)
    assert len(pairs) + len(excluded) == 4  # every pair is either used or listed
    assert excluded["reason"].notna().all()
    with open_catalog(outputs.catalog) as db:
        assert sorted(r[0] for r in db.execute("SELECT media_id FROM media WHERE selected")) \
            == sorted(selected)


def test_unknown_media_in_the_selection_list_are_an_error(inputs):
    with pytest.raises(MediagenError, match=r"catalog.media lists 1 id.*: 77; .*look like"):
        build(inputs, media=["1", "77"])


def test_rare_ingredients_leave_the_matrix_but_stay_in_the_catalog(inputs):
    outputs, _ = build(inputs, min_ingredient_media=2)
    assert read_media_matrix(outputs.media).ingredient_ids == ["10"]
    with open_catalog(outputs.catalog) as db:
        assert db.execute("SELECT count(*) FROM ingredients").fetchone() == (7,)
        assert db.execute("SELECT ingredient_id FROM ingredients WHERE in_matrix"
                          ).fetchall() == [("10",)]


# One medium with a line of every kind, one whose only ingredient is used by no other
# medium (empty at the matrix width), one that shares K2HPO4 with the first, and one made of
# a prepared base given by volume.
QUIRK_MEDIA = [{"id": "q1", "name": "EVERY KIND"}, {"id": "q2", "name": "SLUDGE ONLY"},
               {"id": "q3", "name": "PHOSPHATE"},
               {"id": "q4", "name": "BASE ONLY", "description": "gas phase N2/CO2 (80/20)"}]
QUIRK_COMPOSITIONS = {
    "q1": [{"id": 4, "name": "Distilled water", "g_l": 1000, "mmol_l": None, "optional": 0},
           {"id": 322, "name": "Tap water", "g_l": None, "mmol_l": None, "optional": 0},
           {"id": 286, "name": "Sea water", "g_l": 750, "mmol_l": None, "optional": 0},
           {"id": 30, "name": "NaCl", "g_l": 1000, "mmol_l": None, "optional": 0},
           {"id": 31, "name": "H2SO4", "g_l": 1500, "mmol_l": None, "optional": 0},
           {"id": 10, "name": "K2HPO4", "g_l": 1.5, "mmol_l": None, "optional": 0},
           {"id": 20, "name": "MgSO4 x 7 H2O", "g_l": None, "mmol_l": 2.0, "optional": 0},
           {"id": 40, "name": "Haemin", "g_l": None, "mmol_l": 0.01, "optional": 0},
           {"id": 50, "name": "Soil", "g_l": None, "mmol_l": None, "optional": 0},
           {"id": 60, "name": "Peptone", "g_l": -1, "mmol_l": None, "optional": 0},
           {"id": 70, "name": "Agar", "g_l": 600, "mmol_l": None, "optional": 0},
           {"id": 70, "name": "Agar", "g_l": 600, "mmol_l": None, "optional": 0},
           {"id": 90, "name": "Columbia agar base", "g_l": 1000, "mmol_l": None,
            "optional": 0}],
    "q2": [{"id": 80, "name": "Sludge", "g_l": 5, "mmol_l": None, "optional": 0},
           {"id": 286, "name": "Sea water", "g_l": 1000, "mmol_l": None, "optional": 0}],
    "q3": [{"id": 10, "name": "K2HPO4", "g_l": 2, "mmol_l": None, "optional": 0},
           {"id": 20, "name": "MgSO4 x 7 H2O", "g_l": 0.5, "mmol_l": None, "optional": 0}],
    "q4": [{"id": 90, "name": "Columbia agar base", "g_l": 1000, "mmol_l": None,
            "optional": 0},
           {"id": 4, "name": "Distilled water", "g_l": 1000, "mmol_l": None, "optional": 0}],
}
QUIRK_INGREDIENTS = {
    "4": {"id": 4, "name": "Distilled water", "formula": "H2O", "mass": 18.0153},
    "322": {"id": 322, "name": "Tap water", "formula": "H2O", "mass": 18.0153},
    "286": {"id": 286, "name": "Sea water", "mass": 0},
    "30": {"id": 30, "name": "NaCl", "formula": "ClNa", "mass": 58.44, "complex_compound": 0},
    "31": {"id": 31, "name": "H2SO4", "formula": "H2O4S", "mass": 98.08,
           "complex_compound": 0},
    "10": {"id": 10, "name": "K2HPO4", "mass": 174.18},
    "20": {"id": 20, "name": "MgSO4 x 7 H2O", "mass": 246.47},
    "40": {"id": 40, "name": "Haemin", "mass": None},
    "50": {"id": 50, "name": "Soil"},
    "60": {"id": 60, "name": "Peptone"},
    "70": {"id": 70, "name": "Agar"},
    "80": {"id": 80, "name": "Sludge"},
    "90": {"id": 90, "name": "Columbia agar base", "density": 1.1, "complex_compound": 1},
}


def test_catalog_quirks_are_handled_and_counted(tmp_path, caplog):
    payloads = api_payloads(media=QUIRK_MEDIA, compositions=QUIRK_COMPOSITIONS, strains={},
                            ingredients=QUIRK_INGREDIENTS)
    folder = write_folder(tmp_path / "api", payloads)
    fetch_mediadive(str(folder), tmp_path / "resources", concurrency=2,
                    policy=RetryPolicy(retries=0, backoff_seconds=0, timeout_seconds=5))
    (tmp_path / "genomes.tsv").write_text(GENOMES)
    (tmp_path / "none.tsv").write_text("genome_id\tmedia_id\tgrowth\n")
    with caplog.at_level(logging.INFO):
        outputs, figures = build(tmp_path, growth="none.tsv", min_ingredient_media=2)
    expected = {
        "lines_g_l": 6,  # K2HPO4 x2, Agar x2, Sludge, MgSO4 in q3
        "lines_mmol_l": 1,  # MgSO4 in q1: 2 mmol/L x 246.47 g/mol
        "lines_water": 5,  # 1000 "g/L" of distilled water is a volume, as is tap and sea water
        "lines_volume": 2,  # 1000 of Columbia agar base: 1000 ml per litre, in q1 and q4
        "lines_variable": 1,  # soil
        "lines_mmol_without_molar_mass": 1,  # haemin
        "lines_at_or_above_limit": 2,  # NaCl at exactly 1000, H2SO4 at 1500
        "lines_impossible": 1,  # negative peptone
        "sums_at_or_above_limit": 1,  # agar: 600 + 600
        "selected_media_empty_at_matrix_width": 1,  # q2: sludge is in no other medium
    }
    quirks = json.loads(outputs.quirks.read_text())
    assert {k: quirks[k] for k in expected} == expected
    assert {k: figures[k] for k in expected} == expected
    assert figures["flagged_values"] == 4  # NaCl, H2SO4, peptone, agar's sum
    assert ("catalog quirks: lines_g_l=6, lines_mmol_l=1, lines_water=5, lines_volume=2"
            in caplog.text)
    assert "2 complex ingredients are given as a volume" in caplog.text
    with open_catalog(outputs.catalog) as db:
        problems = dict(db.execute("SELECT ingredient_id, problem FROM media_composition "
                                   "WHERE media_id = 'q1'"))
        assert db.execute("SELECT g_l FROM media_composition WHERE media_id = 'q1' AND "
                          "ingredient_id = '20'").fetchone()[0] == pytest.approx(0.49294)
        assert db.execute("SELECT g_l, ml_l, g_l_from FROM media_composition WHERE media_id "
                          "= 'q4' AND ingredient_id = '90'").fetchone() == (
            pytest.approx(1100), 1000, "ml_l")
    assert problems["4"] == "water or sea water (1000 per litre): a volume, not a mass"
    assert problems["322"] == "water or sea water: a volume, not a mass"
    assert "impossible amount 1000" in problems["30"] and "below 1000" in problems["30"]
    assert problems["50"] == "no amount in g/L: given as variable"
    assert problems["40"] == "no amount in g/L: only mmol/L, and no molar mass to convert it"
    assert problems["70"] == "lines sum to 1200 g/L, at or above 1000"
    assert problems["10"] is None and problems["90"] is None
    matrix = read_media_matrix(outputs.media)
    assert matrix.media_ids == ["q1", "q2", "q3", "q4"]
    assert matrix.ingredient_ids == ["10", "20", "90"]
    assert not matrix.grams_per_litre[1].any()
    assert list(matrix.grams_per_litre[3]) == pytest.approx([0, 0, 1100])  # 1000 ml x 1.1
    with open_catalog(outputs.catalog) as db:
        assert db.execute("SELECT description FROM media WHERE media_id = 'q4'").fetchone() \
            == ("gas phase N2/CO2 (80/20)",)
    facts = read_media_facts(outputs.facts)
    assert facts["anaerobic_because"].to_dict() == {
        "q1": "", "q2": "", "q3": "", "q4": "gas phase N2/CO2"}


def test_the_real_catalogs_quirks_match_its_readme(real_snapshot):
    """The snapshot's README counts 242 lines at or above 1000 g/L (87 of them water or sea
    water), 147 lines of water and similar liquids, 36 "variable" amounts (no g/L, no
    mmol/L); 15 lines give only mmol/L. Of the 155 others at or above 1000, 62 are prepared
    bases and media (and sludge, whey ...) by volume, at most a litre; 93 stay flagged: 88
    of chemicals, 5 of complex ingredients beyond a litre per litre."""
    def data(path):
        return json.loads(path.read_text())["data"]

    compositions = {p.stem: data(p) for p in (real_snapshot / "medium-composition").iterdir()}
    ingredients = {p.stem: data(p) for p in (real_snapshot / "ingredient").iterdir()}
    rules = AmountRules.from_records(ingredients, compositions, 1000.0)
    components = [c for medium, items in compositions.items()
                  for c in flatten_composition(medium, items, rules)]
    quirks = quirk_counts(components)
    lines = [(line, str(line["id"]) in rules.water) for items in compositions.values()
             for line in items]
    at_limit_water = sum(1 for line, is_water in lines
                         if is_water and (line["g_l"] or 0) >= 1000)
    assert at_limit_water == 87
    assert (quirks["lines_volume"], quirks["lines_at_or_above_limit"]) == (62, 93)
    flagged_complex = [c for c in components if c.flagged and c.ingredient_id in rules.complex]
    assert sorted(ingredients[c.ingredient_id]["name"] for c in flagged_complex) == [
        "Agar", "Agar", "Catalase", "Polypeptone", "Sea Salt"]
    assert quirks["lines_water"] == 147
    assert quirks["lines_variable"] == 36
    assert quirks["lines_mmol_l"] + quirks["lines_mmol_without_molar_mass"] == 15
    assert sum(quirks[f"lines_{kind}"] for kind in LINE_KINDS) == 52536
