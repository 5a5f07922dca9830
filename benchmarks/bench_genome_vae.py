"""Genome VAE benchmark: training throughput, and held-out window metrics on demo genomes.

1. Throughput: samples/s of a training step (forward, backward, Adam) at batch 128 (or
   the --batch-sizes given), for the default preset and, as the peer in the same run,
   the wide preset, with the machine's load average before and after. The floor kept
   for the default preset: 1,000 samples/s at batch 128 on 2 CPU threads.
2. Held-out metrics: synthesise a subset of the demo genomes (config/demo.yaml's seed and
   sheet), profile their 5 kb windows with the real profiler, train the default preset
   through the real training loop and report the validation genomes' window metrics next
   to the reference run of the design notes. More rows put them in context: the same
   metrics on training windows (what the model can fit); a composition ceiling: each
   held-out window's 7-mer presence predicted from its own genome's other windows
   (leave-one-window-out Poisson, calibrated), the best a model that knows a genome's
   composition but not the window can do; and two linear codes as wide as the latent
   (principal components of the training windows' log 7-mers, or of their presence), what
   a code of that width carries about the window itself. With --window-lengths, the
   held-out part is repeated at each window length (one model each): the share of 7-mers
   present in a window, and so what the gate has to learn, depends on it.

Runs on CUDA (bf16 autocast) when a GPU is present, else the CPU; prints the device.
Training memory over 800,000 windows is benchmarks/bench_genome_vae_memory.py.
    .venv/bin/python benchmarks/bench_genome_vae.py [--genomes 96 --windows 8 --epochs 4]
        [--window-lengths 5000 20000 50000] [--batch-sizes 128 256 512 1024]
        [--throughput-only]
"""

import argparse
import logging
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import yaml
from mediagen.demo.genomes import synthesize_genome, write_fasta_gz
from mediagen.device import autocast, pick_device
from mediagen.genome_vae.ceiling import composition_ceiling
from mediagen.genome_vae.config import PRESETS, TrainingConfig
from mediagen.genome_vae.data import normalise_profiles, profile_normalisation
from mediagen.genome_vae.loss import genome_vae_loss
from mediagen.genome_vae.model import PRESENT_THRESHOLD, GenomeVAE
from mediagen.genome_vae.train import evaluate, make_optimizer, prepare_data, train_genome_vae
from mediagen.kmers.layout import KMER7, LOG_EPSILON
from mediagen.kmers.profile import read_window_profiles

REPO = Path(__file__).resolve().parents[1]
WINDOW_LENGTH = 5000  # the default of config/config.yaml
MIN_GENOME_LENGTH = 10000
THROUGHPUT_FLOOR = (1000.0, 128, 2)  # samples/s of the default preset, at batch 128, 2 threads
REFERENCE = {"val_kmer7_nonzero_mse": 0.40, "val_kmer7_zero_mse": 13.7,
             "val_kmer4_mse": 0.036, "val_kmer3_mse": 0.006, "val_gc_mse": 0.0002}
COLUMNS = [("val_kmer7_nonzero_mse", "7-mer MSE non-zero"),
           ("val_kmer7_zero_mse", "7-mer MSE zero"), ("val_gate_accuracy", "gate accuracy"),
           ("val_kmer4_mse", "4-mer MSE"), ("val_kmer3_mse", "3-mer MSE"),
           ("val_gc_mse", "GC MSE")]


def demo_fastas(directory: Path, n_genomes: int) -> list[Path]:
    """The first n_genomes / 4 demo genomes of each organism type, as .fna.gz files."""
    demo = yaml.safe_load((REPO / "config/demo.yaml").read_text())
    sheet = pd.read_csv(REPO / demo["genomes"], sep="\t")
    chosen = sheet.groupby("organism_type").head(max(1, n_genomes // 4))
    fastas = []
    for genome_id, organism_type in zip(chosen.genome_id, chosen.organism_type, strict=True):
        fastas.append(directory / f"{genome_id}.fna.gz")
        with open(fastas[-1], "wb") as handle:
            write_fasta_gz(synthesize_genome(genome_id, organism_type, demo["seed"]), handle)
    return fastas


def window_files(fastas: list[Path], directory: Path, window_length: int) -> list[Path]:
    """Profile each genome's windows of ``window_length`` with the real profiler."""
    directory.mkdir()
    paths = []
    for fasta in fastas:
        profiles = read_window_profiles(fasta, window_length=window_length,
                                        stride=window_length, min_length=MIN_GENOME_LENGTH)
        paths.append(directory / fasta.name.replace(".fna.gz", ".npy"))
        np.save(paths[-1], profiles)
    return paths


def training_step(preset: str, device: torch.device, inputs: torch.Tensor):
    """A closure running one training step of a fresh model of ``preset`` on ``inputs``."""
    torch.manual_seed(0)
    model = GenomeVAE(PRESETS[preset]).to(device).train()
    optimizer = make_optimizer(model, learning_rate=1e-4)

    def step():
        with autocast(device):
            output = model(inputs)
        parts = genome_vae_loss(output, inputs, beta=1.0, kl_weight=1.0)
        optimizer.zero_grad(set_to_none=True)
        parts["total"].backward()
        optimizer.step()

    step()  # warm-up
    return step


def throughput(presets: list[str], device: torch.device, batch: np.ndarray, steps: int,
               rounds: int = 3) -> dict[str, tuple[float, float]]:
    """Best samples/s of each preset over ``rounds`` interleaved timings, so a busy
    machine slows both alike and the best round is the least disturbed: per second of
    wall-clock time, and per second of this process's CPU time (all threads together),
    which a shared machine disturbs less."""
    inputs = normalise_profiles(batch, profile_normalisation(WINDOW_LENGTH), device)
    steps_of = {preset: training_step(preset, device, inputs) for preset in presets}
    best = {preset: (0.0, 0.0) for preset in presets}
    for _ in range(rounds):
        for preset, step in steps_of.items():
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            started, cpu_started = time.perf_counter(), time.process_time()
            for _ in range(steps):
                step()
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            samples = steps * len(batch)
            rates = (samples / (time.perf_counter() - started),
                     samples / (time.process_time() - cpu_started))
            best[preset] = tuple(map(max, best[preset], rates))
    return best


def linear_code(files, train_index: np.ndarray, val_index: np.ndarray, dims: int,
                presence: bool) -> dict:
    """Held-out 7-mer metrics of a linear autoencoder whose code is as wide as the VAE's
    latent: the leading principal components of the training windows' log 7-mer profiles
    (``presence``: of their 0/1 presence, the code most favourable to gate accuracy, which
    has no values to score). It sees the window, so it shows what a code of that width
    carries about the window itself."""
    def features(index):
        logs = np.log(files.gather(index)[:, KMER7].astype(np.float64) + LOG_EPSILON)
        return (logs > PRESENT_THRESHOLD).astype(np.float64) if presence else logs

    train, held_out = features(train_index), features(val_index)
    mean = train.mean(axis=0)
    components = np.linalg.svd(train - mean, full_matrices=False)[2][:dims]
    decoded = (held_out - mean) @ components.T @ components + mean
    if presence:
        return {"val_gate_accuracy": np.mean((decoded > 0.5) == (held_out > 0.5))}
    present = held_out > PRESENT_THRESHOLD
    squared = (decoded - held_out) ** 2
    return {"val_gate_accuracy": np.mean((decoded > PRESENT_THRESHOLD) == present),
            "val_kmer7_nonzero_mse": squared[present].mean(),
            "val_kmer7_zero_mse": squared[~present].mean()}


def print_throughput(args, device: torch.device, name: str, windows: np.ndarray) -> None:
    """Samples/s per preset and batch size, with the load the machine was under."""
    presets = ["default"] if args.skip_wide else ["default", "wide"]
    load_before = os.getloadavg()[0]
    rates = {}
    for batch_size in args.batch_sizes:
        batch = np.resize(windows, (batch_size, windows.shape[1]))  # repeats rows if few
        rates[batch_size] = throughput(presets, device, batch, args.throughput_steps)
    print(f"\ntraining throughput in samples/s (forward + backward + Adam step), best of 3 "
          f"rounds of {args.throughput_steps} steps, {args.threads} threads on {name}; load "
          f"average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after, "
          f"{os.cpu_count()} cores; per wall-clock second (per CPU-second):")
    print(f"  {'batch':>6} " + " ".join(f"{preset:>18}" for preset in presets))
    for batch_size, by_preset in rates.items():
        print(f"  {batch_size:>6} "
              + " ".join(f"{wall:9.1f} ({cpu:6.1f})" for wall, cpu in by_preset.values())
              + (f"   default / wide {by_preset['default'][0] / by_preset['wide'][0]:.2f}x"
                 if "wide" in by_preset else ""))
    floor, floor_batch, floor_threads = THROUGHPUT_FLOOR
    if device.type == "cpu" and floor_batch in rates and args.threads == floor_threads:
        rate = rates[floor_batch]["default"][0]
        print(f"floor for the default preset ({floor:,.0f} samples/s at batch {floor_batch}, "
              f"{floor_threads} threads): {'met' if rate >= floor else 'not met'} ({rate:,.0f}"
              f"{'; the machine is shared, see the load' if rate < floor else ''})")


def table_row(name: str, metrics: dict) -> str:
    cells = [f"{metrics[key]:>10.4g}" if key in metrics and not math.isnan(metrics[key])
             else f"{'-':>10}" for key, _ in COLUMNS]
    return f"{name:<34}" + " ".join(cells)


def held_out_metrics(paths: list[Path], window_length: int, args, device: torch.device,
                     model_dir: Path) -> None:
    """Train the default preset on ``paths`` through the real training loop and print the
    held-out window metrics beside the reference, the training windows and the ceiling."""
    training = TrainingConfig(epochs=args.epochs, batch_size=args.batch_size, beta=args.beta,
                              kl_warmup_epochs=max(1, args.epochs // 3),
                              val_fraction=args.val_fraction,
                              max_windows_per_genome=args.windows, seed=7, device=str(device))
    windows = {"window_length": window_length, "stride": window_length,
               "min_length": MIN_GENOME_LENGTH}
    started = time.perf_counter()
    model, history = train_genome_vae(
        paths, PRESETS["default"], training, windows, device=device,
        model_path=model_dir / "genome_vae.pt", metrics_path=model_dir / "metrics.jsonl",
        resume_path=model_dir / "resume.pt")
    seconds = time.perf_counter() - started
    data = prepare_data(paths, training)
    best = min(history, key=lambda row: row["val_loss"])
    on_training = evaluate(model, data.files, data.train_index[:len(data.val_index)],
                           training.beta, profile_normalisation(window_length), device,
                           training.batch_size)
    print(f"\n{window_length:,} bp windows: trained the default preset on "
          f"{len(data.train_ids)} genomes ({len(data.train_index)} windows), {args.epochs} "
          f"epochs in {seconds:.0f} s; best epoch {best['epoch']}; held out: "
          f"{len(data.val_ids)} genomes ({len(data.val_index)} windows, "
          f"{best['val_kmer7_nonzero_percent']:.1f}% of 7-mers present)")
    print(" " * 34 + " ".join(f"{label[:10]:>10}" for _, label in COLUMNS))
    print(table_row("reference run (design notes)", REFERENCE))
    print(table_row("this model, held-out windows", best))
    print(table_row("this model, training windows", on_training))
    print(table_row("composition ceiling, held-out",
                    composition_ceiling(data.files, data.val_index)))
    dims = PRESETS["default"].latent_dim
    for presence, fitted in ((False, "log values"), (True, "presence")):
        print(table_row(f"linear {dims}-d code of {fitted}", linear_code(
            data.files, data.train_index, data.val_index, dims, presence)))
    print(f"gate accuracy against its composition ceiling: {best['val_gate_accuracy']:.3f} / "
          f"{best['val_gate_accuracy_ceiling']:.3f} "
          f"({best['val_gate_accuracy'] / best['val_gate_accuracy_ceiling']:.1%})")

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--genomes", type=int, default=96, help="demo genomes (a quarter per type)")
    parser.add_argument("--windows", type=int, default=8, help="windows per genome at most")
    parser.add_argument("--window-lengths", type=int, nargs="+", default=[WINDOW_LENGTH],
                        help="window lengths (bp) to train and evaluate at, one model each")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--beta", type=float, default=1.0)
    parser.add_argument("--val-fraction", type=float, default=0.1)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--throughput-steps", type=int, default=2)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[128],
                        help="batch sizes to time the training step at")
    parser.add_argument("--skip-wide", action="store_true", help="no wide-preset peer")
    parser.add_argument("--throughput-only", action="store_true",
                        help="time the training step only; no held-out metrics")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"device: {device} ({name}), torch {torch.__version__}, {args.threads} CPU threads")
    if device.type != "cuda":
        print("no GPU used: CUDA is not available here (on a GPU the same steps run under "
              "bf16 autocast)")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        fastas = demo_fastas(tmp, args.genomes)
        started = time.perf_counter()
        paths = window_files(fastas, tmp / str(WINDOW_LENGTH), WINDOW_LENGTH)
        print(f"profiled the {WINDOW_LENGTH:,} bp windows of {len(paths)} demo genomes in "
              f"{time.perf_counter() - started:.1f} s")

        windows = np.concatenate([np.load(p) for p in paths])
        print_throughput(args, device, name, windows)
        if args.throughput_only:
            return 0

        for window_length in args.window_lengths:
            if window_length != WINDOW_LENGTH:
                paths = window_files(fastas, tmp / str(window_length), window_length)
            model_dir = tmp / f"model_{window_length}"
            model_dir.mkdir()
            held_out_metrics(paths, window_length, args, device, model_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
