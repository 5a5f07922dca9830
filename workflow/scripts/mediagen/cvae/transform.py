"""The transforms between files and the network: media g/L and genome embeddings.

Media. Concentrations span milligrams to hundreds of grams per litre and most
ingredients are absent from most media. Each ingredient is divided by its own
typical concentration (the median over the media that contain it) and passed
through ``log1p``: absent stays exactly 0, a typical amount sits near
``log 2``, and a trace element weighs as much as the main carbon source. The
inverse is exact for every non-negative value.

Conditions. Frequency-like embeddings (the profile and the k-mer tables) are
heavy-tailed with many absent k-mers, so they are seen as ``log(x + 1e-6)``
like the genome VAE sees them; ``stats`` and ``vae`` embeddings are already on
a usable scale. ``stats`` columns carry different units (percent, log bases, a
count), so they are standardised per column; the other methods keep their
geometry, because scaling every one of hundreds of columns to unit variance
would blow the near-constant, noisy ones up to the size of the informative
ones. The centred embedding is then projected onto its leading principal
components over the training genomes (a few dozen genomes span only that many
directions, and a 65,536-wide k-mer table would otherwise dominate the
network's first layer) and divided by the first component's standard
deviation. Everything is fitted on the training genomes and stored with the
model, so a new genome is treated exactly like the training ones.
"""

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..errors import MediagenError
from ..kmers.layout import LOG_EPSILON

LOG_METHODS = frozenset({"profile", "kmer_64", "kmer_128", "kmer_256"})
PER_COLUMN_METHODS = frozenset({"stats"})  # GC %, log length and N count: unlike units
MIN_STD = 1e-6


class Embedding(NamedTuple):
    """Genome embedding values with the method that made them, so a model can refuse
    a condition it was not trained on."""

    method: str
    values: np.ndarray  # (dim,) or (n, dim)


@dataclass
class MediaTransform:
    """g/L <-> ``log1p(g/L / scale)`` per ingredient."""

    scale: np.ndarray  # (n_ingredients,) typical g/L of each ingredient where present

    @classmethod
    def fit(cls, grams_per_litre: np.ndarray) -> "MediaTransform":
        grams = np.asarray(grams_per_litre, dtype=np.float64)
        present = grams > 0
        scale = np.ones(grams.shape[1])
        for j in np.flatnonzero(present.any(axis=0)):
            scale[j] = float(np.median(grams[present[:, j], j]))
        return cls(scale=scale)

    def forward(self, grams_per_litre: np.ndarray) -> np.ndarray:
        grams = np.clip(np.asarray(grams_per_litre, dtype=np.float64), 0.0, None)
        return np.log1p(grams / self.scale).astype(np.float32)

    def inverse(self, transformed: np.ndarray) -> np.ndarray:
        values = np.clip(np.asarray(transformed, dtype=np.float64), 0.0, None)
        return self.scale * np.expm1(values)

    def to_dict(self) -> dict:
        return {"kind": "log1p_over_median", "scale": [float(v) for v in self.scale]}

    @classmethod
    def from_dict(cls, record: dict) -> "MediaTransform":
        return cls(scale=np.asarray(record["scale"], dtype=np.float64))


@dataclass
class ConditionTransform:
    """Raw embedding -> [log] -> centred [and scaled per column] -> leading principal
    components, divided by the first component's standard deviation."""

    method: str
    log: bool
    mean: np.ndarray  # (dim,)
    column_scale: np.ndarray  # (dim,) ones unless the method's columns have their own units
    components: np.ndarray  # (n_components, dim), orthonormal rows
    scale: float

    @classmethod
    def fit(cls, method: str, embeddings: np.ndarray, max_components: int) -> "ConditionTransform":
        """Fit on the training genomes' embeddings, one row per genome."""
        use_log = method in LOG_METHODS
        values = _maybe_log(np.asarray(embeddings, dtype=np.float64), use_log)
        mean = values.mean(axis=0)
        column_scale = np.ones(values.shape[1])
        if method in PER_COLUMN_METHODS:
            column_scale = values.std(axis=0)
            column_scale[column_scale < MIN_STD] = 1.0
        centred = (values - mean) / column_scale
        _, singular, rows = np.linalg.svd(centred, full_matrices=False)
        keep = max(1, min(max_components, int((singular > MIN_STD * max(singular[0], 1)).sum())))
        first_std = singular[0] / np.sqrt(max(len(values) - 1, 1)) if len(singular) else 0.0
        return cls(method=method, log=use_log, mean=mean, column_scale=column_scale,
                   components=rows[:keep], scale=float(first_std) if first_std > MIN_STD else 1.0)

    @property
    def dim(self) -> int:
        """The raw embedding's width."""
        return len(self.mean)

    @property
    def n_components(self) -> int:
        """The width the network sees."""
        return len(self.components)

    def apply(self, embedding: Embedding) -> np.ndarray:
        """(n, n_components) float32 network input; refuses another method's or width's."""
        method = embedding.method
        values = np.asarray(embedding.values, dtype=np.float64)
        if values.ndim == 1:
            values = values[None, :]
        if method != self.method:
            raise MediagenError(
                f"this model was trained on {self.method!r} genome embeddings but was given "
                f"a {method!r} embedding; embed the genome with {self.method!r} "
                "(mediagen generate does this for a FASTA) or use a model trained on it"
            )
        if values.shape[1] != self.dim:
            raise MediagenError(
                f"this model expects {self.method!r} embeddings of width {self.dim} but was "
                f"given width {values.shape[1]}; embed the genome with the same method and "
                "settings the model was trained on"
            )
        centred = (_maybe_log(values, self.log) - self.mean) / self.column_scale
        return (centred @ self.components.T / self.scale).astype(np.float32)

    def to_dict(self) -> dict:
        """Plain values and arrays (the checkpoint stores the arrays as tensors)."""
        return {"method": self.method, "log": self.log, "mean": self.mean,
                "column_scale": self.column_scale, "components": self.components,
                "scale": self.scale}

    @classmethod
    def from_dict(cls, record: dict) -> "ConditionTransform":
        return cls(
            method=str(record["method"]),
            log=bool(record["log"]),
            mean=np.asarray(record["mean"], dtype=np.float64),
            column_scale=np.asarray(record["column_scale"], dtype=np.float64),
            components=np.asarray(record["components"], dtype=np.float64),
            scale=float(record["scale"]),
        )


def _maybe_log(values: np.ndarray, use_log: bool) -> np.ndarray:
    if not use_log:
        return values
    if (values < 0).any():
        raise MediagenError(
            "a frequency embedding holds negative values; it is not a k-mer or profile table "
            "(check embedding.method against the table it names)"
        )
    return np.log(values + LOG_EPSILON)
