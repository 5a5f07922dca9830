"""Cut a complete genome the way drafts and metagenome-assembled genomes come.

A draft is the genome in contigs; a metagenome-assembled genome is often also
incomplete. ``shred_records`` makes both from a complete genome with a known
answer: contigs of lengths drawn from a range, and optionally only a random share
of them kept (70% of the contigs stand for a 70%-complete genome). The tests and
the benchmarks use it to check that every embedding of the pieces stays close to
the intact genome's.
"""

import numpy as np

Record = tuple[str, bytes]


def shred_records(records: list[Record], rng: np.random.Generator,
                  contig_lengths: tuple[int, int], keep_fraction: float = 1.0) -> list[Record]:
    """Cut each record into contigs of ``contig_lengths`` (low, high, inclusive; a
    record's last contig may be shorter) and keep a random ``keep_fraction`` of all
    contigs (at least one), in their original order."""
    low, high = contig_lengths
    if not 1 <= low <= high or not 0 < keep_fraction <= 1:
        raise ValueError(f"contig lengths {contig_lengths} and keep fraction {keep_fraction} "
                         "must satisfy 1 <= low <= high and 0 < fraction <= 1")
    contigs = []
    for name, sequence in records:
        start = 0
        while start < len(sequence):
            length = int(rng.integers(low, high + 1))
            contigs.append((f"{name.split()[0]}_{start + 1}", sequence[start:start + length]))
            start += length
    n_kept = max(1, round(keep_fraction * len(contigs)))
    kept = np.sort(rng.choice(len(contigs), size=n_kept, replace=False))
    return [contigs[i] for i in kept]
