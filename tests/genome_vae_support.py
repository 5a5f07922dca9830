"""Small window-profile data and tiny settings for the genome VAE tests.

The profiles are drawn, not counted: each genome has a "style" vector that tilts
fixed random k-mer preferences, so genomes differ the way the model should
notice (composition, GC) while every window is a fresh multinomial sample, with
most 7-mers absent from a window as in real 5 kb windows.
"""

from pathlib import Path

import numpy as np
from mediagen.genome_vae.config import GenomeVAEConfig, TrainingConfig
from mediagen.kmers.layout import GC_INDEX, KMER3, KMER4, KMER7, LENGTH_INDEX, PROFILE_WIDTH

WINDOW_LENGTH = 5000
WINDOWS = {"window_length": WINDOW_LENGTH, "stride": WINDOW_LENGTH, "min_length": 10000}
TINY = GenomeVAEConfig(kmer7_widths=(32, 16), kmer4_widths=(8,), kmer3_widths=(8,),
                       shared_widths=(16,), latent_dim=4)


def tiny_training(**overrides) -> TrainingConfig:
    settings = {"epochs": 4, "batch_size": 16, "learning_rate": 3e-3, "beta": 1.0,
                "kl_warmup_epochs": 2, "val_fraction": 0.25, "max_windows_per_genome": 12,
                "seed": 3, "device": "cpu"}
    return TrainingConfig(**{**settings, **overrides})


def _frequencies(rng, logits, n_kmers, n_windows):
    p = np.exp(logits - logits.max())
    p /= p.sum()
    counts = rng.multinomial(n_kmers, p, size=n_windows)
    return counts / n_kmers


def window_profiles(style: np.ndarray, n_windows: int, seed: int) -> np.ndarray:
    """(n_windows, 8362) float32 profiles of a genome with composition ``style`` (4,)."""
    features = np.random.default_rng(0)  # the same k-mer features for every genome
    f7 = features.normal(size=(KMER7.stop - KMER7.start, 4))
    f4 = features.normal(size=(KMER4.stop - KMER4.start, 4))
    f3 = features.normal(size=(KMER3.stop - KMER3.start, 4))
    rng = np.random.default_rng(seed)
    out = np.zeros((n_windows, PROFILE_WIDTH), np.float32)
    out[:, LENGTH_INDEX] = WINDOW_LENGTH
    out[-1, LENGTH_INDEX] = WINDOW_LENGTH - 700  # a window with an assembly gap
    out[:, KMER7] = _frequencies(rng, 1.5 * f7 @ style, WINDOW_LENGTH - 6, n_windows)
    out[:, KMER4] = _frequencies(rng, f4 @ style, WINDOW_LENGTH - 3, n_windows)
    out[:, KMER3] = _frequencies(rng, f3 @ style, WINDOW_LENGTH - 2, n_windows)
    out[:, GC_INDEX] = 1 / (1 + np.exp(-style[0])) + rng.normal(0, 0.01, n_windows)
    return out


def write_window_files(directory: Path, n_genomes: int = 8, windows_per_genome: int = 10,
                       seed: int = 1) -> list[Path]:
    """``{genome_id}.npy`` window files of ``n_genomes`` genomes in two composition groups."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n_genomes):
        centre = np.array([1.0, -1.0, 0.5, 0.0]) * (1 if i % 2 else -1)
        style = centre + rng.normal(0, 0.3, 4)
        path = directory / f"genome_{i:02d}.npy"
        np.save(path, window_profiles(style, windows_per_genome + i % 3, seed=seed * 100 + i))
        paths.append(path)
    return paths
