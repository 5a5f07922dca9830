"""Checkpoints as plain dicts, loadable with ``torch.load(weights_only=True)``.

Every model file holds the state dict, the architecture config, the embedding
method and dimension, the training history and a format version, and nothing a
pickle would need code to rebuild.
"""

import pickle
import warnings
from collections.abc import Iterable
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


def load_plain_record(path: str | Path, what: str, map_location="cpu"):
    """What a file of plain tensors, numbers, strings, lists and dicts holds.

    Loading never runs code from the file (``weights_only=True``); a file that
    would need it, or is damaged, is refused as not mediagen's, without torch's
    advice on loading it unsafely.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's notes on the file's pickle protocol
            return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError:
        reason = "it holds more than tensors, numbers, strings, lists and dicts, or is no " \
                 "PyTorch file at all"
    except Exception:  # torch raises many types for a damaged file
        reason = "it is damaged or truncated"
    raise MediagenError(f"{path}: not a mediagen {what} ({reason}); give the {what} the "
                        "workflow wrote")


def load_checkpoint(path: str | Path, kind: str, fields: Iterable[str] = (),
                    map_location="cpu") -> dict:
    """Load a checkpoint of the expected ``kind`` (``genome_vae`` or ``cvae``) that holds
    every one of ``fields``."""
    path = Path(path)
    if not path.is_file():
        raise MediagenError(f"{path}: no such model file; train it first or check the path")
    record = load_plain_record(path, "model file", map_location)
    if not isinstance(record, dict) or record.get("kind") != kind:
        found = record.get("kind") if isinstance(record, dict) else type(record).__name__
        raise MediagenError(f"{path}: expected a {kind} model, found {found!r}")
    if record.get("format_version") != FORMAT_VERSION:
        raise MediagenError(
            f"{path}: model format {record.get('format_version')} is not supported "
            f"(this mediagen reads format {FORMAT_VERSION}); retrain the model"
        )
    missing = [field for field in fields if field not in record]
    if missing:
        raise MediagenError(f"{path}: not a complete {kind} model file (it lacks "
                            f"{', '.join(missing)}); give the model file the workflow wrote, "
                            "or retrain it")
    return record


def load_weights(model: torch.nn.Module, state_dict, path: str | Path) -> None:
    """Put a checkpoint's weights into ``model``, or say the file does not fit it."""
    try:
        model.load_state_dict(state_dict)
    except (RuntimeError, TypeError, AttributeError) as exc:
        raise MediagenError(f"{path}: the weights do not fit the architecture the file "
                            f"records ({str(exc).splitlines()[0]}); retrain the model") from exc
