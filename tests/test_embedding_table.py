"""Genome tables round-trip exactly, narrow (one column per feature) and wide (one list column)."""

import numpy as np
import pyarrow.parquet as pq
import pytest
from mediagen.errors import MediagenError
from mediagen.kmers.embedding_table import MAX_COLUMNS, read_embedding_table, write_embedding_table


@pytest.mark.parametrize("width", [4, MAX_COLUMNS + 1])
def test_round_trip(tmp_path, width):
    matrix = np.random.default_rng(width).random((3, width)).astype(np.float32)
    path = tmp_path / "table.parquet"
    write_embedding_table(path, ["a", "b", "c"], matrix, "kmer_x")
    ids, read, meta = read_embedding_table(path)
    assert ids == ["a", "b", "c"]
    assert meta == {"method": "kmer_x", "dim": width}
    np.testing.assert_array_equal(read, matrix)
    columns = pq.read_schema(path).names
    assert len(columns) == (1 + width if width <= MAX_COLUMNS else 2)


def test_named_columns_and_mismatch(tmp_path):
    path = tmp_path / "stats.parquet"
    write_embedding_table(path, ["g"], np.ones((1, 2)), "stats", column_names=["gc", "at"])
    assert pq.read_schema(path).names == ["genome_id", "gc", "at"]
    with pytest.raises(ValueError, match="does not match"):
        write_embedding_table(path, ["g", "h"], np.ones((1, 2)), "stats")
    with pytest.raises(MediagenError, match="not found"):
        read_embedding_table(tmp_path / "absent.parquet")
