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


def _genome_totals(files: WindowFiles, file_index: int) -> np.ndarray:
    """Sum of the 7-mer frequencies of every window of one genome, read in chunks."""
    total = np.zeros(KMER7.stop - KMER7.start)
    for start in range(0, int(files.n_windows[file_index]), CHUNK_ROWS):
        rows = files.rows(file_index, slice(start, start + CHUNK_ROWS))
        total += rows[:, KMER7].sum(axis=0, dtype=np.float64)
    return total


def composition_ceiling(files: WindowFiles, index: np.ndarray) -> dict[str, float]:
    """Gate accuracy and gated 7-mer MSE (present and absent 7-mers) on the windows of
    ``index`` ((file, row) pairs) when presence comes from the genome's other windows."""
    correct = fields = present_sq = absent_sq = n_present = 0.0
    for file_index in np.unique(index[:, 0]):
        n_windows = int(files.n_windows[file_index])
        total = _genome_totals(files, int(file_index))
        rows = files.rows(int(file_index), np.sort(index[index[:, 0] == file_index, 1]))
        for row in rows:
            freq = row[KMER7].astype(np.float64)
            others = (total - freq) / max(n_windows - 1, 1)
            n_kmers = max(float(row[LENGTH_INDEX]) - 6, 1.0)
            expected = others * n_kmers
            p_present = -np.expm1(-expected)
            given_present = np.where(p_present > 0, expected / np.maximum(p_present, 1e-12), 1)
            gated = (p_present * np.log(given_present / n_kmers + LOG_EPSILON)
                     + (1 - p_present) * LOG_FLOOR)
            target = np.log(freq + LOG_EPSILON)
            present = target > PRESENT_THRESHOLD
            correct += np.sum((p_present > 0.5) == present)
            fields += present.size
            n_present += present.sum()
            present_sq += np.sum((gated - target)[present] ** 2)
            absent_sq += np.sum((gated - target)[~present] ** 2)
    return {"val_gate_accuracy": float(correct / fields),
            "val_kmer7_nonzero_mse": float(present_sq / max(n_present, 1)),
            "val_kmer7_zero_mse": float(absent_sq / max(fields - n_present, 1))}
