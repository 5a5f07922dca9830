"""Growth pairs: the growth sheet checked against the genome sheet and the media catalog.

Every row of ``config/growth.tsv`` must name a genome of the genome sheet and a medium
MediaDive knows; a row that does not is an error that lists every such row, because a
pair quietly dropped is data a user thinks they have. A known medium the models do not
use (left out by ``catalog.media``, without a usable composition, ...) keeps its pairs in
the catalog; they are left out of ``growth_pairs.parquet`` with a warning and listed, with
the reason, in ``growth_pairs_excluded.tsv``.

``growth_pairs.parquet``: genome_id, media_id (strings), growth (bool), confidence
(float64), source (string); one row per (genome, medium).
"""

import logging
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..atomic import atomic_path, atomic_write_text
from ..errors import MediagenError
from ..sources.mediadive import MEDIUM_ID_FORMS
from .sheets import describe_rows

log = logging.getLogger(__name__)

PAIR_SCHEMA = pa.schema([
    ("genome_id", pa.string()), ("media_id", pa.string()), ("growth", pa.bool_()),
    ("confidence", pa.float64()), ("source", pa.string()),
])


def check_growth_pairs(growth: pd.DataFrame, genome_ids: set[str], media_ids: set[str],
                       growth_path: str | Path) -> pd.DataFrame:
    """The sheet's pairs, or an error listing the rows with an unknown genome or medium."""
    growth = growth.copy()
    growth["media_id"] = growth["media_id"].astype(str)
    problems = []
    unknown_genome = growth[~growth["genome_id"].isin(genome_ids)]
    if len(unknown_genome):
        problems.append(f"{len(unknown_genome)} row(s) name a genome_id missing from the "
                        f"genome sheet: {describe_rows(unknown_genome)}")
    unknown_medium = growth[~growth["media_id"].isin(media_ids)]
    if len(unknown_medium):
        problems.append(f"{len(unknown_medium)} row(s) name a media_id MediaDive does not "
                        f"have ({unknown_ids(unknown_medium['media_id'])}; "
                        f"{MEDIUM_ID_FORMS}): {describe_rows(unknown_medium)}")
    duplicated = growth[growth.duplicated(["genome_id", "media_id"], keep=False)]
    if len(duplicated):
        problems.append(f"{len(duplicated)} row(s) repeat a (genome_id, media_id) pair: "
                        f"{describe_rows(duplicated)}")
    if problems:
        raise MediagenError(
            f"{growth_path}: " + ". ".join(problems) + ". Fix: correct or remove these rows "
            "(genome ids come from the genome sheet, media ids from MediaDive, one row per "
            "genome and medium)")
    return growth[["genome_id", "media_id", "growth", "confidence", "source"]]


def unknown_ids(ids: Iterable[str], shown: int = 5) -> str:
    """'unknown: a, b, c and 4 more' for the distinct ids, a few of them named."""
    distinct = list(dict.fromkeys(ids))
    more = f" and {len(distinct) - shown} more" if len(distinct) > shown else ""
    return f"unknown: {', '.join(map(repr, distinct[:shown]))}{more}"


def split_by_selection(pairs: pd.DataFrame, selected: set[str],
                       reasons: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pairs on media the models use, pairs left out with a ``reason`` column)."""
    kept = pairs["media_id"].isin(selected)
    excluded = pairs[~kept].assign(reason=lambda f: f["media_id"].map(reasons))
    if len(excluded):
        log.warning("%d growth pair(s) on media the models do not use are left out of "
                    "growth_pairs.parquet (listed with reasons in the excluded-pairs file): "
                    "%s", len(excluded), describe_rows(excluded))
    log.info("growth pairs for the models: %d (%d growth=true)", int(kept.sum()),
             int(pairs.loc[kept, "growth"].sum()))
    return pairs[kept], excluded


def write_growth_pairs(path: str | Path, pairs: pd.DataFrame) -> None:
    table = pa.Table.from_pandas(
        pairs[["genome_id", "media_id", "growth", "confidence", "source"]].astype(
            {"genome_id": str, "media_id": str, "growth": bool, "confidence": float,
             "source": str}),
        schema=PAIR_SCHEMA, preserve_index=False,
    )
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def read_growth_pairs(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise MediagenError(f"{path}: growth pairs not found; run the build_catalog rule first")
    return pq.read_table(path).to_pandas()


def write_excluded(path: str | Path, excluded: pd.DataFrame) -> None:
    columns = ["genome_id", "media_id", "growth", "confidence", "source", "reason"]
    atomic_write_text(path, excluded[columns].to_csv(sep="\t", index=False))
