"""Embedding methods from stored counts, and the aggregation into genome tables."""

import math

import numpy as np
import pyarrow.parquet as pq
import pytest
from kmer_support import random_sequence, reference_counts, write_fasta
from mediagen.errors import MediagenError
from mediagen.kmers.aggregate import aggregate_profiles
from mediagen.kmers.embedding_methods import METHOD_DIMS, embed_counts, method_column_names
from mediagen.kmers.embedding_table import read_embedding_table
from mediagen.kmers.layout import profile_column_names
from mediagen.kmers.profile import count_genome, write_counts_npz

# kmer_256 (65,536 columns) is checked through embed_counts: its table takes long to write
METHODS = ["kmer_64", "kmer_128", "stats"]


@pytest.fixture
def genomes(tmp_path):
    """Three small genomes: their FASTA text and their npz files."""
    texts, npz_paths = {}, []
    for number, genome_id in enumerate(["g_one", "g.two", "g-three"]):
        sequence = random_sequence(number, 2000 + 500 * number, "ACGTTGCAN")
        path = write_fasta(tmp_path / f"{genome_id}.fa", [("a", sequence[:900]),
                                                          ("b", sequence[900:])])
        texts[genome_id] = path.read_bytes()
        npz = tmp_path / "kmers" / f"{genome_id}.npz"
        write_counts_npz(npz, count_genome(path, min_length=1))
        npz_paths.append(npz)
    return texts, npz_paths


def expected_embedding(method: str, text: bytes) -> np.ndarray:
    ref = reference_counts(text)
    if method == "stats":
        gc = 100 * ref["n_gc"] / ref["n_acgt"]
        return np.array([gc, 100 - gc, math.log(ref["n_acgt"]), ref["n_ambiguous"]])
    if method == "profile":
        return ref["profile"]
    plain = ref[{"kmer_64": "all4", "kmer_128": "all6", "kmer_256": "all8"}[method]]
    return plain / plain.sum()


def test_aggregate_writes_every_table(tmp_path, genomes):
    texts, npz_paths = genomes
    profiles = tmp_path / "embeddings" / "profiles.parquet"
    tables = {method: tmp_path / "embeddings" / f"{method}.parquet" for method in METHODS}
    aggregate_profiles(npz_paths, profiles, tables)

    ids, matrix, meta = read_embedding_table(profiles)
    assert ids == list(texts)
    assert meta == {"method": "profile", "dim": 8362}
    assert pq.read_schema(profiles).names == ["genome_id", *profile_column_names()]
    exact = pq.read_table(profiles).to_pandas().drop(columns="genome_id").to_numpy()
    assert exact.dtype == np.float64  # the length field stays exact
    for row, text in enumerate(texts.values()):
        np.testing.assert_allclose(exact[row], expected_embedding("profile", text), rtol=1e-12)

    for method, path in tables.items():
        ids, matrix, meta = read_embedding_table(path)
        assert ids == list(texts)
        assert meta == {"method": method, "dim": METHOD_DIMS[method]}
        assert tuple(pq.read_schema(path).names[1:]) == method_column_names(method)
        for row, text in enumerate(texts.values()):
            np.testing.assert_allclose(matrix[row], expected_embedding(method, text), rtol=1e-6)
    assert sorted(p.name for p in profiles.parent.iterdir()) == sorted(
        ["profiles.parquet", *(f"{m}.parquet" for m in METHODS)]
    )


def test_method_columns_name_what_they_hold():
    assert method_column_names("kmer_64")[:3] == ("AAAA", "AAAC", "AAAG")
    assert method_column_names("kmer_256")[-1] == "TTTTTTTT"
    assert method_column_names("stats") == ("gc_percent", "at_percent", "log_length", "n_count")
    assert len(method_column_names("kmer_128")) == METHOD_DIMS["kmer_128"] == 4096


def test_every_method_from_stored_counts(genomes):
    texts, npz_paths = genomes
    for text, path in zip(texts.values(), npz_paths, strict=True):
        with np.load(path) as npz:
            for method in [*METHODS, "kmer_256", "profile"]:
                embedding = embed_counts(method, npz)
                assert embedding.shape == (METHOD_DIMS[method],)
                np.testing.assert_allclose(embedding, expected_embedding(method, text), rtol=1e-12)


def test_embedding_reads_only_the_keys_it_needs(genomes):
    _, npz_paths = genomes
    with np.load(npz_paths[0]) as npz:
        stats = embed_counts("stats", {key: npz[key] for key in ("n_acgt", "n_gc", "n_ambiguous")})
    assert 0 < stats[0] < 100 and stats[0] + stats[1] == pytest.approx(100)
    with pytest.raises(ValueError, match="unknown"):
        embed_counts("vae", {})


def test_unreadable_counts_file_is_named(tmp_path, genomes):
    _, npz_paths = genomes
    broken = tmp_path / "kmers" / "broken.npz"
    broken.write_bytes(b"not a zip file")
    out = tmp_path / "out" / "profiles.parquet"
    with pytest.raises(MediagenError, match="broken.npz"):
        aggregate_profiles([*npz_paths, broken], out, {})
    assert not out.parent.exists() or not any(out.parent.iterdir())
