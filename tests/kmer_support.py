"""Plain-Python reference of the genome profile, and small FASTA writers for the k-mer tests.

The reference works on strings, one k-mer at a time, the slow and obvious way,
so the numba kernels have something independent to agree with.
"""

import gzip
from collections import Counter
from functools import cache
from itertools import product
from pathlib import Path

import numpy as np
from mediagen.kmers.layout import GC_INDEX, KMER3, KMER4, KMER7, LENGTH_INDEX, PROFILE_WIDTH

CODE = {"A": 0, "C": 1, "G": 2, "T": 3}
COMPLEMENT = str.maketrans("ACGT", "TGCA")


def code_of(kmer: str) -> int:
    value = 0
    for base in kmer:
        value = value * 4 + CODE[base]
    return value


def reverse_complement(kmer: str) -> str:
    return kmer.translate(COMPLEMENT)[::-1]


@cache
def canonical_kmers(k: int) -> tuple[str, ...]:
    """Canonical k-mers in ascending code order, found by brute force."""
    kmers = ("".join(p) for p in product("ACGT", repeat=k))
    return tuple(sorted({min(s, reverse_complement(s), key=code_of) for s in kmers}, key=code_of))


@cache
def canonical_order(k: int) -> dict[str, int]:
    """Every k-mer (either strand) -> the index of its canonical k-mer."""
    order = {kmer: i for i, kmer in enumerate(canonical_kmers(k))}
    return order | {reverse_complement(kmer): i for kmer, i in order.items()}


def parse_records(text: bytes) -> list[str]:
    """Each record's sequence, upper case, whitespace removed, other bytes kept."""
    records: list[str] = []
    for line in text.decode("latin-1").split("\n"):
        if line.startswith(">"):
            records.append("")
        elif records:
            records[-1] += "".join(line.split()).upper()
    return records


def runs_of(sequence: str) -> list[str]:
    """Maximal A/C/G/T stretches of a record."""
    runs, current = [], []
    for base in sequence:
        if base in CODE:
            current.append(base)
        else:
            runs.append("".join(current))
            current = []
    runs.append("".join(current))
    return [run for run in runs if run]


def plain_kmer_counts(runs: list[str], k: int) -> Counter:
    counts: Counter = Counter()
    for run in runs:
        for i in range(len(run) - k + 1):
            counts[run[i : i + k]] += 1
    return counts


def canonical_counts(plain: Counter, k: int) -> np.ndarray:
    order = canonical_order(k)
    counts = np.zeros(len(canonical_kmers(k)), dtype=np.int64)
    for kmer, n in plain.items():
        counts[order[kmer]] += n
    return counts


def plain_array(plain: Counter, k: int) -> np.ndarray:
    counts = np.zeros(4**k, dtype=np.int64)
    for kmer, n in plain.items():
        counts[code_of(kmer)] += n
    return counts


def _frequencies(counts: np.ndarray) -> np.ndarray:
    return counts / counts.sum() if counts.sum() else np.zeros(len(counts))


def profile_of_runs(runs: list[str]) -> np.ndarray:
    bases = "".join(runs)
    profile = np.zeros(PROFILE_WIDTH)
    profile[LENGTH_INDEX] = len(bases)
    profile[KMER7] = _frequencies(canonical_counts(plain_kmer_counts(runs, 7), 7))
    profile[KMER4] = _frequencies(canonical_counts(plain_kmer_counts(runs, 4), 4))
    profile[KMER3] = _frequencies(canonical_counts(plain_kmer_counts(runs, 3), 3))
    profile[GC_INDEX] = (bases.count("G") + bases.count("C")) / len(bases) if bases else 0.0
    return profile


def acgt_length(record: str) -> int:
    return sum(len(run) for run in runs_of(record))


def reference_counts(text: bytes, min_contig_length: int = 1) -> dict:
    """Everything the npz holds, computed from the FASTA text by brute force; records
    with fewer A/C/G/T bases than ``min_contig_length`` are left out of the counts."""
    records = parse_records(text)
    used = [record for record in records if acgt_length(record) >= min_contig_length]
    short = [record for record in records if acgt_length(record) < min_contig_length]
    runs = [run for record in used for run in runs_of(record)]
    bases = "".join(runs)
    result = {
        f"counts{k}": canonical_counts(plain_kmer_counts(runs, k), k) for k in (7, 4, 3)
    }
    result |= {f"all{k}": plain_array(plain_kmer_counts(runs, k), k) for k in (4, 6, 8)}
    result |= {
        "n_acgt": len(bases),
        "n_gc": bases.count("G") + bases.count("C"),
        "n_ambiguous": sum(len(r) - acgt_length(r) for r in records),
        "n_records": len(records),
        "n_short_contigs": len(short),
        "n_short_contig_bases": sum(acgt_length(r) for r in short),
        "profile": profile_of_runs(runs),
    }
    return result


def reference_windows(text: bytes, window: int, stride: int,
                      min_contig_length: int = 1) -> np.ndarray:
    """Window profiles by brute force, in A/C/G/T coordinates of the used records joined."""
    runs = [run for record in parse_records(text) if acgt_length(record) >= min_contig_length
            for run in runs_of(record)]
    # every A/C/G/T base with the index of the run it belongs to; a record starts a run
    pieces = [(base, n) for n, run in enumerate(runs) for base in run]
    window = min(window, len(pieces))
    return np.array([_window_profile(pieces[start : start + window])
                     for start in range(0, len(pieces) - window + 1, stride)])


def _window_profile(pieces: list[tuple[str, int]]) -> np.ndarray:
    runs: list[str] = []
    last = None
    for base, run_id in pieces:
        if run_id != last:
            runs.append("")
            last = run_id
        runs[-1] += base
    return profile_of_runs(runs)


def write_fasta(path: Path, records: list[tuple[str, str]], width: int = 60,
                newline: str = "\n", compress: bool = False) -> Path:
    text = "".join(
        f">{name}{newline}"
        + "".join(f"{seq[i : i + width]}{newline}" for i in range(0, len(seq), width))
        for name, seq in records
    ).encode()
    path.write_bytes(gzip.compress(text) if compress else text)
    return path


def random_sequence(seed: int, length: int, alphabet: str = "ACGT") -> str:
    return "".join(np.random.default_rng(seed).choice(list(alphabet), length))
