"""The offline demo's media: a small MediaDive-format snapshot, and growth pairs for it.

The recipes are data, in ``config/demo/recipes/`` beside the snapshot they generate:

- ``ingredients.tsv``: ingredient_id, name, formula, molar_mass (g/mol), chebi; an
  ingredient without a formula is complex.
- ``media.tsv``: media_id, name, organism_type, complex (0/1), pH.
- ``compositions.tsv``: media_id, ingredient_id, g_l, mmol_l, optional; g_l is empty for an
  amount MediaDive gives in ml or only in mmol/L. mmol_l, when empty, is derived from g_l
  and the molar mass, as MediaDive lists it.
- ``strains.tsv``: media_id, strain_id, species, ccno, growth, bacdive_id, domain.

``write_demo_snapshot(folder)`` writes the snapshot laid out like the REST API
(``media.json``, ``medium-composition/{id}.json``, ``medium-strains/{id}.json``,
``ingredient/{id}.json``), which the MediaDive client reads as its base URL.
``demo_growth_pairs(genomes, seed)`` pairs every demo genome with media of its type.
Regenerate both with ``python -m mediagen.demo.media config/demo``.
"""

import json
import sys
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import atomic_write_text
from ..catalog.sheets import load_genome_sheet
from .genomes import demo_gc_position

DEMO_SEED = 7
RECIPES = Path(__file__).resolve().parents[4] / "config" / "demo" / "recipes"


def _read(name: str, recipes: Path) -> pd.DataFrame:
    return pd.read_csv(recipes / name, sep="\t", dtype=str, keep_default_na=False)


def _number(text: str):
    """A table cell as MediaDive writes it: empty is null, else an int or a float."""
    if text == "":
        return None
    return int(text) if text.isdigit() else float(text)


def _id_value(text: str):
    """Ids as MediaDive writes them: numbers as numbers."""
    return int(text) if text.isdigit() else text


def _envelope(data) -> str:
    count = len(data) if isinstance(data, list) else 1
    return json.dumps({"status": 200, "count": count, "data": data}, indent=1) + "\n"


def write_demo_snapshot(folder: str | Path, recipes: Path = RECIPES) -> None:
    """Write the demo's MediaDive-format snapshot under ``folder``."""
    folder = Path(folder)
    ingredients = _read("ingredients.tsv", recipes).set_index("ingredient_id")
    media = _read("media.tsv", recipes)
    compositions = _read("compositions.tsv", recipes)
    strains = _read("strains.tsv", recipes)

    listed = [{"id": _id_value(row.media_id), "name": row.name,
               "complex_medium": int(row.complex),
               "source": "DSMZ" if row.media_id.isdigit() else
               ("JCM" if row.media_id.startswith("J") else "mediagen demo"),
               "min_pH": _number(row.pH), "max_pH": _number(row.pH)}
              for row in media.itertuples(index=False)]
    atomic_write_text(folder / "media.json", _envelope(listed))
    for media_id, lines in compositions.groupby("media_id", sort=False):
        items = []
        for line in lines.itertuples(index=False):
            grams, mmol = _number(line.g_l), _number(line.mmol_l)
            mass = _number(ingredients.at[line.ingredient_id, "molar_mass"])
            if mmol is None and grams is not None and mass:
                mmol = round(grams / mass * 1000, 6)
            items.append({"id": _id_value(line.ingredient_id),
                          "name": ingredients.at[line.ingredient_id, "name"],
                          "g_l": grams, "mmol_l": mmol, "optional": int(line.optional)})
        atomic_write_text(folder / "medium-composition" / f"{media_id}.json", _envelope(items))
    for media_id, records in strains.groupby("media_id", sort=False):
        data = [{"id": r.strain_id, "species": r.species, "ccno": r.ccno,
                 "growth": int(r.growth), "bacdive_id": _number(r.bacdive_id),
                 "domain": r.domain or None}
                for r in records.itertuples(index=False)]
        atomic_write_text(folder / "medium-strains" / f"{media_id}.json", _envelope(data))
    for ingredient_id in sorted(set(compositions["ingredient_id"])):
        row = ingredients.loc[ingredient_id]
        record = {"id": _id_value(ingredient_id), "name": row["name"],
                  "ChEBI": _number(row["chebi"]), "formula": row["formula"] or None,
                  "mass": _number(row["molar_mass"]), "complex_compound": int(not row["formula"])}
        atomic_write_text(folder / "ingredient" / f"{ingredient_id}.json", _envelope(record))


def media_by_type(recipes: Path = RECIPES) -> dict[str, list[str]]:
    """The demo's media ids per organism type, in catalogue order."""
    media = _read("media.tsv", recipes)
    return {organism_type: list(group["media_id"])
            for organism_type, group in media.groupby("organism_type", sort=False)}


def demo_growth_pairs(genomes: pd.DataFrame, seed: int = DEMO_SEED,
                      recipes: Path = RECIPES) -> pd.DataFrame:
    """Each genome grows on 3-4 media of its type chosen by its GC, and fails on one other.

    A type's media are laid out in catalogue order and a genome grows on those nearest
    its GC position within the type's range (mediagen.demo.genomes), so which media a
    genome takes depends on its composition, not only on its type: a stand-in for the
    real link between genome content and growth requirements, which gives the demo
    something beyond the organism type to learn. Confidences (0.55-1.0) and the one
    negative pair come from the seed and the genome id; the same sheet and seed always
    give the same pairs (the demo genomes must be built with the same seed).
    """
    by_type = media_by_type(recipes)
    rows = []
    for genome_id, organism_type in zip(genomes["genome_id"], genomes["organism_type"],
                                        strict=True):
        rng = np.random.default_rng([seed, zlib.crc32(genome_id.encode())])
        own = by_type[organism_type]
        centre = demo_gc_position(genome_id, organism_type, seed) * (len(own) - 1)
        nearest = np.argsort(np.abs(np.arange(len(own)) - centre), kind="stable")
        for index in sorted(nearest[: int(rng.integers(3, 5))]):
            confidence = round(float(rng.uniform(0.55, 1.0)), 2)
            rows.append((genome_id, own[index], "true", confidence,
                         "demo: type media nearest the genome's GC"))
        others = [m for t, media in sorted(by_type.items()) if t != organism_type
                  for m in media]
        rows.append((genome_id, str(rng.choice(others)), "false", 0.9,
                     "demo: medium of another organism type"))
    return pd.DataFrame(rows, columns=["genome_id", "media_id", "growth", "confidence",
                                       "source"])


def write_demo_growth(genome_sheet: str | Path, destination: str | Path,
                      seed: int = DEMO_SEED) -> None:
    pairs = demo_growth_pairs(load_genome_sheet(genome_sheet), seed)
    atomic_write_text(destination, pairs.to_csv(sep="\t", index=False))


if __name__ == "__main__":
    demo = Path(sys.argv[1] if len(sys.argv) > 1 else "config/demo")
    write_demo_snapshot(demo / "mediadive", demo / "recipes")
    write_demo_growth(demo / "genomes.tsv", demo / "growth.tsv")
