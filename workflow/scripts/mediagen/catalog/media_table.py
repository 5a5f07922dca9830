"""The media matrix: one row per medium, one column per ingredient, g/L, kept sparse.

A medium holds a dozen or two of the catalog's thousands of ingredients, so the matrix is
stored as compressed sparse rows (``indptr``, ``indices``, ``values``): the real catalog
(3,324 media by 1,235 ingredients) takes 50,000 amounts instead of 4 million cells, and a
catalog ten times larger grows ten times, not a hundred. Only the matrix a model sees (its
few hundred ingredients) is ever made dense, row by row (``dense``).

On disk (``results/catalog/media.parquet`` and the dataset's ``media.parquet``) one row per
medium: ``media_id`` and ``media_name`` (strings), ``ingredient`` (list of int32, positions in
the ingredient list, ascending) and ``g_l`` (list of float64, the amounts, all above 0). The
ingredient ids and names travel in the Parquet schema metadata, so the file alone can print
a recipe. The list columns' offsets are the rows' ``indptr``: reading is a copy, not a parse.
"""

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..atomic import atomic_path
from ..errors import MediagenError

METADATA_KEY = b"mediagen"
COLUMNS = ["media_id", "media_name", "ingredient", "g_l"]


@dataclass
class MediaMatrix:
    """Media by ingredients, g/L, as compressed sparse rows (amounts above 0 only)."""

    media_ids: list[str]
    media_names: list[str]
    ingredient_ids: list[str]
    ingredient_names: list[str]
    indptr: np.ndarray  # (n_media + 1,) int64: row i is indices/values[indptr[i]:indptr[i+1]]
    indices: np.ndarray  # (nnz,) int32 ingredient columns, ascending within a row
    values: np.ndarray  # (nnz,) float64 g/L

    def __post_init__(self):
        self.indptr = np.asarray(self.indptr, dtype=np.int64)
        self.indices = np.asarray(self.indices, dtype=np.int32)
        self.values = np.asarray(self.values, dtype=np.float64)
        if (len(self.media_names) != len(self.media_ids)
                or len(self.ingredient_names) != len(self.ingredient_ids)
                or self.indptr.shape != (len(self.media_ids) + 1,) or self.indptr[0] != 0
                or self.indptr[-1] != len(self.indices) or len(self.values) != len(self.indices)
                or (len(self.indices) and not 0 <= self.indices.min() <= self.indices.max()
                    < len(self.ingredient_ids))):
            raise ValueError(f"inconsistent media matrix: {len(self.media_ids)} media, "
                             f"{len(self.ingredient_ids)} ingredients, indptr "
                             f"{self.indptr.shape}, {len(self.indices)} entries")

    @classmethod
    def from_dense(cls, media_ids, media_names, ingredient_ids, ingredient_names,
                   grams_per_litre) -> "MediaMatrix":
        grams = np.asarray(grams_per_litre, dtype=np.float64)
        if grams.shape != (len(media_ids), len(ingredient_ids)):
            raise ValueError(f"matrix {grams.shape} does not match "
                             f"{(len(media_ids), len(ingredient_ids))}")
        rows, columns = np.nonzero(grams > 0)
        return cls.from_entries(media_ids, media_names, ingredient_ids, ingredient_names,
                                rows, columns, grams[rows, columns])

    @classmethod
    def from_entries(cls, media_ids, media_names, ingredient_ids, ingredient_names,
                     rows: np.ndarray, columns: np.ndarray, values: np.ndarray
                     ) -> "MediaMatrix":
        """From (row, column, g/L) entries, one per cell, in any order; zeros are dropped."""
        rows, columns = np.asarray(rows, dtype=np.int64), np.asarray(columns, dtype=np.int64)
        values = np.asarray(values, dtype=np.float64)
        kept = values > 0
        rows, columns, values = rows[kept], columns[kept], values[kept]
        order = np.lexsort((columns, rows))
        indptr = np.zeros(len(media_ids) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(media_ids)), out=indptr[1:])
        return cls(list(media_ids), list(media_names), list(ingredient_ids),
                   list(ingredient_names), indptr, columns[order], values[order])

    @property
    def sizes(self) -> np.ndarray:
        """Ingredients per medium."""
        return np.diff(self.indptr)

    def media_per_ingredient(self) -> np.ndarray:
        """How many media hold each ingredient."""
        return np.bincount(self.indices, minlength=len(self.ingredient_ids))

    def dense(self, rows=None) -> np.ndarray:
        """The rows asked for (all by default, repeats allowed) as a dense float64 array."""
        rows = np.arange(len(self.media_ids)) if rows is None else np.asarray(rows, np.int64)
        out = np.zeros((len(rows), len(self.ingredient_ids)))
        row_of_entry, entries = self._entries(rows)
        out[row_of_entry, self.indices[entries]] = self.values[entries]
        return out

    def _entries(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(position in ``rows``, index into indices/values) of every entry of ``rows``."""
        lengths = self.sizes[rows]
        entries = np.repeat(self.indptr[rows] - np.cumsum(lengths) + lengths, lengths) + (
            np.arange(lengths.sum()))
        return np.repeat(np.arange(len(rows)), lengths), entries

    @cached_property
    def grams_per_litre(self) -> np.ndarray:
        """The whole matrix, dense: for a model's few hundred ingredients, not a catalog."""
        return self.dense()

    def select(self, rows=None, columns=None) -> "MediaMatrix":
        """The media ``rows`` (in that order) at the ingredients ``columns`` (in that order);
        ``None`` keeps all."""
        rows = np.arange(len(self.media_ids)) if rows is None else np.asarray(rows, np.int64)
        row_of_entry, entries = self._entries(rows)
        indices, values = self.indices[entries], self.values[entries]
        ingredient_ids, ingredient_names = self.ingredient_ids, self.ingredient_names
        if columns is not None:
            columns = np.asarray(columns, dtype=np.int64)
            new_position = np.full(len(self.ingredient_ids), -1, dtype=np.int64)
            new_position[columns] = np.arange(len(columns))
            kept = new_position[indices] >= 0
            row_of_entry, indices, values = (row_of_entry[kept], new_position[indices[kept]],
                                             values[kept])
            ingredient_ids = [self.ingredient_ids[j] for j in columns]
            ingredient_names = [self.ingredient_names[j] for j in columns]
        return MediaMatrix.from_entries(
            [self.media_ids[i] for i in rows], [self.media_names[i] for i in rows],
            ingredient_ids, ingredient_names, row_of_entry, indices, values)


def write_media_matrix(path: str | Path, media: MediaMatrix) -> None:
    """Write ``media`` as the Parquet table of the module docstring, atomically."""
    offsets = pa.array(media.indptr.astype(np.int32))
    table = pa.Table.from_arrays(
        [pa.array(media.media_ids, pa.string()), pa.array(media.media_names, pa.string()),
         pa.ListArray.from_arrays(offsets, pa.array(media.indices, pa.int32())),
         pa.ListArray.from_arrays(offsets, pa.array(media.values, pa.float64()))],
        names=COLUMNS)
    meta = json.dumps({"ingredient_ids": media.ingredient_ids,
                       "ingredient_names": media.ingredient_names}).encode()
    table = table.replace_schema_metadata({METADATA_KEY: meta})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def read_media_matrix(path: str | Path) -> MediaMatrix:
    path = Path(path)
    if not path.is_file():
        raise MediagenError(f"{path}: media matrix not found; run the build_catalog rule first")
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise MediagenError(f"{path}: not a Parquet media matrix ({exc.__class__.__name__}); "
                            "rebuild it with build_catalog") from exc
    meta = json.loads((table.schema.metadata or {}).get(METADATA_KEY, b"{}"))
    if table.column_names != COLUMNS or "ingredient_ids" not in meta:
        raise MediagenError(f"{path}: not a media matrix of this version (columns "
                            f"{table.column_names[:4]}); rebuild it with build_catalog")
    ingredients = table.column("ingredient").combine_chunks()
    offsets = ingredients.offsets.to_numpy()
    return MediaMatrix(
        media_ids=table.column("media_id").to_pylist(),
        media_names=table.column("media_name").to_pylist(),
        ingredient_ids=list(meta["ingredient_ids"]),
        ingredient_names=list(meta["ingredient_names"]),
        indptr=offsets - offsets[0],
        indices=ingredients.flatten().to_numpy(),
        values=table.column("g_l").combine_chunks().flatten().to_numpy(),
    )
