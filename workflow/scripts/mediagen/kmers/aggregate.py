"""Gather every genome's counts into the genome tables of the k-mer embedding methods.

``results/embeddings/profiles.parquet`` (columns from
``profile_layout.profile_column_names()``) and one table per configured method
(``mediagen.kmers.embedding_methods``) are filled in one streaming pass over the
per-genome npz files: each file is opened once and only the arrays the methods
need are read, so thousands of genomes cost seconds and little memory. Window
files are never read here.
"""

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from .embedding_methods import METHOD_DIMS, METHOD_KEYS, embed_counts, method_column_names
from .embedding_table import write_embedding_table
from .profile import read_counts_arrays

log = logging.getLogger(__name__)

COUNTS_SUFFIX = ".npz"
PROGRESS_EVERY = 500
# the profile keeps float64 (its length field is a base count); frequency tables fit float32
TABLE_DTYPES = {"profile": np.float64, "stats": np.float64}


def genome_id_of_counts(path: str | Path) -> str:
    """``results/kmers/{genome_id}.npz`` -> genome_id."""
    name = Path(path).name
    if not name.endswith(COUNTS_SUFFIX):
        raise ValueError(f"{path}: not a k-mer count file (*{COUNTS_SUFFIX})")
    return name[: -len(COUNTS_SUFFIX)]


def aggregate_profiles(
    count_paths: Sequence[str | Path],
    profiles_path: str | Path,
    method_paths: Mapping[str, str | Path],
) -> None:
    """Write profiles.parquet and each ``method -> path`` table from the npz files."""
    tables = {"profile": Path(profiles_path), **{m: Path(p) for m, p in method_paths.items()}}
    genome_ids = [genome_id_of_counts(path) for path in count_paths]
    keys = sorted({key for method in tables for key in METHOD_KEYS[method]})
    matrices = {
        method: np.empty(
            (len(count_paths), METHOD_DIMS[method]), dtype=TABLE_DTYPES.get(method, np.float32)
        )
        for method in tables
    }
    for row, path in enumerate(count_paths):
        arrays = read_counts_arrays(path, keys)
        for method, matrix in matrices.items():
            matrix[row] = embed_counts(method, arrays)
        if (row + 1) % PROGRESS_EVERY == 0:
            log.info("read %d of %d genomes' counts", row + 1, len(count_paths))
    for method, path in tables.items():
        write_embedding_table(
            path, genome_ids, matrices[method], method, list(method_column_names(method))
        )
        log.info("wrote %s: %d genomes x %d %s fields", path, *matrices[method].shape, method)
