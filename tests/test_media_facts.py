"""Media facts: each medium's MediaDive page, pH range, salt and signs of an anaerobic
preparation, from made-up media and from the real catalog."""

import json

import pandas as pd
import pytest
from mediagen.catalog.composition import AmountRules, flatten_composition
from mediagen.catalog.media_facts import media_facts, read_media_facts, write_media_facts
from mediagen.errors import MediagenError

MEDIA = [
    {"id": "an1", "name": "CLOSTRIDIUM MEDIUM", "complex_medium": 1, "min_pH": 6.8,
     "max_pH": 7.2, "description": None},
    {"id": "an2", "name": "METHANOGEN MEDIUM", "complex_medium": 0,
     "description": "Gas phase 80% N2 and 20% CO2; headspace H2 / CO2 (80:20) later."},
    {"id": "ox1", "name": "NUTRIENT AGAR", "complex_medium": "yes", "min_pH": 7,
     "max_pH": 7, "description": "For cells grown under 5% CO2."},
    {"id": "ox2", "name": "THERMOANAEROBACTER MEDIUM", "complex_medium": None,
     "description": None},
    {"id": "sea", "name": "MARINE MEDIUM (ANAEROB)", "complex_medium": 0},
]
COMPOSITIONS = {
    "an1": [{"id": 1, "g_l": 10}, {"id": 2, "g_l": 0.001}, {"id": 3, "g_l": 0.5}],
    "an2": [{"id": 4, "g_l": 2}],
    "ox1": [{"id": 1, "g_l": 5}, {"id": 4, "g_l": 5}, {"id": 5, "g_l": 0.1},
            {"id": 4, "g_l": 2, "optional": 1}],
    "sea": [{"id": 4, "g_l": 10}, {"id": 6, "g_l": 20}, {"id": 7, "g_l": 5.5},
            {"id": 8, "g_l": 3}, {"id": 9, "g_l": 1000}],
}
NAMES = {"1": "Peptone", "2": "Sodium resazurin", "3": "L-Cysteine HCl x H2O", "4": "NaCl",
         "5": "L-Cystine", "6": "Artificial Sea Salt", "7": "Tropic Marine salt",
         "8": "NaClO3", "9": "Sea water"}


def facts_of(media=MEDIA, compositions=COMPOSITIONS, names=NAMES) -> pd.DataFrame:
    rules = AmountRules(max_g_per_l=1000.0, molar_mass={}, density={},
                        water=frozenset({"9"}), complex=frozenset())
    components = [c for medium, items in compositions.items()
                  for c in flatten_composition(medium, items, rules)]
    return media_facts(media, components, names).set_index("media_id", drop=False)


def test_anaerobic_signs_from_ingredients_gas_phase_and_name():
    facts = facts_of()
    assert facts["anaerobic"].to_dict() == {"an1": True, "an2": True, "ox1": False,
                                            "ox2": False, "sea": True}
    assert facts["anaerobic_because"].to_dict() == {
        "an1": "resazurin; L-cysteine",
        "an2": "gas phase 80% N2; gas phase H2/CO2",
        "ox1": "",  # L-cystine is no reducing agent, 5% CO2 no gas phase
        "ox2": "",  # a genus' name
        "sea": 'name says "ANAEROB"',
    }


def test_salt_counts_sodium_chloride_and_sea_salts_in_g_per_litre():
    salt = facts_of()["salt_g_l"]
    assert salt["sea"] == pytest.approx(10 + 20 + 5.5)  # not NaClO3, not sea water
    assert salt["ox1"] == 5  # the optional NaCl is not always there
    assert salt["an1"] == 0
    assert pd.isna(salt["ox2"])  # no composition


def test_link_ph_and_complex():
    facts = facts_of()
    assert facts.loc["an1", "link"] == "https://mediadive.dsmz.de/medium/an1"
    assert (facts.loc["an1", "min_ph"], facts.loc["an1", "max_ph"]) == (6.8, 7.2)
    assert facts["min_ph"].isna().tolist() == [False, True, False, True, True]
    assert facts["complex"].tolist() == [True, False, True, pd.NA, False]


def test_the_file_reads_back_typed(tmp_path):
    facts = facts_of().reset_index(drop=True)
    write_media_facts(tmp_path / "media_facts.tsv", facts)
    header, first = (tmp_path / "media_facts.tsv").read_text().splitlines()[:2]
    assert header.split("\t") == ["media_id", "link", "min_ph", "max_ph", "complex",
                                  "salt_g_l", "anaerobic", "anaerobic_because"]
    assert first.split("\t")[4:7] == ["true", "0.0", "true"]
    back = read_media_facts(tmp_path / "media_facts.tsv")
    assert list(back.index) == ["an1", "an2", "ox1", "ox2", "sea"]
    pd.testing.assert_frame_equal(back.reset_index(drop=True), facts)


def test_a_missing_or_foreign_file_is_named(tmp_path):
    with pytest.raises(MediagenError, match="media_facts.tsv: media facts not found; run the "
                       "build_catalog rule"):
        read_media_facts(tmp_path / "media_facts.tsv")
    (tmp_path / "other.tsv").write_text("media_id\tsalt\n1\t2\n")
    with pytest.raises(MediagenError, match="other.tsv: not a media facts table.*rebuild"):
        read_media_facts(tmp_path / "other.tsv")


def test_the_real_catalogs_media_facts(real_snapshot):
    def data(path):
        return json.loads(path.read_text())["data"]

    media = data(real_snapshot / "media.json")
    compositions = {p.stem: data(p) for p in (real_snapshot / "medium-composition").iterdir()}
    ingredients = {p.stem: data(p) for p in (real_snapshot / "ingredient").iterdir()}
    rules = AmountRules.from_records(ingredients, compositions, 1000.0)
    components = [c for medium, items in compositions.items()
                  for c in flatten_composition(medium, items, rules)]
    facts = media_facts(media, components, {i: r["name"] for i, r in ingredients.items()})
    assert len(facts) == 3324
    assert facts["anaerobic"].sum() == 1187
    assert facts["min_ph"].notna().sum() == facts["max_ph"].notna().sum() == 2580
    assert (facts["complex"].sum(), (~facts["complex"]).sum()) == (2665, 659)
    assert facts["salt_g_l"].isna().sum() == 189  # no composition
    assert (facts["salt_g_l"] > 0).sum() == 1846
    signs = facts["anaerobic_because"].str.split("; ").explode()
    assert signs.str.startswith("gas phase").sum() == 10  # N2/CO2 7, H2/CO2 3
    assert (signs == "resazurin").sum() == 954
    by_id = facts.set_index("media_id")
    assert by_id.loc["339a", "anaerobic_because"] == (
        'resazurin; L-cysteine; gas phase N2/CO2; name says "ANAEROBE"')
    assert not by_id.loc["1850", "anaerobic"]  # Sf1Ep cells under 5% CO2
    assert not by_id.loc["9a", "anaerobic"]  # "VY/2, REDUCED MEDIUM": half the yeast
