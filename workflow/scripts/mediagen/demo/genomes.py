"""Synthetic demo genomes whose composition differs by organism type.

The offline demo needs genomes without a download. Each one is built from a seed
and its genome_id, so the same sheet always yields the same bytes. The types
differ the way real genomes do, at a toy scale:

- GC content: bacteria span 28-72 %, archaea 30-65 %, fungi 36-55 %, protists
  20-60 % (Plasmodium-like AT-rich genomes at the low end);
- coding density: prokaryotes are ~88 % genes, eukaryotes about half, with
  intergenic and intronic stretches rich in low-complexity repeats;
- codon usage: each type has its own codon preference table, shifted by the
  genome's GC at the third codon position, so oligonucleotide frequencies carry
  both a type signal and a genome signal;
- size: eukaryote demo genomes are larger than prokaryote ones.

They are small (about 0.1-0.4 Mb) so the whole demo runs on a laptop in minutes.
"""

import gzip
import zlib
from dataclasses import dataclass

import numpy as np

from ..atomic import atomic_open
from ..rule_job import thread_job

BASES = np.frombuffer(b"ACGT", dtype=np.uint8)
STOP_CODONS = {"TAA", "TAG", "TGA"}


@dataclass(frozen=True)
class TypeModel:
    gc_range: tuple[float, float]
    length_range: tuple[int, int]
    coding_fraction: float
    repeat_fraction: float  # share of non-coding sequence made of short tandem repeats
    n_contigs: tuple[int, int]


TYPE_MODELS = {
    "bacteria": TypeModel((0.28, 0.72), (100_000, 240_000), 0.88, 0.05, (1, 3)),
    "archaea": TypeModel((0.30, 0.65), (80_000, 180_000), 0.86, 0.10, (1, 2)),
    "fungi": TypeModel((0.36, 0.55), (200_000, 380_000), 0.55, 0.30, (4, 8)),
    "protist": TypeModel((0.20, 0.60), (160_000, 340_000), 0.45, 0.45, (3, 8)),
    "virus": TypeModel((0.30, 0.60), (20_000, 60_000), 0.92, 0.02, (1, 1)),
}

_CODONS = [a + b + c for a in "ACGT" for b in "ACGT" for c in "ACGT"]
SENSE_CODONS = np.array([c not in STOP_CODONS for c in _CODONS])
_CODON_GC = np.array([sum(base in "GC" for base in c) for c in _CODONS], dtype=float)
_CODON_GC3 = np.array([c[2] in "GC" for c in _CODONS], dtype=float)


def _rng(seed: int, *keys: str) -> np.random.Generator:
    return np.random.default_rng([seed, *(zlib.crc32(key.encode()) for key in keys)])


def codon_log_tilt(gc: float) -> np.ndarray:
    """How a genome's GC shifts the log preference of each codon: GC-rich codons, and G or C
    at the third position most, gain in a GC-rich genome."""
    return 4.0 * (gc - 0.5) * (_CODON_GC - 1.5) + 3.0 * (gc - 0.5) * _CODON_GC3


def _codon_usage(seed: int, organism_type: str, gc: float) -> np.ndarray:
    """A type's codon preferences, tilted towards the genome's GC."""
    type_bias = _rng(seed, "codon-table", organism_type).dirichlet(np.full(64, 0.6))
    usage = type_bias * np.exp(codon_log_tilt(gc)) * SENSE_CODONS
    return usage / usage.sum()


def _base_probabilities(gc: float) -> np.ndarray:
    return np.array([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2])


def _gene(rng: np.random.Generator, usage: np.ndarray) -> np.ndarray:
    n_codons = int(rng.integers(100, 600))
    codons = rng.choice(64, size=n_codons, p=usage)
    codon_bytes = np.frombuffer("".join(_CODONS[i] for i in codons).encode(), dtype=np.uint8)
    sequence = np.concatenate([np.frombuffer(b"ATG", np.uint8), codon_bytes,
                               np.frombuffer(b"TAA", np.uint8)])
    if rng.random() < 0.5:  # genes lie on both strands
        sequence = reverse_complement(sequence)
    return sequence


def _noncoding(rng: np.random.Generator, length: int, gc: float, repeat_fraction: float):
    pieces = []
    remaining = length
    while remaining > 0:
        if rng.random() < repeat_fraction:
            unit = rng.choice(BASES, size=int(rng.integers(1, 7)), p=_base_probabilities(gc))
            piece = np.tile(unit, int(rng.integers(4, 40)))
        else:
            piece = rng.choice(BASES, size=int(rng.integers(50, 400)), p=_base_probabilities(gc))
        pieces.append(piece[:remaining])
        remaining -= len(pieces[-1])
    return np.concatenate(pieces) if pieces else np.empty(0, np.uint8)


def reverse_complement(sequence: np.ndarray) -> np.ndarray:
    table = np.arange(256, dtype=np.uint8)
    table[list(b"ACGT")] = list(b"TGCA")
    return table[sequence[::-1]]


def demo_gc_position(genome_id: str, organism_type: str, seed: int) -> float:
    """Where a demo genome's GC lies in its type's GC range, from 0 (lowest) to 1."""
    return float(_rng(seed, "genome", genome_id).uniform())


def synthesize_genome(genome_id: str, organism_type: str, seed: int) -> list[tuple[str, bytes]]:
    """The records (name, sequence) of one demo genome; deterministic in its arguments."""
    model = TYPE_MODELS[organism_type]
    rng = _rng(seed, "genome", genome_id)
    low, high = model.gc_range
    gc = low + (high - low) * float(rng.uniform())
    total = int(rng.integers(*model.length_range))
    usage = _codon_usage(seed, organism_type, gc)
    n_contigs = int(rng.integers(model.n_contigs[0], model.n_contigs[1] + 1))
    bounds = np.sort(rng.choice(np.arange(1, total), size=n_contigs - 1, replace=False))
    records = []
    for index, length in enumerate(np.diff(np.concatenate([[0], bounds, [total]]))):
        pieces, filled = [], 0
        while filled < length:
            if rng.random() < model.coding_fraction:
                piece = _gene(rng, usage)
            else:
                piece = _noncoding(rng, int(rng.integers(100, 2000)), gc, model.repeat_fraction)
            pieces.append(piece)
            filled += len(piece)
        sequence = np.concatenate(pieces)[:length].copy()
        if rng.random() < 0.3:  # an assembly gap
            start = int(rng.integers(0, max(1, length - 200)))
            sequence[start:start + int(rng.integers(10, 100))] = ord("N")
        records.append((f"{genome_id}_contig{index + 1} synthetic {organism_type}",
                        sequence.tobytes()))
    return records


def write_fasta_gz(records: list[tuple[str, bytes]], handle, line_width: int = 80) -> None:
    """Write records as gzip FASTA with a fixed mtime, so the bytes are reproducible."""
    with gzip.GzipFile(fileobj=handle, mode="wb", mtime=0) as gz:
        for name, sequence in records:
            gz.write(b">" + name.encode() + b"\n")
            for start in range(0, len(sequence), line_width):
                gz.write(sequence[start:start + line_width] + b"\n")


def synthesize_genome_job(rule: str, log_file: str, genome_id: str, organism_type: str,
                          seed: int, destination: str) -> None:
    """The ``synthesize_demo_genome`` rule's job, in a thread of Snakemake's process."""
    with thread_job(rule, log_file) as log:
        records = synthesize_genome(genome_id, organism_type, seed)
        with atomic_open(destination, "wb") as handle:
            write_fasta_gz(records, handle)
        log.info("%d records, %d bp", len(records), sum(len(seq) for _, seq in records))
