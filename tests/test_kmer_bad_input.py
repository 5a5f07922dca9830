"""Files that are not a usable genome are refused with one line naming the file and the problem."""

import gzip

import numpy as np
import pytest
from kmer_support import random_sequence, write_fasta
from mediagen.errors import MediagenError
from mediagen.kmers.fasta_bytes import genome_id_from_path
from mediagen.kmers.profile import count_genome, read_genome_profile, read_window_profiles

GOOD = random_sequence(1, 3000)


def make_bad_file(tmp_path, kind):
    """Write one kind of bad genome file; return its path and a word the message must hold."""
    if kind == "empty":
        path = tmp_path / "empty.fna"
        path.write_bytes(b"")
        return path, "empty"
    if kind == "empty_gzip":
        path = tmp_path / "empty.fna.gz"
        path.write_bytes(gzip.compress(b""))
        return path, "empty"
    if kind == "headers_only":
        path = tmp_path / "headers.fa"
        path.write_bytes(b">one\n>two\n\n")
        return path, "no sequence"
    if kind == "protein":
        protein = "MKVLAAGIVALLLAAGCSSEQPKTEAPAQ" * 20
        return write_fasta(tmp_path / "protein.fa", [("prot", protein)]), "protein"
    if kind == "truncated_gzip":
        path = tmp_path / "cut.fna.gz"
        data = gzip.compress(f">a\n{GOOD}\n".encode())
        path.write_bytes(data[: len(data) // 2])
        return path, "truncated"
    if kind == "corrupt_gzip":
        path = tmp_path / "corrupt.fna.gz"
        data = bytearray(gzip.compress(f">a\n{GOOD}\n".encode()))
        data[20:40] = b"\xff" * 20
        path.write_bytes(bytes(data))
        return path, "gzip"
    if kind == "not_fasta":
        path = tmp_path / "sheet.fna"
        path.write_text("genome_id\tsource\necoli\tGCF_000005845.2\n")
        return path, "not a FASTA"
    if kind == "binary":
        path = tmp_path / "binary.fa"
        path.write_bytes(b">x\n" + np.random.default_rng(0).bytes(4000))
        return path, "not a nucleotide FASTA"
    if kind == "all_n":
        return write_fasta(tmp_path / "gaps.fa", [("gap", "N" * 20_000)]), "no A/C/G/T"
    if kind == "too_short":
        return write_fasta(tmp_path / "short.fa", [("a", GOOD)]), "below the minimum"
    raise ValueError(kind)


KINDS = ["empty", "empty_gzip", "headers_only", "protein", "truncated_gzip", "corrupt_gzip",
         "not_fasta", "binary", "all_n", "too_short"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("reader", [count_genome, read_genome_profile, read_window_profiles])
def test_bad_genome_is_refused_in_one_line(tmp_path, kind, reader):
    path, problem = make_bad_file(tmp_path, kind)
    options = {"min_length": 10_000}
    if reader is read_window_profiles:
        options |= {"window_length": 5000, "stride": 5000}
    with pytest.raises(MediagenError) as error:
        reader(path, **options)
    message = str(error.value)
    assert str(path) in message
    assert problem in message
    assert "\n" not in message


def test_minimum_length_counts_only_acgt_bases(tmp_path):
    path = write_fasta(tmp_path / "g.fa", [("a", GOOD + "N" * 5000)])
    assert count_genome(path, min_length=3000).n_acgt == 3000
    with pytest.raises(MediagenError, match="3,000 A/C/G/T bases"):
        count_genome(path, min_length=3001)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(MediagenError, match="not found"):
        count_genome(tmp_path / "nowhere.fna", min_length=1)


@pytest.mark.parametrize(
    "name, genome_id",
    [("GCF_000005845.2.fna.gz", "GCF_000005845.2"), ("ecoli.fasta", "ecoli"),
     ("dir/x.FA.GZ", "x"), ("plain", "plain"), ("a.b.fa", "a.b"), (".fa", ".fa")],
)
def test_genome_id_from_file_name(name, genome_id):
    assert genome_id_from_path(name) == genome_id
