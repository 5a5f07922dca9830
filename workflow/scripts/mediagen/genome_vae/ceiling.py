"""The composition ceiling: how well a window's 7-mers can be told from its genome alone.

Which 7-mers appear in a 5 kb window is mostly chance: a window holds about 5,000
7-mers among 8,192 canonical ones. The ceiling predicts each held-out window's 7-mers
from the rest of its genome (the mean frequencies of the genome's other windows) with
a Poisson draw of the window's size: present with probability ``1 - exp(-expected
count)``, valued at the log of the expected frequency given present. That is the
best a model can do that knows the genome's composition but not the window, and so
what the gate accuracy of a genome embedding can be measured against; training
records it beside the gate accuracy, computed on the same windows with the same
threshold.
"""

import numpy as np

from ..kmers.layout import KMER7, LENGTH_INDEX, LOG_EPSILON, LOG_FLOOR
from .data import WindowFiles
from .model import PRESENT_THRESHOLD

CHUNK_ROWS = 256  # window rows read at once while summing a genome
# held-out windows scored at once: float64 temporaries of 1 MiB stay in cache (and below
# malloc's mmap threshold); 256 rows at once run slower than one row at a time
SCORE_ROWS = 16


def _read_genome(files: WindowFiles, file_index: int, held_out: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One read of a genome's windows, in chunks: the sum of every window's 7-mer
    frequencies, and the 7-mer frequencies (float32) and lengths of the ``held_out``
    rows (sorted), kept on the way so no row is read twice."""
    total = np.zeros(KMER7.stop - KMER7.start)
    kmers, lengths = [], []
    for start in range(0, int(files.n_windows[file_index]), CHUNK_ROWS):
        rows = files.rows(file_index, slice(start, start + CHUNK_ROWS))
        total += rows[:, KMER7].sum(axis=0, dtype=np.float64)
        wanted = held_out[np.searchsorted(held_out, start):
                          np.searchsorted(held_out, start + len(rows))] - start
        kmers.append(rows[wanted, KMER7])
        lengths.append(rows[wanted, LENGTH_INDEX])
    return total, np.concatenate(kmers), np.concatenate(lengths)


def _ceiling_sums(kmers: np.ndarray, lengths: np.ndarray, total: np.ndarray,
                  n_windows: int) -> dict[str, float]:
    """The gate metric sums (as ``loss.gate_metric_sums``) of held-out windows of one
    genome, each predicted from the genome's other windows; one row per window."""
    freq = kmers.astype(np.float64)
    others = (total - freq) / max(n_windows - 1, 1)
    n_kmers = np.maximum(lengths.astype(np.float64) - 6, 1.0)[:, None]
    expected = others * n_kmers
    p_present = -np.expm1(-expected)
    given_present = np.where(p_present > 0, expected / np.maximum(p_present, 1e-12), 1)
    gated = (p_present * np.log(given_present / n_kmers + LOG_EPSILON)
             + (1 - p_present) * LOG_FLOOR)
    target = np.log(freq + LOG_EPSILON)
    present = target > PRESENT_THRESHOLD
    squared = (gated - target) ** 2
    return {"gate_correct": float(np.sum((p_present > 0.5) == present)),
            "kmer7_fields": float(present.size),
            "present": float(present.sum()),
            "present_sq_error": float(squared[present].sum()),
            "absent_sq_error": float(squared[~present].sum())}


def gate_metrics(sums: dict[str, float]) -> dict[str, float]:
    """Gate accuracy and gated 7-mer MSE (present and absent 7-mers) from the sums of
    ``loss.gate_metric_sums``. Training's own validation metrics (``train.evaluate``) use
    it too, so a metric and its ceiling are normalised alike."""
    present, fields = sums["present"], sums["kmer7_fields"]
    return {"val_gate_accuracy": float(sums["gate_correct"] / fields),
            "val_kmer7_nonzero_mse": float(sums["present_sq_error"] / max(present, 1)),
            "val_kmer7_zero_mse": float(sums["absent_sq_error"] / max(fields - present, 1))}


def composition_ceiling(files: WindowFiles, index: np.ndarray) -> dict[str, float]:
    """Gate accuracy and gated 7-mer MSE (present and absent 7-mers) on the windows of
    ``index`` ((file, row) pairs) when presence comes from the genome's other windows."""
    sums = dict.fromkeys(("gate_correct", "kmer7_fields", "present", "present_sq_error",
                          "absent_sq_error"), 0.0)
    for file_index in np.unique(index[:, 0]):
        n_windows = int(files.n_windows[file_index])
        held_out = np.sort(index[index[:, 0] == file_index, 1])
        total, kmers, lengths = _read_genome(files, int(file_index), held_out)
        for start in range(0, len(kmers), SCORE_ROWS):
            block = slice(start, start + SCORE_ROWS)
            for key, value in _ceiling_sums(kmers[block], lengths[block], total,
                                            n_windows).items():
                sums[key] += value
    return gate_metrics(sums)
