"""Embeddings stand for the genome however the assembly is cut: contigs, short pieces, a MAG.

A demo genome (made here, with genes, codon bias and repeats) is shredded into
contigs of 1-20 kb, into 500 bp pieces, and into 1-20 kb contigs of which 30% are
dropped (a 70%-complete metagenome-assembled genome); every embedding method must
stay close to the intact genome's. Assemblies that leave bases out warn, and one
too fragmented to embed is refused.
"""

import logging

import numpy as np
import pytest
import torch
from genome_vae_support import TINY, WINDOWS, tiny_training
from mediagen.demo.genomes import synthesize_genome
from mediagen.errors import MediagenError
from mediagen.genome_vae.embed import GenomeEmbedder
from mediagen.genome_vae.train import train_genome_vae
from mediagen.kmers.assembly import MIN_CONTIG_LENGTH
from mediagen.kmers.embedding_methods import embed_counts
from mediagen.kmers.profile import count_genome, read_genome_profile, read_window_profiles
from mediagen.kmers.shred import shred_records

KMER_METHODS = ["kmer_64", "kmer_128", "kmer_256", "stats", "profile"]
# cut -> (contig lengths, share of contigs kept, least cosine of the k-mer methods, of the VAE)
CUTS = {
    "contigs of 1-20 kb": ((1000, 20_000), 1.0, 0.99, 0.97),
    "500 bp pieces": ((500, 500), 1.0, 0.99, 0.97),
    "70% complete": ((1000, 20_000), 0.7, 0.98, 0.95),
}
MIN_LENGTH = WINDOWS["min_length"]


def write_records(path, records) -> str:
    with open(path, "wb") as handle:
        for name, sequence in records:
            handle.write(b">" + name.encode() + b"\n" + sequence + b"\n")
    return str(path)


def cosine(a, b) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.fixture(scope="module")
def genome():
    """Four demo bacteria end to end in one record, 0.63 Mb: big enough for its 8-mers to
    be more than sampling noise, and its parts of unlike composition make a harder case
    than a uniform genome (dropped contigs change the mix)."""
    records = [record for i in range(4)
               for record in synthesize_genome(f"part{i}", "bacteria", seed=11)]
    return [("chromosome", b"".join(sequence for _, sequence in records))]


@pytest.fixture(scope="module")
def embedder(tmp_path_factory):
    """A tiny genome VAE trained on the windows of eight other demo genomes."""
    directory = tmp_path_factory.mktemp("vae")
    paths = []
    for i in range(8):
        records = synthesize_genome(f"train{i}", ("bacteria", "archaea")[i % 2], seed=11)
        fasta = write_records(directory / f"train{i}.fa", records)
        paths.append(directory / f"train{i}.npy")
        np.save(paths[-1], read_window_profiles(fasta, window_length=5000, stride=5000,
                                                min_length=MIN_LENGTH))
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train_genome_vae(paths, TINY, tiny_training(epochs=4), WINDOWS,
                         device=torch.device("cpu"), model_path=directory / "genome_vae.pt",
                         metrics_path=directory / "metrics.jsonl",
                         resume_path=directory / "resume.pt")
    finally:
        torch.set_num_threads(before)
    return GenomeEmbedder.from_checkpoint(directory / "genome_vae.pt")


@pytest.mark.parametrize("cut", CUTS)
def test_every_embedding_of_a_cut_genome_stays_close_to_the_intact_one(
        tmp_path, genome, embedder, cut):
    lengths, keep, least_kmer_cosine, least_vae_cosine = CUTS[cut]
    intact = write_records(tmp_path / "intact.fa", genome)
    pieces = shred_records(genome, np.random.default_rng(5), lengths, keep)
    assert len(pieces) > 8
    shredded = write_records(tmp_path / "shredded.fa", pieces)

    whole, cut_counts = (count_genome(path, min_length=MIN_LENGTH).arrays()
                         for path in (intact, shredded))
    for method in KMER_METHODS:
        similarity = cosine(embed_counts(method, whole), embed_counts(method, cut_counts))
        assert similarity >= least_kmer_cosine, (method, similarity)
    assert cosine(embedder.embed_fasta(intact), embedder.embed_fasta(shredded)) \
        >= least_vae_cosine

    # the windows cover the cut genome as they cover the intact one
    n_windows = [len(read_window_profiles(path, window_length=5000, stride=5000,
                                          min_length=MIN_LENGTH)) for path in (intact, shredded)]
    assert n_windows == [int(whole["n_acgt"]) // 5000, int(cut_counts["n_acgt"]) // 5000]


def test_short_contigs_and_n_runs_are_left_out_counted_and_warned_about(tmp_path, caplog):
    rng = np.random.default_rng(2)
    long_contigs = [("long", rng.choice(list(b"ACGT"), 20_000).astype(np.uint8).tobytes())]
    short_contigs = [(f"short{i}", b"ACGTTGCA" * 20) for i in range(20)]  # 20 x 160 bases
    gap = [("gap", b"ACGT" * 100 + b"N" * 500 + b"ACGT" * 100)]
    fasta = write_records(tmp_path / "draft.fa", long_contigs + short_contigs + gap)

    with caplog.at_level(logging.WARNING, logger="mediagen.kmers.assembly"):
        counts = count_genome(fasta, min_length=MIN_LENGTH)
    assert counts.n_acgt == 20_800 and counts.n_records == 22
    assert counts.n_short_contigs == 20 and counts.n_short_contig_bases == 3200
    assert counts.n_ambiguous == 500
    # the profile is that of the used contigs alone
    used = write_records(tmp_path / "used.fa", long_contigs + gap)
    np.testing.assert_array_equal(counts.counts7, count_genome(used, min_length=1).counts7)
    (warning,) = caplog.records
    assert "draft.fa" in warning.getMessage() and "85%" in warning.getMessage()
    assert "3,200 A/C/G/T bases in 20 contig(s) shorter than 200" in warning.getMessage()

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mediagen.kmers.assembly"):
        read_genome_profile(used, min_length=MIN_LENGTH)  # 500 of 21,300 left out: 98% used
    assert caplog.records == []


@pytest.mark.parametrize("reader", [count_genome, read_genome_profile, read_window_profiles])
def test_an_assembly_too_fragmented_to_embed_is_refused(tmp_path, reader):
    rng = np.random.default_rng(3)
    reads = [(f"c{i}", rng.choice(list(b"ACGT"), 100).astype(np.uint8).tobytes())
             for i in range(300)]  # 30 kb, all in contigs of 100 bases
    fasta = write_records(tmp_path / "reads.fa", reads)
    options = {"window_length": 5000, "stride": 5000} if reader is read_window_profiles else {}
    with pytest.raises(MediagenError) as error:
        reader(fasta, min_length=MIN_LENGTH, **options)
    message = str(error.value)
    assert message.startswith(f"{fasta}: assembly too fragmented to embed")
    assert f"contigs of at least {MIN_CONTIG_LENGTH}" in message and "300 of 300" in message
    assert reader(fasta, min_length=MIN_LENGTH, min_contig_length=100, **options) is not None
