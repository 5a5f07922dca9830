"""Training loop of the genome VAE, separate from the model; the device comes from outside.

Each epoch trains on shuffled training windows, evaluates the validation genomes'
windows (with z = latent mean), steps the plateau schedule on the validation
loss, logs one line, rewrites the metrics JSONL and writes a resume state. Every
metrics row carries, beside the gate accuracy, its composition ceiling on the same
validation windows (``ceiling``): what the gate accuracy can be judged against.

Resume: Snakemake deletes the outputs of a failed or killed job, so the resume
state lives beside them (``results/models/resume/``), written atomically each
epoch: model, optimiser, schedule, epoch, best weights and loss, history, and a
fingerprint of the architecture, training settings and data. A run whose
fingerprint matches resumes where that state ended; any other starts fresh.
``epochs`` and ``device`` are left out of the fingerprint, so raising ``epochs``
of an interrupted run continues it (lowering it below the epochs done starts
afresh). Once the model is written the state (hundreds of MB) is removed, with
any partial state a killed job left.

Determinism: the weights are initialised from the seed, and each epoch draws its
shuffling and reparameterisation noise from generators seeded with (seed, epoch),
so a resumed run follows the same path as an uninterrupted one (exactly, on the CPU).
"""

import dataclasses
import hashlib
import json
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..atomic import atomic_path, atomic_write_text, remove_with_leftovers
from ..checkpoint import load_plain_record, save_checkpoint
from ..device import autocast
from ..errors import MediagenError
from .ceiling import composition_ceiling, gate_metrics
from .config import GenomeVAEConfig, TrainingConfig
from .data import (
    WindowFiles,
    iterate_batches,
    normalise_profiles,
    profile_normalisation,
    split_genomes,
    window_index,
)
from .loss import gate_metric_sums, genome_vae_loss
from .model import GenomeVAE

log = logging.getLogger(__name__)

RESUME_FORMAT = 2
INIT_WINDOWS = 2048  # training windows that set input standardisation and output biases
# Parts of the loss averaged per window in the logs and metrics.
LOSS_PARTS = ("total", "reconstruction", "kl", "kmer7_bce", "kmer4_mse", "kmer3_mse", "gc_mse")


@dataclass
class TrainingData:
    files: WindowFiles
    train_ids: list[str]
    val_ids: list[str]
    train_index: np.ndarray
    val_index: np.ndarray


def prepare_data(window_paths, training: TrainingConfig) -> TrainingData:
    """Open the window files and split them by genome; genomes without windows are
    left out with a warning."""
    files = WindowFiles(window_paths)
    empty = [gid for gid, n in zip(files.genome_ids, files.n_windows, strict=True) if n == 0]
    if empty:
        log.warning("%d genome(s) have no windows and are left out: %s", len(empty),
                    ", ".join(empty[:10]))
    usable = [gid for gid, n in zip(files.genome_ids, files.n_windows, strict=True) if n > 0]
    train_ids, val_ids = split_genomes(usable, training.val_fraction, training.seed)
    cap = training.max_windows_per_genome
    return TrainingData(
        files, train_ids, val_ids,
        window_index(files, train_ids, cap, training.seed),
        window_index(files, val_ids, cap, training.seed),
    )


def build_model(architecture: GenomeVAEConfig, data: TrainingData, normalisation: dict,
                seed: int) -> GenomeVAE:
    """A model initialised from ``seed`` (without touching the global random state),
    its input standardisation and output biases set from a seeded sample of training
    windows."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = GenomeVAE(architecture)
    rng = np.random.default_rng(seed)
    sample = rng.permutation(len(data.train_index))[:INIT_WINDOWS]
    raw = data.files.gather(data.train_index[np.sort(sample)])
    model.initialise_from_windows(normalise_profiles(raw, normalisation))
    return model


def make_optimizer(model: GenomeVAE, learning_rate: float) -> torch.optim.Adam:
    """Adam, fused: one kernel over all parameters, several times faster than the
    per-tensor loop on the CPU, where the update of ~28M weights rivals the backward pass."""
    return torch.optim.Adam(model.parameters(), lr=learning_rate, fused=True)


def _epoch_seed(seed: int, epoch: int) -> int:
    return int(np.random.SeedSequence([seed, epoch]).generate_state(1)[0])


def train_one_epoch(model, optimizer, data: TrainingData, training: TrainingConfig,
                    normalisation: dict, epoch: int, device: torch.device) -> dict:
    """One pass over the training windows; the loss parts averaged per window."""
    model.train()
    rng = np.random.default_rng(_epoch_seed(training.seed, epoch))
    noise = torch.Generator(device=device)
    noise.manual_seed(_epoch_seed(training.seed, epoch))
    kl_weight = training.kl_weight(epoch)
    sums = dict.fromkeys(LOSS_PARTS, torch.zeros((), device=device))
    n_windows = 0
    for raw in iterate_batches(data.files, data.train_index, training.batch_size, rng):
        inputs = normalise_profiles(raw, normalisation, device)
        with autocast(device):
            output = model(inputs, noise)
        parts = genome_vae_loss(output, inputs, training.beta, kl_weight)
        optimizer.zero_grad(set_to_none=True)
        parts["total"].backward()
        optimizer.step()
        sums = {key: sums[key] + parts[key].detach() * len(raw) for key in LOSS_PARTS}
        n_windows += len(raw)
    if n_windows == 0:
        raise MediagenError("fewer than 2 training windows: the training genomes have "
                            "(almost) no window profiles; add genomes or check "
                            "results/kmers/windows/")
    return {key: float(value) / n_windows for key, value in sums.items()}


@torch.no_grad()
def evaluate(model, files: WindowFiles, index: np.ndarray, beta: float, normalisation: dict,
             device: torch.device, batch_size: int) -> dict:
    """Held-out window metrics, with z = latent mean. The validation loss carries the
    full KL weight, so epochs before and after the warm-up compare on one scale."""
    model.eval()
    totals: dict[str, float] = {}
    n_windows = 0
    for raw in iterate_batches(files, index, batch_size):
        inputs = normalise_profiles(raw, normalisation, device)
        with autocast(device):
            output = model(inputs)
        parts = genome_vae_loss(output, inputs, beta, kl_weight=1.0)
        counts = gate_metric_sums(output, inputs)
        counts["value_sq_error"] = float(parts["kmer7_value_mse"]) * counts["present"]
        for key in LOSS_PARTS:
            counts[key] = float(parts[key]) * len(raw)
        for key, value in counts.items():
            totals[key] = totals.get(key, 0.0) + value
        n_windows += len(raw)
    if n_windows == 0:
        raise MediagenError("no validation windows: the validation genomes have no window "
                            "profiles; check results/kmers/windows/")
    present, fields = totals["present"], totals["kmer7_fields"]
    return {
        "val_loss": totals["total"] / n_windows,
        "val_reconstruction": totals["reconstruction"] / n_windows,
        "val_kl": totals["kl"] / n_windows,
        "val_kmer7_bce": totals["kmer7_bce"] / n_windows,
        "val_kmer7_value_mse": totals["value_sq_error"] / max(present, 1),
        **gate_metrics(totals),
        "val_kmer7_nonzero_percent": 100.0 * present / fields,
        "val_kmer4_mse": totals["kmer4_mse"] / n_windows,
        "val_kmer3_mse": totals["kmer3_mse"] / n_windows,
        "val_gc_mse": totals["gc_mse"] / n_windows,
    }


def run_fingerprint(architecture: GenomeVAEConfig, training: TrainingConfig, windows: dict,
                    data: TrainingData) -> str:
    settings = {key: value for key, value in training.to_dict().items()
                if key not in ("epochs", "device")}
    described = {
        "architecture": architecture.to_dict(), "training": settings, "windows": windows,
        "data": data.files.fingerprint(),
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def _cpu_copy(state_dict: dict) -> dict:
    return {key: value.detach().to("cpu", copy=True) for key, value in state_dict.items()}


@dataclass
class Progress:
    """Where a run stands: epochs done, their metrics, and the best epoch so far."""

    epoch: int = 0
    history: list[dict] = field(default_factory=list)
    best_state: dict | None = None
    best_loss: float = math.inf
    best_epoch: int = 0

    def record(self, row: dict, model: GenomeVAE) -> bool:
        """Add an epoch's row; keep the model's weights when it is the best. True if so."""
        self.epoch = row["epoch"]
        self.history.append(row)
        if row["val_loss"] >= self.best_loss:
            return False
        self.best_loss, self.best_epoch = row["val_loss"], row["epoch"]
        self.best_state = _cpu_copy(model.state_dict())
        return True


def save_resume_state(path: Path, fingerprint: str, model, optimizer, scheduler,
                      progress: Progress) -> None:
    with atomic_path(path) as tmp:
        torch.save({
            "format": RESUME_FORMAT, "fingerprint": fingerprint,
            "model": _cpu_copy(model.state_dict()), "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(), **vars(progress),
        }, tmp)


def resume(path: Path, fingerprint: str, epochs: int, model, optimizer, scheduler
           ) -> Progress:
    """Restore model, optimiser and schedule from the resume state at ``path`` when it
    continues this run (same fingerprint, no more epochs done than asked for); else
    leave them as they are and start at epoch 0."""
    if not path.is_file():
        return Progress()
    try:
        state = load_plain_record(path, "resume state")
    except MediagenError as exc:  # a damaged state only costs the progress it held
        log.warning("%s; starting fresh", exc)
        return Progress()
    if (not isinstance(state, dict) or state.get("format") != RESUME_FORMAT
            or state.get("fingerprint") != fingerprint):
        log.info("%s: written for other settings or data; starting fresh", path)
        return Progress()
    if state["epoch"] > epochs:
        log.info("%s: holds %d epochs, more than the %d asked for; starting fresh",
                 path, state["epoch"], epochs)
        return Progress()
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    progress = Progress(**{f.name: state[f.name] for f in dataclasses.fields(Progress)})
    log.info("resuming from epoch %d (best so far: epoch %d, val loss %.2f)",
             progress.epoch, progress.best_epoch, progress.best_loss)
    return progress


def _epoch_line(row: dict, epochs: int, is_best: bool) -> str:
    return (
        f"epoch {row['epoch']}/{epochs} loss {row['train_loss']:.1f} (recon "
        f"{row['train_reconstruction']:.1f}, KL {row['train_kl']:.1f} x {row['kl_weight']:.2f}) "
        f"val {row['val_loss']:.1f} | gate acc {row['val_gate_accuracy']:.3f} (composition "
        f"ceiling {row['val_gate_accuracy_ceiling']:.3f}), 7-mer MSE "
        f"non-zero {row['val_kmer7_nonzero_mse']:.3f} zero {row['val_kmer7_zero_mse']:.3f} "
        f"({row['val_kmer7_nonzero_percent']:.1f}% non-zero), "
        f"value {row['val_kmer7_value_mse']:.3f}"
        f" | 4-mer {row['val_kmer4_mse']:.4f} 3-mer {row['val_kmer3_mse']:.4f} "
        f"GC {row['val_gc_mse']:.5f} | lr {row['learning_rate']:.2g} | "
        f"{row['train_windows_per_s']:.0f} windows/s{' *best' if is_best else ''}"
    )


def write_metrics(path: Path, history: list[dict]) -> None:
    atomic_write_text(path, "".join(json.dumps(row) + "\n" for row in history))


def train_genome_vae(
    window_paths,
    architecture: GenomeVAEConfig,
    training: TrainingConfig,
    windows: dict,
    *,
    device: torch.device,
    model_path: str | Path,
    metrics_path: str | Path,
    resume_path: str | Path,
) -> tuple[GenomeVAE, list[dict]]:
    """Train, keep the best epoch by validation loss, write the checkpoint and metrics.

    ``windows`` records how the window profiles were made (window_length, stride,
    min_length); ``embed_fasta`` uses it to profile a new genome the same way.
    Returns the model holding the best weights, and the per-epoch history.
    """
    resume_path = Path(resume_path)
    data = prepare_data(window_paths, training)
    log.info("genome VAE: %d training genomes (%d windows), %d validation genomes (%d windows)",
             len(data.train_ids), len(data.train_index), len(data.val_ids), len(data.val_index))
    gate_ceiling = composition_ceiling(data.files, data.val_index)["val_gate_accuracy"]
    log.info("composition ceiling of the validation windows' gate accuracy: %.3f", gate_ceiling)
    normalisation = profile_normalisation(windows["window_length"])
    model = build_model(architecture, data, normalisation, training.seed).to(device)
    optimizer = make_optimizer(model, training.learning_rate)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode="min", factor=training.lr_factor, patience=training.lr_patience,
        min_lr=training.lr_min,
    )
    fingerprint = run_fingerprint(architecture, training, windows, data)
    progress = resume(resume_path, fingerprint, training.epochs, model, optimizer, scheduler)

    for epoch in range(progress.epoch, training.epochs):
        started = time.perf_counter()
        train_parts = train_one_epoch(model, optimizer, data, training, normalisation, epoch,
                                      device)
        seconds_training = time.perf_counter() - started
        metrics = evaluate(model, data.files, data.val_index, training.beta, normalisation,
                           device, training.batch_size)
        if not all(math.isfinite(value) for value in (*train_parts.values(), *metrics.values())):
            raise MediagenError(
                f"genome VAE training diverged at epoch {epoch + 1} (non-finite loss); "
                "lower genome_vae.learning_rate"
            )
        row = {
            "epoch": epoch + 1,
            "learning_rate": optimizer.param_groups[0]["lr"],
            "kl_weight": training.kl_weight(epoch),
            "train_loss": train_parts["total"],
            "train_reconstruction": train_parts["reconstruction"],
            "train_kl": train_parts["kl"],
            **metrics,
            "val_gate_accuracy_ceiling": gate_ceiling,
            "train_windows_per_s": len(data.train_index) / seconds_training,
            "seconds": time.perf_counter() - started,
        }
        scheduler.step(metrics["val_loss"])
        is_best = progress.record(row, model)
        log.info("%s", _epoch_line(row, training.epochs, is_best))
        write_metrics(Path(metrics_path), progress.history)
        save_resume_state(resume_path, fingerprint, model, optimizer, scheduler, progress)

    if progress.best_state is None:
        raise MediagenError("genome VAE: no epoch was trained; set genome_vae.epochs >= 1")
    write_metrics(Path(metrics_path), progress.history)
    model.load_state_dict(progress.best_state)
    save_checkpoint(model_path, "genome_vae", {
        "state_dict": progress.best_state,
        "architecture": architecture.to_dict(),
        "normalisation": normalisation,
        "windows": dict(windows),
        "training": training.to_dict(),
        "embedding": {"method": "vae", "dim": architecture.latent_dim},
        "genomes": {"train": data.train_ids, "validation": data.val_ids},
        "history": progress.history,
        "best_epoch": progress.best_epoch,
        "best_metrics": progress.history[progress.best_epoch - 1],
    })
    log.info("best epoch %d (val loss %.2f) written to %s", progress.best_epoch,
             progress.best_loss, model_path)
    remove_with_leftovers(resume_path)
    return model, progress.history
