"""Genome embeddings from a trained genome VAE: the mean of a genome's window latent means.

The same path serves the workflow (window files already computed), the
``mediagen embed`` command and the media model (a new FASTA, profiled into
windows exactly as the training windows were: the window settings travel in
the checkpoint).
"""

import logging
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import torch

from ..checkpoint import load_checkpoint, load_weights
from ..errors import MediagenError
from ..kmers.embedding_table import write_embedding_table
from .config import GenomeVAEConfig
from .data import WindowFiles, normalise_profiles
from .model import GenomeVAE

METHOD = "vae"
# What embedding needs from a genome VAE file (training writes more).
CHECKPOINT_FIELDS = ("state_dict", "architecture", "normalisation", "windows")
BATCH_SIZE = 256
PROGRESS_EVERY = 100  # genomes between progress lines

log = logging.getLogger(__name__)


def load_genome_vae(path: str | Path, device: torch.device | str = "cpu"
                    ) -> tuple[GenomeVAE, dict]:
    """The model (eval mode, on ``device``) and the rest of its checkpoint:
    architecture, normalisation, windows, training settings, history, best epoch."""
    record = load_checkpoint(path, "genome_vae", CHECKPOINT_FIELDS)
    model = GenomeVAE(GenomeVAEConfig.from_dict(record["architecture"]))
    load_weights(model, record["state_dict"], path)
    meta = {key: value for key, value in record.items() if key != "state_dict"}
    return model.to(device).eval(), meta


class GenomeEmbedder:
    """A loaded genome VAE that turns window profiles into one vector per genome."""

    def __init__(self, model: GenomeVAE, meta: dict, device: torch.device | str = "cpu"):
        self.model, self.meta, self.device = model, meta, torch.device(device)

    @classmethod
    def from_checkpoint(cls, path: str | Path, device: torch.device | str = "cpu"):
        return cls(*load_genome_vae(path, device), device=device)

    @property
    def dim(self) -> int:
        return self.model.config.latent_dim

    @torch.no_grad()
    def _mean_latent(self, batches: Iterable[np.ndarray], n_windows: int,
                     source: str | Path) -> np.ndarray:
        if n_windows == 0:
            raise MediagenError(f"{source}: no windows to embed; recompute the genome's "
                                "windows (count_kmers) with this mediagen version")
        total = np.zeros(self.dim)
        for batch in batches:
            inputs = normalise_profiles(batch, self.meta["normalisation"], self.device)
            z_mean, _ = self.model.encode(inputs)
            total += z_mean.double().sum(dim=0).cpu().numpy()
        return (total / n_windows).astype(np.float32)

    def embed_profiles(self, profiles: np.ndarray, source: str | Path) -> np.ndarray:
        """Mean latent mean over the rows of ``profiles`` (windows, 8362) of one genome."""
        batches = (profiles[start:start + BATCH_SIZE]
                   for start in range(0, len(profiles), BATCH_SIZE))
        return self._mean_latent(batches, len(profiles), source)

    def embed_window_files(self, window_paths: Sequence[str | Path]
                           ) -> tuple[list[str], np.ndarray]:
        """(genome ids, embeddings) of ``{genome_id}.npy`` window files, read in batches."""
        files = WindowFiles(window_paths)
        matrix = np.empty((len(files), self.dim), np.float32)
        for i, n_windows in enumerate(files.n_windows):
            batches = (files.rows(i, slice(start, start + BATCH_SIZE))
                       for start in range(0, int(n_windows), BATCH_SIZE))
            matrix[i] = self._mean_latent(batches, int(n_windows), files.paths[i])
            if (i + 1) % PROGRESS_EVERY == 0 or i + 1 == len(files):
                log.info("embedded %d of %d genomes", i + 1, len(files))
        return files.genome_ids, matrix

    def embed_fasta(self, fasta_path: str | Path) -> np.ndarray:
        """Embedding of a FASTA / FASTA.gz genome, windowed as the training data was."""
        from ..kmers.profile import read_window_profiles

        windows = self.meta["windows"]
        profiles = read_window_profiles(
            fasta_path, window_length=int(windows["window_length"]),
            stride=int(windows["stride"]), min_length=int(windows["min_length"]),
        )
        return self.embed_profiles(profiles, fasta_path)


def embed_fasta(model_path: str | Path, fasta_path: str | Path,
                device: torch.device | str = "cpu") -> np.ndarray:
    """The ``vae`` embedding (latent_dim,) of one FASTA / FASTA.gz genome."""
    return GenomeEmbedder.from_checkpoint(model_path, device).embed_fasta(fasta_path)


def embed_window_files(model_path: str | Path, window_paths: Sequence[str | Path],
                       device: torch.device | str = "cpu") -> tuple[list[str], np.ndarray]:
    """(genome ids, embeddings (genomes, latent_dim)) of window profile files."""
    return GenomeEmbedder.from_checkpoint(model_path, device).embed_window_files(window_paths)


def write_vae_table(model_path: str | Path, window_paths: Sequence[str | Path],
                    output: str | Path, device: torch.device | str = "cpu") -> None:
    """``results/embeddings/vae.parquet``: one row per window file's genome."""
    genome_ids, matrix = embed_window_files(model_path, window_paths, device)
    write_embedding_table(output, genome_ids, matrix, METHOD)
