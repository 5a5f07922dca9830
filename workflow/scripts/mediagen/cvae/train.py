"""Curriculum training of the conditional media VAE, one phase at a time.

A phase trains on the organism types seen so far, starting from the previous
phase's weights, stops early when the validation loss has not improved for
``patience`` epochs and keeps the best epoch's weights. Each epoch logs

    Epoch 20/100 loss=0.2156 recon=0.1876 kl=0.0280 [bacteria]

(training loss parts; ``kl`` is beta-weighted, so loss = recon + kl) and a
``Validation`` line in the same form. A phase with no training genome of its own type
trains nothing: it passes the previous phase's model on, says so in the log, and its
checkpoint records it (``passed_on``), its metrics table holding no epoch.

At the end of an epoch the whole training state is written atomically to a
resume file (every epoch, or at most every ``resume_every_seconds`` so that
tiny epochs do not spend their time on disk); a killed job re-run with the
same inputs and settings logs "resuming from epoch N" and goes on from there.
The resume file is not a workflow output, because Snakemake deletes the
outputs of failed jobs, and it is removed once the phase's model is saved, with any
partial one a killed job left.
"""

import copy
import hashlib
import json
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..atomic import atomic_path, remove_with_leftovers
from ..checkpoint import load_plain_record
from ..device import autocast, pick_device
from ..errors import MediagenError
from .config import TrainingSettings, architecture_from_config
from .dataset import Split, load_dataset
from .model import ConditionalMediaVAE, ModelRecord, ReferenceMedia
from .transform import ConditionTransform, Embedding, MediaTransform

LOSS_PARTS = ("loss", "recon", "kl", "presence", "amount")
MIN_IMPROVEMENT = 1e-6

log = logging.getLogger(__name__)


def epoch_line(kind: str, epoch: int, epochs: int, parts: dict, label: str) -> str:
    return (f"{kind} {epoch}/{epochs} loss={parts['loss']:.4f} recon={parts['recon']:.4f} "
            f"kl={parts['kl']:.4f} [{label}]")


def _batches(n: int, batch_size: int, generator: torch.Generator) -> list[torch.Tensor]:
    """Shuffled index batches; a last batch of one joins the one before (BatchNorm needs 2)."""
    chunks = list(torch.randperm(n, generator=generator).split(batch_size))
    if len(chunks) > 1 and len(chunks[-1]) < 2:
        chunks[-2] = torch.cat([chunks[-2], chunks.pop()])
    return chunks


def _tensors(model: ConditionalMediaVAE, split: Split, device) -> tuple[torch.Tensor, ...]:
    x = torch.from_numpy(np.asarray(split.x, dtype=np.float32)).to(device)
    c = torch.from_numpy(model.condition_transform.apply(
        Embedding(model.embedding_method, split.c))).to(device)
    return x, c


@torch.no_grad()
def _validation_loss(model, x, c, device) -> dict[str, float]:
    model.eval()
    with autocast(device):
        parts = model(x, c)
    return {name: float(value) for name, value in parts.items()}


def fit(
    model: ConditionalMediaVAE,
    train: Split,
    val: Split | None,
    settings: TrainingSettings,
    *,
    label: str,
    resume_path: str | Path | None = None,
    fingerprint: str = "",
) -> list[dict]:
    """Train ``model`` in place; return this run's per-epoch history, which is also
    appended to the model's record.

    Early stopping watches the validation loss, or the training loss when there
    is no validation sample. The best epoch's weights are loaded at the end.
    """
    if len(train) < 2:
        raise MediagenError(
            f"[{label}] {len(train)} training sample(s); the model needs at least 2 "
            "(add growth pairs or genomes of these organism types)"
        )
    device = pick_device(settings.device)
    torch.manual_seed(settings.seed)
    generator = torch.Generator().manual_seed(settings.seed)
    model.to(device)
    x_train, c_train = _tensors(model, train, device)
    has_val = val is not None and len(val) > 0
    if has_val:
        x_val, c_val = _tensors(model, val, device)
    else:
        log.warning("[%s] no validation samples; early stopping watches the training loss",
                    label)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.learning_rate,
                                 weight_decay=settings.weight_decay)

    state = {"epoch": 0, "best_loss": float("inf"), "best_epoch": 0,
             "best_state": copy.deepcopy(model.state_dict()), "history": []}
    resume_path = Path(resume_path) if resume_path else None
    resumed = _read_resume(resume_path, fingerprint)
    if resumed is not None:
        model.load_state_dict(resumed["model"])
        optimizer.load_state_dict(resumed["optimizer"])
        torch.set_rng_state(resumed["torch_rng"])
        generator.set_state(resumed["generator"])
        state = {k: resumed[k] for k in state}
        log.info("[%s] resuming from epoch %d", label, state["epoch"])

    last_saved = -float("inf")
    for epoch in range(state["epoch"] + 1, settings.epochs + 1):
        if epoch - 1 - state["best_epoch"] >= settings.patience:
            break
        started = time.perf_counter()
        model.train()
        sums = dict.fromkeys(LOSS_PARTS, 0.0)
        for batch in _batches(len(train), settings.batch_size, generator):
            with autocast(device):
                parts = model(x_train[batch], c_train[batch])
            optimizer.zero_grad(set_to_none=True)
            parts["loss"].backward()
            optimizer.step()
            for name in LOSS_PARTS:
                sums[name] += float(parts[name].detach()) * len(batch)
        train_parts = {name: total / len(train) for name, total in sums.items()}
        log.info("%s", epoch_line("Epoch", epoch, settings.epochs, train_parts, label))
        row = {"phase": label, "epoch": epoch, **train_parts}
        if has_val:
            val_parts = _validation_loss(model, x_val, c_val, device)
            log.info("%s", epoch_line("Validation", epoch, settings.epochs, val_parts, label))
            row.update({f"val_{name}": value for name, value in val_parts.items()})
        watched = row["val_loss"] if has_val else row["loss"]
        if watched < state["best_loss"] - MIN_IMPROVEMENT:
            state.update(best_loss=watched, best_epoch=epoch,
                         best_state=copy.deepcopy(model.state_dict()))
        row["seconds"] = time.perf_counter() - started
        state["history"].append(row)
        state["epoch"] = epoch
        if (resume_path is not None
                and time.monotonic() - last_saved >= settings.resume_every_seconds):
            _write_resume(resume_path, fingerprint, model, optimizer, generator, state)
            last_saved = time.monotonic()
    if state["epoch"] < settings.epochs:
        log.info("[%s] early stopping after epoch %d: no improvement for %d epochs",
                 label, state["epoch"], settings.patience)
    log.info("[%s] best epoch %d, %s loss %.4f", label, state["best_epoch"],
             "validation" if has_val else "training", state["best_loss"])
    model.load_state_dict(state["best_state"])
    model.to("cpu")
    model.record.history = [*model.record.history, *state["history"]]
    return state["history"]


def _write_resume(path: Path, fingerprint: str, model, optimizer, generator, state) -> None:
    record = {"fingerprint": fingerprint, "model": model.state_dict(),
              "optimizer": optimizer.state_dict(), "torch_rng": torch.get_rng_state(),
              "generator": generator.get_state(), **state}
    with atomic_path(path) as tmp:
        torch.save(record, tmp)


def _read_resume(path: Path | None, fingerprint: str) -> dict | None:
    if path is None or not path.is_file():
        return None
    try:
        record = load_plain_record(path, "resume state")
    except MediagenError as exc:  # a damaged resume file only costs the progress it held
        log.warning("%s; starting over", exc)
        return None
    if not isinstance(record, dict) or record.get("fingerprint") != fingerprint:
        log.info("%s: resume state is for other inputs or settings; starting over", path)
        return None
    return record


def _fingerprint(*parts) -> str:
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            digest.update(np.ascontiguousarray(part).tobytes())
        elif isinstance(part, dict) and part and isinstance(next(iter(part.values())),
                                                           torch.Tensor):
            for name, tensor in part.items():
                digest.update(name.encode())
                digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
        else:
            digest.update(json.dumps(part, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def new_model(dataset, cvae_config: dict, provenance: dict) -> ConditionalMediaVAE:
    """A fresh model at the dataset's widths, carrying the dataset's transforms."""
    info = dataset.info
    method = info["embedding"]["method"]
    genomes = np.unique(dataset.splits["train"].c, axis=0)
    condition_transform = ConditionTransform.fit(method, genomes,
                                                 int(cvae_config["condition_components"]))
    config = architecture_from_config(cvae_config, len(info["ingredient_ids"]),
                                      condition_transform.n_components)
    record = ModelRecord(
        ingredient_ids=list(info["ingredient_ids"]),
        ingredient_names=list(info["ingredient_names"]),
        reference_media=ReferenceMedia(dataset.media.media_ids, dataset.media.media_names,
                                       dataset.media.grams_per_litre),
        type_conditions=info["type_conditions"],
        provenance={**provenance,
                    "embedding_table": str(Path(info["embedding"]["table"]).resolve())},
    )
    return ConditionalMediaVAE(config, MediaTransform.from_dict(info["media_transform"]),
                               condition_transform, record)


def _check_matches(model: ConditionalMediaVAE, dataset, path) -> None:
    info = dataset.info
    if (model.record.ingredient_ids != info["ingredient_ids"]
            or model.embedding_method != info["embedding"]["method"]
            or model.condition_transform.dim != int(info["embedding"]["dim"])):
        raise MediagenError(
            f"{path}: this model was trained on other ingredients or another embedding than "
            "the current dataset; delete it so the workflow retrains every phase"
        )


def train_phase(
    dataset_dir: str | Path,
    model_path: str | Path,
    metrics_path: str | Path,
    *,
    phase: str,
    types: list[str] | None,
    previous_model: str | Path | None,
    cvae_config: dict,
    seed: int,
    resume_path: str | Path | None,
    provenance: dict,
) -> ConditionalMediaVAE:
    """One curriculum phase from files to files; ``types=None`` trains on every type.

    A curriculum phase is named after the organism type it adds. Without a training genome
    of that type it would only train again on what the phase before it saw, so it passes
    that phase's model on: the same weights, its record naming this phase and why. The
    first phase has no model to pass on and needs genomes of its own.
    """
    dataset = load_dataset(dataset_dir)
    torch.manual_seed(seed)  # a fresh model's initial weights, and so the resume fingerprint
    if previous_model:
        model = ConditionalMediaVAE.load(previous_model)
        _check_matches(model, dataset, previous_model)
    else:
        model = new_model(dataset, cvae_config, provenance)
    present = _training_types(dataset)
    if previous_model and types is not None and phase not in present:
        _pass_on(model, phase, f"no training genomes of type {phase}")
        history = []
    else:
        history = _train_types(model, dataset, phase, sorted(present) if types is None else types,
                               TrainingSettings.from_config(cvae_config, seed), resume_path)
    model.record.phase = phase
    model.save(model_path)
    with atomic_path(metrics_path) as tmp:
        metrics = pd.DataFrame(history) if history else pd.DataFrame(
            columns=["phase", "epoch", *LOSS_PARTS])
        metrics.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    if resume_path is not None:  # also a stale one, where this phase trained before
        remove_with_leftovers(resume_path)
    return model


def _training_types(dataset) -> set[str]:
    return {str(t) for t in dataset.splits["train"].y}


def _pass_on(model: ConditionalMediaVAE, phase: str, reason: str) -> None:
    previous = model.record.phase
    log.warning("[%s] %s: the %s phase's model is passed on unchanged, without training",
                phase, reason, previous)
    model.record.passed_on = {**model.record.passed_on,
                              phase: {"from": previous, "reason": reason}}


def _train_types(model: ConditionalMediaVAE, dataset, phase: str, types: list[str],
                 settings: TrainingSettings, resume_path) -> list[dict]:
    """Train ``model`` on the dataset's samples of ``types``; this phase's history."""
    types = [str(t) for t in types]
    present = _training_types(dataset)
    missing = [t for t in types if t not in present]
    if missing:
        log.warning("[%s] no training genomes of type(s) %s in the dataset",
                    phase, ", ".join(missing))
    train = dataset.splits["train"].of_types(types)
    val = dataset.splits["val"].of_types(types)
    log.info("[%s] training on %s: %d training and %d validation samples",
             phase, ", ".join(types), len(train), len(val))
    fingerprint = _fingerprint(phase, types, settings.affects_weights(), model.config.to_dict(),
                               train.x, train.c, val.x, model.state_dict())
    history = fit(model, train, val, settings, label=phase, resume_path=resume_path,
                  fingerprint=fingerprint)
    model.record.types_seen = sorted(set(model.record.types_seen) | (set(types) & present))
    return history
