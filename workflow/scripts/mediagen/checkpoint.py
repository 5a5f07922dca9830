"""Checkpoints as plain dicts, loadable with ``torch.load(weights_only=True)``.

Every model file holds the state dict, the architecture config, the embedding
method and dimension, the training history and a format version, and nothing a
pickle would need code to rebuild.
"""

from pathlib import Path

import torch

from .atomic import atomic_path
from .errors import MediagenError

FORMAT_VERSION = 1


def save_checkpoint(path: str | Path, kind: str, payload: dict) -> None:
    """Write ``payload`` (plain tensors, numbers, strings, lists, dicts) atomically."""
    record = {"format_version": FORMAT_VERSION, "kind": kind, **payload}
    with atomic_path(path) as tmp:
        torch.save(record, tmp)


def load_checkpoint(path: str | Path, kind: str, map_location="cpu") -> dict:
    """Load a checkpoint of the expected ``kind`` (``genome_vae`` or ``cvae``)."""
    path = Path(path)
    if not path.is_file():
        raise MediagenError(f"{path}: no such model file; train it first or check the path")
    try:
        record = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # torch raises many types for a damaged file
        raise MediagenError(f"{path}: not a readable mediagen model file ({exc})") from exc
    if not isinstance(record, dict) or record.get("kind") != kind:
        found = record.get("kind") if isinstance(record, dict) else type(record).__name__
        raise MediagenError(f"{path}: expected a {kind} model, found {found!r}")
    if record.get("format_version") != FORMAT_VERSION:
        raise MediagenError(
            f"{path}: model format {record.get('format_version')} is not supported "
            f"(this mediagen reads format {FORMAT_VERSION}); retrain the model"
        )
    return record
