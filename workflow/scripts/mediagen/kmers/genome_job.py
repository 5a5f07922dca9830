"""One genome's k-mer job: its counts (``results/kmers/{genome_id}.npz``) and its window
profiles (``results/kmers/windows/{genome_id}.npy``), in one job.

The rule ``count_kmers`` calls this inside Snakemake's own process (a ``run:`` job), where
the counting itself takes milliseconds; what a job would otherwise pay is an interpreter and
its imports. This module therefore imports only what counting needs (numpy, the numba
kernels, ISA-L), never pandas, pyarrow, torch or Snakemake, so a process that runs it stays
small wherever a job does start one (tests/test_genome_job.py holds it to that).
"""

from pathlib import Path

import numpy as np

from ..atomic import atomic_open
from ..rule_job import thread_job
from .profile import count_genome_and_windows, write_counts_npz


def count_kmers_job(rule: str, log_file: str, fasta: str, output, params) -> None:
    """The ``count_kmers`` rule's job, in a thread of Snakemake's process."""
    with thread_job(rule, log_file) as log:
        log.info("%s", count_genome_files(
            fasta, output.counts, output.windows, min_length=params.min_length,
            window_length=params.window_length, stride=params.stride))


def count_genome_files(fasta: str | Path, counts_path: str | Path, windows_path: str | Path,
                       *, min_length: int, window_length: int, stride: int) -> str:
    """Write a genome's counts and window profiles; returns a line for the job's log."""
    counts, windows = count_genome_and_windows(
        fasta, window_length=window_length, stride=stride, min_length=min_length)
    write_counts_npz(counts_path, counts)
    with atomic_open(windows_path, "wb") as handle:
        np.save(handle, windows)
    return (f"{fasta}: {counts.n_records} records, {counts.n_acgt} A/C/G/T bases, "
            f"{counts.n_ambiguous} ambiguous, GC {counts.n_gc / counts.n_acgt:.3f}, "
            f"{len(windows)} windows")
