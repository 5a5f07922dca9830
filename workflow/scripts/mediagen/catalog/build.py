"""The build_catalog job: a MediaDive snapshot and the two sheets in, the catalog files out.

Outputs: the SQLite catalog, the media matrix (``media.parquet``, see ``media_table``),
the growth pairs the models use (``growth_pairs.parquet``, see ``growth_pairs``), the
pairs left out of it with their reasons, ``quirks.json``: how many composition lines of
each kind (see ``composition``) the catalog met, and how many selected media are left with
no ingredient in the matrix, and ``media_facts.tsv``: each medium's MediaDive page, pH range,
salt and signs of an anaerobic preparation (see ``media_facts``).
"""

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from ..atomic import atomic_write_text
from ..sources.mediadive import load_snapshot
from .composition import (
    AmountRules,
    flatten_composition,
    media_matrix,
    quirk_counts,
    report_problems,
    select_media,
)
from .database import build_catalog
from .growth_pairs import (
    check_growth_pairs,
    split_by_selection,
    write_excluded,
    write_growth_pairs,
)
from .media_facts import media_facts, write_media_facts
from .media_table import write_media_matrix
from .sheets import load_genome_sheet, load_growth_sheet

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatalogSettings:
    """The ``catalog:`` section of the config."""

    media: str | list = "all"
    min_growth_pairs: int = 0
    min_ingredient_media: int = 3
    max_g_per_l: float = 1000.0
    include_optional: bool = False


@dataclass(frozen=True)
class CatalogOutputs:
    catalog: Path
    media: Path
    growth_pairs: Path
    excluded_pairs: Path
    quirks: Path
    facts: Path


def build_catalog_files(manifest: str | Path, genome_sheet: str | Path,
                        growth_sheet: str | Path, settings: CatalogSettings,
                        outputs: CatalogOutputs) -> dict:
    """Build every catalog output; returns a few figures for the log and for tests."""
    snapshot = load_snapshot(manifest)
    genomes = load_genome_sheet(genome_sheet)
    growth = check_growth_pairs(load_growth_sheet(growth_sheet), set(genomes.index),
                                {str(m["id"]) for m in snapshot.media}, growth_sheet)

    rules = AmountRules.from_records(snapshot.ingredients, snapshot.compositions,
                                     settings.max_g_per_l)
    components = [c for medium_id, items in snapshot.compositions.items()
                  for c in flatten_composition(medium_id, items, rules)]
    names = {i: str(r.get("name") or i) for i, r in snapshot.ingredients.items()}
    names.update({c.ingredient_id: c.ingredient_id for c in components
                  if c.ingredient_id not in names})
    report_problems(components, names)

    usable = {c.media_id for c in components
              if c.g_l and (settings.include_optional or not c.optional)}
    growth_counts = growth[growth["growth"]].groupby("media_id").size().to_dict()
    selected, reasons = select_media(snapshot.media, usable, settings.media,
                                     settings.min_growth_pairs, growth_counts)
    media_names = {str(m["id"]): str(m.get("name") or m["id"]) for m in snapshot.media}
    matrix = media_matrix(selected, media_names, components, names,
                          settings.min_ingredient_media, settings.include_optional)
    pairs, excluded = split_by_selection(growth, set(selected), reasons)

    build_catalog(outputs.catalog, media=snapshot.media, ingredients=snapshot.ingredients,
                  components=components, strains=snapshot.strains, genomes=genomes,
                  growth=growth, selected=selected,
                  matrix_ingredients=matrix.ingredient_ids)
    write_media_matrix(outputs.media, matrix)
    write_growth_pairs(outputs.growth_pairs, pairs)
    write_excluded(outputs.excluded_pairs, excluded)
    write_media_facts(outputs.facts, media_facts(snapshot.media, components, names))
    quirks = {**quirk_counts(components),
              "selected_media_empty_at_matrix_width": int((matrix.sizes == 0).sum()),
              "max_g_per_l": settings.max_g_per_l}
    log.info("catalog quirks: %s", ", ".join(f"{k}={v}" for k, v in quirks.items()))
    atomic_write_text(outputs.quirks, json.dumps(quirks, indent=1) + "\n")
    figures = {
        "media": len(snapshot.media), "selected_media": len(selected),
        "ingredients": len(names), "matrix_ingredients": len(matrix.ingredient_ids),
        "strains": len({str(s["id"]) for entries in snapshot.strains.values()
                        for s in entries}),
        "genomes": len(genomes), "growth_pairs": len(growth), "model_pairs": len(pairs),
        "model_pairs_growing": int(pairs["growth"].sum()),
        "flagged_values": sum(1 for c in components if c.flagged),
        **quirks,
    }
    log.info("catalog: %s", ", ".join(f"{k}={v}" for k, v in figures.items()))
    return figures

