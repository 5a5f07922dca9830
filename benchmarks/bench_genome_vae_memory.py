"""Does genome VAE training keep its memory flat over 800,000 windows?

Training reads the window files (``results/kmers/windows/{genome_id}.npy``, float32
(windows, 8,362)) memory-mapped, a batch of rows at a time, so its memory should not
grow with the data. This writes ``--genomes`` x ``--windows`` synthetic window files
(default 2,000 x 400 = 800,000 windows, 26.8 GB) under ``--workdir`` (kept for the
next run; default: a new folder in /tmp, deleted afterwards), whose rows are real
window profiles of demo genomes (each file draws its rows from one demo genome's
windows). Then, each in a fresh
process, it runs the training data path of the default preset for ``--steps`` steps:
``prepare_data`` (open every file, split by genome, index the windows), ``build_model``
(input standardisation from a sample of windows), then shuffled batches through
forward, backward and Adam, exactly as ``train_genome_vae`` does, but stopped after
the given steps instead of whole epochs. It prints the resident memory (anonymous and
file-backed) as the steps go, and the peak, against the size of the window data; the
peer is the same run over 1/20 of the genomes, so flat memory shows as the same peak
for 20 times the data.

    .venv/bin/python benchmarks/bench_genome_vae_memory.py [--genomes 2000 --windows 400
        --steps 200 --threads 2 --workdir DIR]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from mediagen.demo.genomes import synthesize_genome, write_fasta_gz
from mediagen.genome_vae.config import PRESETS, TrainingConfig
from mediagen.genome_vae.data import iterate_batches, normalise_profiles, profile_normalisation
from mediagen.genome_vae.loss import genome_vae_loss
from mediagen.genome_vae.train import build_model, make_optimizer, prepare_data
from mediagen.kmers.profile import read_window_profiles

WINDOW_LENGTH = 5000
DEMO_GENOMES = 8
PEER_SHARE = 20


def memory_mb() -> dict[str, float]:
    """This process's resident memory now (anonymous, file-backed) and its peak, in MB."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            fields[key] = int(value.split()[0]) / 1024
    return fields


def demo_window_pools(directory: Path) -> list[np.ndarray]:
    """The 5 kb window profiles of a few demo genomes, one array per genome."""
    pools = []
    for i in range(DEMO_GENOMES):
        fasta = directory / f"demo{i}.fna.gz"
        records = synthesize_genome(f"demo{i}", ("bacteria", "archaea", "fungi", "protist")[i % 4],
                                    seed=42)
        with open(fasta, "wb") as handle:
            write_fasta_gz(records, handle)
        pools.append(read_window_profiles(fasta, window_length=WINDOW_LENGTH,
                                          stride=WINDOW_LENGTH, min_length=10_000))
    return pools


def write_window_files(directory: Path, n_genomes: int, n_windows: int) -> list[Path]:
    """``n_genomes`` window files of ``n_windows`` rows (kept when already there)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"genome_{i:05d}.npy" for i in range(n_genomes)]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        pools = demo_window_pools(directory)
        rng = np.random.default_rng(1)
        for done, path in enumerate(missing, start=1):
            pool = pools[int(path.stem.split("_")[1]) % len(pools)]
            np.save(path, pool[rng.integers(0, len(pool), n_windows)])
            if done % 250 == 0:
                print(f"  wrote {done} of {len(missing)} window files", flush=True)
    return paths


def run_steps(paths: list[Path], steps: int, threads: int) -> dict:
    """The training data path for ``steps`` steps; memory along the way (a child process)."""
    torch.set_num_threads(threads)
    report = {"after_imports": memory_mb()}
    training = TrainingConfig(max_windows_per_genome=400, seed=1)
    started = time.perf_counter()
    data = prepare_data(paths, training)
    report["prepare_s"] = time.perf_counter() - started
    report["after_prepare"] = memory_mb()
    normalisation = profile_normalisation(WINDOW_LENGTH)
    model = build_model(PRESETS["default"], data, normalisation, training.seed)
    optimizer = make_optimizer(model, training.learning_rate)
    report["after_model"] = memory_mb()
    rng = np.random.default_rng(0)
    samples, trace = 0, []
    started = time.perf_counter()
    model.train()
    for step, raw in enumerate(iterate_batches(data.files, data.train_index,
                                               training.batch_size, rng), start=1):
        inputs = normalise_profiles(raw, normalisation)
        parts = genome_vae_loss(model(inputs), inputs, training.beta, kl_weight=1.0)
        optimizer.zero_grad(set_to_none=True)
        parts["total"].backward()
        optimizer.step()
        samples += len(raw)
        if step % max(1, steps // 5) == 0:
            trace.append({"step": step, **memory_mb()})
        if step == steps:
            break
    if not trace or trace[-1]["step"] != step:
        trace.append({"step": step, **memory_mb()})
    report["steps_s"] = time.perf_counter() - started
    report["samples"] = samples
    report["trace"] = trace
    report["train_windows"] = len(data.train_index)
    report["end"] = memory_mb()
    return report


def measure(paths: list[Path], steps: int, threads: int, listing: Path) -> dict:
    listing.write_text("\n".join(map(str, paths)))
    output = subprocess.run(
        [sys.executable, __file__, "--child", str(listing), "--steps", str(steps),
         "--threads", str(threads)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(output.stdout.splitlines()[-1])


def print_run(name: str, paths: list[Path], report: dict) -> None:
    size_gb = sum(p.stat().st_size for p in paths) / 1e9
    print(f"\n{name}: {len(paths):,} genomes, {report['train_windows']:,} training windows, "
          f"window data {size_gb:.1f} GB on disk")
    print(f"  prepare_data {report['prepare_s']:.1f} s; {report['samples']:,} samples in "
          f"{report['steps_s']:.1f} s ({report['samples'] / report['steps_s']:.0f} samples/s, "
          "reading from disk included)")
    for label in ("after_imports", "after_prepare", "after_model"):
        print(f"  {label:<14} RSS {report[label]['VmRSS']:7.0f} MB")
    for row in report["trace"]:
        print(f"  step {row['step']:<9} RSS {row['VmRSS']:7.0f} MB (anonymous "
              f"{row['RssAnon']:.0f}, file-backed {row['RssFile']:.0f})")
    peak = report["end"]["VmHWM"]
    print(f"  peak RSS {peak:.0f} MB = {100 * peak / 1e3 / size_gb:.1f}% of the window data")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--genomes", type=int, default=2000)
    parser.add_argument("--windows", type=int, default=400, help="windows per genome")
    parser.add_argument("--steps", type=int, default=200, help="training steps (batch 128)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workdir", type=Path,
                        help="folder for the window files, kept for the next run (default: a "
                             "new folder in /tmp, deleted at the end)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        paths = [Path(line) for line in args.child.read_text().splitlines()]
        print(json.dumps(run_steps(paths, args.steps, args.threads)))
        return 0

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="genome_vae_memory_", dir="/tmp"))
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; torch "
          f"{torch.__version__}, {args.threads} threads")
    try:
        started = time.perf_counter()
        paths = write_window_files(workdir / "windows", args.genomes, args.windows)
        print(f"window files ready in {time.perf_counter() - started:.0f} s under {workdir}")
        peer = paths[: max(2, len(paths) // PEER_SHARE)]
        reports = {}
        for name, chosen in (("all genomes", paths), (f"peer: 1/{PEER_SHARE} of them", peer)):
            reports[name] = measure(chosen, args.steps, args.threads, workdir / "listing.txt")
            print_run(name, chosen, reports[name])
        full, small = (report["end"]["VmHWM"] for report in reports.values())
        print(f"\npeak RSS, all genomes / peer: {full / small:.2f}x for "
              f"{len(paths) / len(peer):.0f}x the window data")
        print(f"load average at the end {os.getloadavg()[0]:.2f}")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
