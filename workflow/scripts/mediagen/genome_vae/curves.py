"""Training curves of the genome VAE, one panel per metric group, from its history rows."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from ..atomic import atomic_path  # noqa: E402

# (panel title, [(history key, label)], logarithmic y axis)
PANELS = [
    ("loss", [("train_loss", "training"), ("val_loss", "validation")], True),
    ("reconstruction and KL", [("train_reconstruction", "reconstruction (train)"),
                               ("val_reconstruction", "reconstruction (val)"),
                               ("train_kl", "KL (train)"), ("val_kl", "KL (val)")], True),
    ("7-mer gate", [("val_kmer7_bce", "BCE"), ("val_gate_accuracy", "accuracy"),
                    ("val_gate_accuracy_ceiling", "accuracy ceiling (genome composition)"),
                    ("kl_weight", "KL weight")], False),
    ("7-mer MSE", [("val_kmer7_nonzero_mse", "gated, non-zero"),
                   ("val_kmer7_zero_mse", "gated, zero"),
                   ("val_kmer7_value_mse", "values, non-zero")], True),
    ("4-mer, 3-mer, GC MSE", [("val_kmer4_mse", "4-mers"), ("val_kmer3_mse", "3-mers"),
                              ("val_gc_mse", "GC")], True),
    ("learning rate", [("learning_rate", "Adam")], True),
]


def plot_training_curves(history: list[dict], path: str | Path) -> None:
    """Write a PNG of the per-epoch metrics (validation metrics unless named train)."""
    epochs = [row["epoch"] for row in history]
    figure, axes = plt.subplots(2, 3, figsize=(15, 8), constrained_layout=True)
    for axis, (title, series, log_scale) in zip(axes.flat, PANELS, strict=True):
        for key, label in series:
            values = [row[key] for row in history]
            axis.plot(epochs, values, marker="o" if len(epochs) < 30 else None,
                      markersize=3, label=label)
        axis.set_title(title)
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        if log_scale and all(row[key] > 0 for row in history for key, _ in series):
            axis.set_yscale("log")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle("genome VAE training (validation metrics on held-out genomes)")
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=100)
    plt.close(figure)
