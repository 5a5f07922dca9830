"""The media matrix on disk: one row per medium, one column per ingredient, g/L.

``results/catalog/media.parquet`` has columns ``media_id`` and ``media_name``
(strings), then one float64 column per ingredient named by its ingredient id.
Ingredient names travel in the Parquet schema metadata, so the file alone can
print a recipe.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..atomic import atomic_path
from ..errors import MediagenError

METADATA_KEY = b"mediagen"


@dataclass
class MediaMatrix:
    media_ids: list[str]
    media_names: list[str]
    ingredient_ids: list[str]
    ingredient_names: list[str]
    grams_per_litre: np.ndarray  # (n_media, n_ingredients) float64

    def __post_init__(self):
        shape = (len(self.media_ids), len(self.ingredient_ids))
        if self.grams_per_litre.shape != shape:
            raise ValueError(f"matrix {self.grams_per_litre.shape} does not match {shape}")


def write_media_matrix(path: str | Path, media: MediaMatrix) -> None:
    columns = [pa.array(media.media_ids, pa.string()), pa.array(media.media_names, pa.string())]
    columns += [pa.array(media.grams_per_litre[:, i], pa.float64())
                for i in range(len(media.ingredient_ids))]
    table = pa.Table.from_arrays(columns, names=["media_id", "media_name", *media.ingredient_ids])
    names = dict(zip(media.ingredient_ids, media.ingredient_names, strict=True))
    meta = json.dumps({"ingredient_names": names}).encode()
    table = table.replace_schema_metadata({METADATA_KEY: meta})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def read_media_matrix(path: str | Path) -> MediaMatrix:
    path = Path(path)
    if not path.is_file():
        raise MediagenError(f"{path}: media matrix not found; run the build_catalog rule first")
    table = pq.read_table(path)
    names = json.loads((table.schema.metadata or {}).get(METADATA_KEY, b"{}")).get(
        "ingredient_names", {}
    )
    ingredient_ids = [name for name in table.column_names if name not in ("media_id", "media_name")]
    matrix = np.column_stack(
        [table.column(i).to_numpy() for i in ingredient_ids]
    ) if ingredient_ids else np.zeros((table.num_rows, 0))
    return MediaMatrix(
        media_ids=[str(v) for v in table.column("media_id").to_pylist()],
        media_names=[str(v) for v in table.column("media_name").to_pylist()],
        ingredient_ids=ingredient_ids,
        ingredient_names=[names.get(i, i) for i in ingredient_ids],
        grams_per_litre=matrix.astype(np.float64),
    )
