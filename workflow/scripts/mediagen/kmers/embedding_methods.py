"""Genome embedding methods that come straight from the stored k-mer counts.

Every method here is a function of the arrays in ``results/kmers/{genome_id}.npz``
(see ``mediagen.kmers.profile``), so a new method never re-reads a FASTA file:

| method   | dim    | what                                                        |
|----------|--------|-------------------------------------------------------------|
| kmer_64  | 256    | frequencies of all 4-mers (plain, code order)                |
| kmer_128 | 4,096  | frequencies of all 6-mers                                    |
| kmer_256 | 65,536 | frequencies of all 8-mers                                    |
| stats    | 4      | GC %, AT % (of A/C/G/T bases), natural log of the A/C/G/T    |
|          |        | length, count of N and other ambiguity codes                 |
| profile  | 8,362  | the genome profile (``mediagen.kmers.layout``)             |

Functions take a mapping from npz key to array, so an open ``np.load`` file
works as well as a dict: only the keys a method needs are read.
"""

import math
from collections.abc import Mapping
from functools import cache
from itertools import product

import numpy as np

from .layout import PROFILE_WIDTH, profile_column_names

PLAIN_KMER_METHODS = {"kmer_64": 4, "kmer_128": 6, "kmer_256": 8}
STATS_COLUMNS = ("gc_percent", "at_percent", "log_length", "n_count")
METHOD_DIMS = {
    **{method: 4**k for method, k in PLAIN_KMER_METHODS.items()},
    "stats": len(STATS_COLUMNS),
    "profile": PROFILE_WIDTH,
}
# the npz keys each method reads
METHOD_KEYS = {
    **{method: (f"all{k}",) for method, k in PLAIN_KMER_METHODS.items()},
    "stats": ("n_acgt", "n_gc", "n_ambiguous"),
    "profile": ("profile",),
}


def check_method(method: str) -> None:
    if method not in METHOD_DIMS:
        raise ValueError(f"unknown k-mer embedding method {method!r}; one of {sorted(METHOD_DIMS)}")


@cache
def method_column_names(method: str) -> tuple[str, ...]:
    """Column names of a method's table: k-mers spelled out, stats by name, profile fields."""
    check_method(method)
    if method in PLAIN_KMER_METHODS:
        k = PLAIN_KMER_METHODS[method]
        return tuple("".join(kmer) for kmer in product("ACGT", repeat=k))
    if method == "stats":
        return STATS_COLUMNS
    return tuple(profile_column_names())


def embed_counts(method: str, counts: Mapping[str, np.ndarray]) -> np.ndarray:
    """One genome's embedding (float64, ``METHOD_DIMS[method]`` values) from its counts."""
    check_method(method)
    if method in PLAIN_KMER_METHODS:
        plain = np.asarray(counts[f"all{PLAIN_KMER_METHODS[method]}"], dtype=np.float64)
        total = plain.sum()
        return plain / total if total > 0 else plain
    if method == "stats":
        n_acgt = int(counts["n_acgt"])
        gc_percent = 100.0 * int(counts["n_gc"]) / n_acgt
        return np.array(
            [gc_percent, 100.0 - gc_percent, math.log(n_acgt), int(counts["n_ambiguous"])]
        )
    return np.asarray(counts["profile"], dtype=np.float64)
