"""Genome tables on disk: ``genome_id`` plus one float column per feature.

``results/embeddings/profiles.parquet`` and ``results/embeddings/{method}.parquet``
all share this shape. The feature columns are every column other than
``genome_id``, in file order; the method and its dimension travel in the
Parquet schema metadata so a reader can check what it was given.

Tables wider than ``MAX_COLUMNS`` (kmer_256's 65,536 8-mers) hold their features
in one fixed-size list column ``vector`` instead: Parquet pays per column, and
tens of thousands of columns take many seconds to write and read.

Feature columns are written PLAIN and without statistics: a column of distinct floats
gains nothing from a dictionary or from min/max, and building those for each of thousands
of columns was half the time of writing a table (and a sixth of its size). This module
imports neither pandas nor anything that does (``pa.array`` imports pandas on its first
call, whatever it is given), so ``mediagen profile`` does not pay 0.2 s for it.
"""

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..atomic import atomic_path
from ..errors import MediagenError

METADATA_KEY = b"mediagen"
MAX_COLUMNS = 10_000


def write_embedding_table(
    path: str | Path,
    genome_ids: list[str],
    matrix: np.ndarray,
    method: str,
    column_names: list[str] | None = None,
) -> None:
    """Write ``matrix`` (genomes x features) with its genome ids, atomically."""
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or matrix.shape[0] != len(genome_ids):
        raise ValueError(f"matrix {matrix.shape} does not match {len(genome_ids)} genome ids")
    if matrix.dtype.kind not in "iuf":
        raise ValueError(f"matrix of {matrix.dtype}, not numbers")
    names = column_names or [f"{method}_{i}" for i in range(matrix.shape[1])]
    columns = [_string_array(genome_ids)]
    meta = {"method": method, "dim": int(matrix.shape[1])}
    if matrix.shape[1] > MAX_COLUMNS:
        values = _number_array(matrix.reshape(-1))  # row after row
        columns.append(pa.FixedSizeListArray.from_arrays(values, matrix.shape[1]))
        names = ["vector"]
    else:
        # column after column, one slice each: a third of the time of an array per column
        values = _number_array(matrix.T.reshape(-1))
        rows = matrix.shape[0]
        columns += [values.slice(j * rows, rows) for j in range(matrix.shape[1])]
    table = pa.Table.from_arrays(columns, names=["genome_id", *names])
    table = table.replace_schema_metadata({METADATA_KEY: json.dumps(meta).encode()})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, use_dictionary=["genome_id"], write_statistics=["genome_id"])


def _number_array(values: np.ndarray) -> pa.Array:
    """An Arrow array of a 1-d numeric numpy array, built on its buffer (see the module
    docstring for why not ``pa.array``)."""
    values = np.ascontiguousarray(values)
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values),
                                 [None, pa.py_buffer(values)])


def _string_array(values: list[str]) -> pa.Array:
    """An Arrow string array built from its offsets and UTF-8 bytes, without ``pa.array``."""
    encoded = [value.encode() for value in values]
    offsets = np.cumsum([0, *map(len, encoded)], dtype=np.int32)
    return pa.StringArray.from_buffers(len(encoded), pa.py_buffer(offsets),
                                       pa.py_buffer(b"".join(encoded)))


def read_embedding_table(path: str | Path) -> tuple[list[str], np.ndarray, dict]:
    """Return (genome ids, float32 matrix, metadata with ``method`` and ``dim``)."""
    path = Path(path)
    if not path.is_file():
        raise MediagenError(f"{path}: embedding table not found; run the workflow stage first")
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise MediagenError(f"{path}: not a Parquet embedding table ({exc.__class__.__name__}); "
                            "give a genome table the workflow or mediagen wrote") from exc
    if "genome_id" not in table.column_names:
        raise MediagenError(f"{path}: no genome_id column, so not a genome table; give a "
                            "genome table the workflow or mediagen wrote")
    raw = (table.schema.metadata or {}).get(METADATA_KEY)
    meta = json.loads(raw) if raw else {}
    ids = [str(v) for v in table.column("genome_id").to_pylist()]
    if table.column_names == ["genome_id", "vector"]:
        vectors = table.column("vector").combine_chunks()
        matrix = vectors.flatten().to_numpy().reshape(len(ids), vectors.type.list_size)
        matrix = matrix.astype(np.float32)
    else:
        features = table.drop_columns(["genome_id"]).columns
        matrix = np.empty((len(ids), len(features)), dtype=np.float32, order="F")
        for j, column in enumerate(features):
            matrix[:, j] = column.to_numpy()
    meta.setdefault("dim", matrix.shape[1])
    return ids, matrix, meta
