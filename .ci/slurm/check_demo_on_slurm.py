"""Prove that the offline demo runs on a real Slurm through profiles/slurm.

Run as root on a Debian host, from the repository, with the Slurm executor plugin in the
virtualenv (``.venv/bin/pip install snakemake-executor-plugin-slurm``):

    .venv/bin/python .ci/slurm/check_demo_on_slurm.py --quick   # CI's size
    .venv/bin/python .ci/slurm/check_demo_on_slurm.py           # the whole demo

Steps, each printed as it goes and summed up in ``WORKDIR/summary.json``:

1. Start a single-node Slurm (``start_cluster.sh``: munged, slurmctld, slurmd, gres gpu:1),
   unless ``--use-running-cluster``.
2. Copy the workflow into ``WORKDIR/local`` and ``WORKDIR/slurm`` and run the demo in both
   from nothing, at the same time: locally with profiles/default, and through Slurm with
   profiles/slurm. Each copy imports its own copy of the mediagen package. The demo's 24
   genomes per type can be thinned or extended (``--genomes-per-type``; extra genomes are
   synthesized like the demo's own, with growth pairs drawn the same way).
3. Check the Slurm run: every job Snakemake ran outside a local rule was submitted to Slurm
   and completed there, and its rule log carries that job's ``SLURM_JOB_ID``; the per-genome
   count_kmers jobs travelled in group jobs (profiles/slurm: up to 50 genomes per sbatch),
   each log carrying the id of its group's submission; local rules (downloads, the demo's
   genomes) ran without one; training jobs were allocated ``gres gpu:1`` in the GPU
   partition (``scontrol show job -d``), other jobs no GPU. The sbatch submissions are
   counted.
4. Compare the results: every table, array and model under ``results/`` of the Slurm run
   equals the local run's, value for value (timings inside checkpoints aside).
5. Incremental and resumable: add one genome to the Slurm copy's sheet; the re-run must
   submit count_kmers for that genome only, plus the aggregations and
   everything downstream. While the genome VAE retrains, its Slurm job is cancelled
   (scancel) after a few epochs; re-running must resume from the last saved epoch.
6. Stop the daemons it started, by their pids (``stop_cluster.sh``), whatever happened.

Exit status 0 when every check passed. The proof uses the demo config plus
``--set KEY=VALUE`` overrides (dotted keys, YAML values) written to config/proof.yaml in
each copy, and may thin the demo to ``--genomes-per-type`` genomes to fit CI's time (or
extend it: ``--genomes-per-type 50`` sends 200 genomes through Slurm).
"""

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import yaml
from mediagen.demo.media import write_demo_growth

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VENV_BIN = Path(sys.executable).parent
WORKFLOW_PARTS = ("Snakefile", "workflow", "config", "profiles", "envs")
SLURM_PROFILE = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
# The rules profiles/slurm sends to the GPU partition, and its group of the per-genome
# count_kmers jobs (`groups: [count_kmers=kmers]`).
GPU_RULES = {rule for rule, resources in SLURM_PROFILE["set-resources"].items()
             if resources.get("slurm_partition") == "gpu"}
GROUP = dict(entry.split("=") for entry in SLURM_PROFILE["groups"])["count_kmers"]
KILLED_RULE = "train_genome_vae"
# The demo's final output, plus profiles.parquet so that count_kmers and aggregate_profiles
# run too (the demo conditions on the genome VAE's embedding, which reads only windows).
TARGETS = ("all", "results/embeddings/profiles.parquet")
EPOCH_LINE = re.compile(r"\b[Ee]poch (\d+)/(\d+)\b")
RESUMED_LINE = re.compile(r"resuming from epoch (\d+)")
# Values inside checkpoints and metrics that measure the machine, not the model.
TIMING_KEY = re.compile(r"per_s|seconds|time|elapsed|duration|host", re.IGNORECASE)
COMPARED_SUFFIXES = {".parquet", ".npy", ".npz", ".pt"}
# --quick: the demo thinned to fit CI. Three genomes per type is the fewest that still gives
# every type a validation and a test genome; a small genome VAE keeps its epochs short, and
# enough of them leave time to cancel the job mid-way.
QUICK_GENOMES_PER_TYPE = 3
QUICK_OVERRIDES = (
    "genome_vae.epochs=8", "genome_vae.max_windows_per_genome=8", "genome_vae.latent_dim=16",
    "genome_vae.widths={kmer7: [128, 32], shared: [32]}", "cvae.epochs=20",
)
MAX_DIFFERENCES_SHOWN = 5  # per file


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------- run folders and Snakemake


def prepare_run_dir(dest: Path, overrides: dict, genomes_per_type: int | None) -> None:
    """A fresh copy of the workflow with the proof's config overrides beside the demo's."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    # __pycache__ comes along: it holds numba's compiled kernels, valid for the copies
    # (numba checks the source files' size and time, which copy2 keeps).
    ignore = shutil.ignore_patterns("*.egg-info", ".snakemake")
    for part in WORKFLOW_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, dest / part, ignore=ignore)
        else:
            shutil.copy2(source, dest / part)
    (dest / "config" / "proof.yaml").write_text(yaml.safe_dump(overrides, sort_keys=False))
    if genomes_per_type:
        resize_demo_sheets(dest, genomes_per_type)


def resize_demo_sheets(run_dir: Path, per_type: int) -> None:
    """``per_type`` genomes of each organism type: the demo's first ones, then more made the
    same way (``demo_<type>_x<n>``); the growth sheet is drawn anew for them as the demo's is."""
    demo = yaml.safe_load((run_dir / "config" / "demo.yaml").read_text())
    genome_sheet, growth_sheet = run_dir / demo["genomes"], run_dir / demo["growth"]
    genomes = pd.read_csv(genome_sheet, sep="\t", dtype=str, keep_default_na=False)
    rows = []
    for organism_type, part in genomes.groupby("organism_type", sort=False):
        rows += part.head(per_type).to_dict("records")
        for number in range(len(part), per_type):
            genome_id = f"demo_{organism_type}_x{number:03d}"
            rows.append({**part.iloc[0].to_dict(), "genome_id": genome_id,
                         "organism_name": f"synthetic {organism_type} {number}",
                         "source": f"resources/demo/genomes/{genome_id}.fna.gz"})
    pd.DataFrame(rows, columns=genomes.columns).to_csv(genome_sheet, sep="\t", index=False)
    write_demo_growth(genome_sheet, growth_sheet)


def set_nested(config: dict, dotted_key: str, value) -> None:
    *parents, last = dotted_key.split(".")
    for key in parents:
        config = config.setdefault(key, {})
    config[last] = value


@dataclass
class SnakemakeRun:
    name: str
    returncode: int
    seconds: float
    log: Path  # Snakemake's own log of the run (.snakemake/log/...)


def run_snakemake(run_dir: Path, name: str, profile: str, extra: list[str],
                  on_start=None) -> SnakemakeRun:
    """One Snakemake invocation in ``run_dir``; its console output goes to ``name``.out."""
    command = [
        str(VENV_BIN / "snakemake"), *TARGETS, "--profile", f"profiles/{profile}",
        "--configfile", "config/demo.yaml", "config/proof.yaml", *extra,
    ]
    # The copy's own mediagen package comes first on the path, so both runs use the code as
    # it was copied even if the repository changes meanwhile.
    env = dict(os.environ, PATH=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
               PYTHONPATH=str(run_dir / "workflow" / "scripts"))
    out_path = run_dir.parent / f"{name}.out"
    say(f"{name}: {' '.join(command[1:])}  (output: {out_path})")
    logs_before = set((run_dir / ".snakemake" / "log").glob("*.snakemake.log"))
    started = time.monotonic()
    with open(out_path, "w") as out:
        process = subprocess.Popen(command, cwd=run_dir, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
        if on_start is not None:
            on_start(process)
        returncode = process.wait()
    seconds = time.monotonic() - started
    new_logs = set((run_dir / ".snakemake" / "log").glob("*.snakemake.log")) - logs_before
    if not new_logs:
        raise SystemExit(f"{name}: Snakemake wrote no log; see {out_path}")
    log = max(new_logs, key=lambda path: path.stat().st_mtime)
    say(f"{name}: exit {returncode} after {seconds:.0f} s")
    return SnakemakeRun(name, returncode, seconds, log)


# ------------------------------------------------------------------ Snakemake's log of a run

# A job block; inside a group job's listing the blocks are indented.
BLOCK = re.compile(r"^( *)(localrule|rule) (\S+):\n((?:\1    .*\n?)+)", re.MULTILINE)
SUBMITTED = re.compile(r"Job (\S+) has been submitted with SLURM jobid (\d+)")
# A failed job's log files, printed into the run's log (show-failed-logs); the Slurm log in
# there holds the job's own Snakemake output, whose job blocks are not the run's.
FAILED_LOG_DUMP = re.compile(r"^Logfile [^\n]*:\n={80}\n.*?^={80}\n", re.MULTILINE | re.DOTALL)
LOGGED_SLURM_ID = re.compile(r"SLURM_JOB_ID=(\d+)")


@dataclass
class Job:
    """One job of a Snakemake run, as its log tells it."""

    rule: str
    local: bool
    jobid: int
    logs: list[str]
    wildcards: str
    grouped: bool = False  # submitted inside a group job, whose sbatch id its log records
    slurm_ids: list[str] = field(default_factory=list)


@dataclass
class RunLog:
    jobs: list[Job]
    group_submissions: list[str]  # Slurm ids of the group jobs' sbatch calls

    @property
    def submissions(self) -> int:
        return len(self.group_submissions) + sum(len(job.slurm_ids) for job in self.jobs)


def jobs_of_run(log_path: Path) -> RunLog:
    text = FAILED_LOG_DUMP.sub("", log_path.read_text())
    jobs: dict[int, Job] = {}
    for match in BLOCK.finditer(text):
        fields = dict(
            line.strip().split(": ", 1) for line in match.group(4).splitlines()
            if ": " in line
        )
        jobid = int(fields["jobid"])
        logs = [p.strip() for p in fields.get("log", "").split(",") if p.strip()]
        jobs[jobid] = Job(match.group(3), match.group(2) == "localrule", jobid,
                          [p.split(" ")[0] for p in logs], fields.get("wildcards", ""),
                          grouped=bool(match.group(1)))
    groups = []
    for jobid, slurm_id in SUBMITTED.findall(text):
        if jobid.isdigit():
            jobs[int(jobid)].slurm_ids.append(slurm_id)
        else:  # a group job's id
            groups.append(slurm_id)
    return RunLog(list(jobs.values()), groups)


def job_table(jobs: list[Job]) -> list[str]:
    return sorted(
        f"{job.rule}{'(local)' if job.local else ''}"
        + (f"[{job.wildcards}]" if job.wildcards else "")
        + (f" slurm={','.join(job.slurm_ids)}" if job.slurm_ids else "")
        for job in jobs
    )


# --------------------------------------------------------------------- what Slurm recorded


def slurm_job_records() -> dict[str, dict[str, str]]:
    """Every job the controller still knows (MinJobAge keeps finished ones for a day)."""
    output = subprocess.run(["scontrol", "show", "job", "-d", "-o"], capture_output=True,
                            text=True, check=True).stdout
    records = {}
    for line in output.splitlines():
        if not line.startswith("JobId="):
            continue
        record = dict(re.findall(r"(?:^| )([A-Za-z_:]+)=(\S*)", line))
        records[record["JobId"]] = record
    return records


def logged_slurm_id(run_dir: Path, job: Job) -> str | None:
    """The Slurm job id the job's rule log records (its last one: logs are rewritten)."""
    for log in job.logs:
        path = run_dir / log
        found = LOGGED_SLURM_ID.findall(path.read_text()) if path.is_file() else []
        if found:
            return found[-1]
    return None


def check_slurm_run(run_dir: Path, run: RunLog, records: dict) -> list[str]:
    """Problems with how the run's jobs went through Slurm (empty when all is well)."""
    problems = []
    for job in run.jobs:
        label = f"{job.rule}[{job.wildcards}]" if job.wildcards else job.rule
        if job.local:
            if job.slurm_ids:
                problems.append(f"{label}: a local rule was submitted to Slurm")
            continue
        if job.grouped:
            slurm_id = logged_slurm_id(run_dir, job)
            if slurm_id not in run.group_submissions:
                problems.append(f"{label}: its log names Slurm job {slurm_id}, no group job "
                                "of this run")
                continue
            expected_comment = f"rule_{GROUP}"
        elif not job.slurm_ids:
            problems.append(f"{label}: ran without a Slurm job")
            continue
        else:
            slurm_id = job.slurm_ids[-1]
            expected_comment = f"rule_{job.rule}"
        record = records.get(slurm_id)
        if record is None:
            problems.append(f"{label}: Slurm job {slurm_id} unknown to the controller")
            continue
        if record.get("JobState") != "COMPLETED":
            problems.append(f"{label}: Slurm job {slurm_id} is {record.get('JobState')}")
        comment = record.get("Comment", "")
        if comment != expected_comment and not comment.startswith(f"{expected_comment}_"):
            problems.append(f"{label}: Slurm job {slurm_id} is for {comment}")
        gpu_allocated = record.get("JOB_GRES", "(null)").startswith("gpu:1")
        if job.rule in GPU_RULES:
            if not gpu_allocated or record.get("Partition") != "gpu":
                problems.append(
                    f"{label}: Slurm job {slurm_id} got JOB_GRES={record.get('JOB_GRES')} in "
                    f"partition {record.get('Partition')}, not gres gpu:1 in partition gpu"
                )
        elif gpu_allocated:
            problems.append(f"{label}: Slurm job {slurm_id} holds a GPU it did not ask for")
        for log in job.logs:
            text = (run_dir / log).read_text() if (run_dir / log).is_file() else ""
            if f"SLURM_JOB_ID={slurm_id}" not in text:
                problems.append(f"{label}: log {log} does not carry SLURM_JOB_ID={slurm_id}")
    return problems


# --------------------------------------------------------------------- comparing results


def compare_values(a, b, where: str, run_dirs: tuple[str, str]) -> list[str]:
    """Differences between two loaded values (checkpoint dicts, lists, tensors, numbers)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{where}: keys differ ({sorted(set(a) ^ set(b))})"]
        return [
            d for key in a if not TIMING_KEY.search(str(key))
            for d in compare_values(a[key], b[key], f"{where}.{key}", run_dirs)
        ]
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return [f"{where}: lengths {len(a)} and {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True))
                for d in compare_values(x, y, f"{where}[{i}]", run_dirs)]
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        if a.shape != b.shape or a.dtype != b.dtype:
            return [f"{where}: tensor {tuple(a.shape)} {a.dtype} vs {tuple(b.shape)} {b.dtype}"]
        if torch.equal(a, b) or (a.is_floating_point() and torch.equal(a.isnan(), b.isnan())
                                 and torch.equal(a.nan_to_num(), b.nan_to_num())):
            return []
        diff = (a.double() - b.double()).abs().max().item()
        return [f"{where}: tensors differ (max |diff| {diff:.3g})"]
    if isinstance(a, str) and isinstance(b, str):
        a, b = a.replace(run_dirs[0], "<run>"), b.replace(run_dirs[1], "<run>")
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return []
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


def compare_file(local: Path, slurm: Path, run_dirs: tuple[str, str]) -> list[str]:
    name = str(local.relative_to(run_dirs[0]))
    if not slurm.is_file():
        return [f"{name}: missing from the Slurm run"]
    if local.suffix == ".parquet":
        a, b = pd.read_parquet(local), pd.read_parquet(slurm)
        return [] if a.equals(b) else [f"{name}: tables differ"]
    if local.suffix == ".npy":
        a, b = np.load(local), np.load(slurm)
        same = a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        return [] if same else [f"{name}: arrays differ"]
    if local.suffix == ".npz":
        with np.load(local) as a, np.load(slurm) as b:
            if set(a.files) != set(b.files):
                return [f"{name}: keys differ"]
            return [f"{name}:{key}: arrays differ" for key in a.files
                    if not np.array_equal(a[key], b[key])]
    a = torch.load(local, map_location="cpu", weights_only=True)
    b = torch.load(slurm, map_location="cpu", weights_only=True)
    return compare_values(a, b, name, run_dirs)


def compare_results(local_dir: Path, slurm_dir: Path) -> tuple[int, list[str]]:
    """(files compared, differences) over every table, array and model under results/."""
    run_dirs = (str(local_dir), str(slurm_dir))
    files = sorted(
        path for path in (local_dir / "results").rglob("*")
        if path.suffix in COMPARED_SUFFIXES and "resume" not in path.parts
    )
    differences = []
    for path in files:
        found = compare_file(path, slurm_dir / path.relative_to(local_dir), run_dirs)
        differences += found[:MAX_DIFFERENCES_SHOWN]
        if len(found) > MAX_DIFFERENCES_SHOWN:
            differences.append(f"{path.relative_to(local_dir)}: ... and "
                               f"{len(found) - MAX_DIFFERENCES_SHOWN} more differences")
    return len(files), differences


# ------------------------------------------------------------- killing a training job


class TrainingKiller:
    """Cancels the Slurm job of ``rule`` once its log shows ``after_epochs`` epochs."""

    def __init__(self, run_dir: Path, rule: str, log: str, after_epochs: int):
        self.run_dir, self.rule, self.log = run_dir, rule, run_dir / log
        self.after_epochs = after_epochs
        self.cancelled: dict | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self, _process=None) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _running_job(self) -> str | None:
        output = subprocess.run(["squeue", "-h", "-t", "running", "-o", "%i %k"],
                                capture_output=True, text=True).stdout
        for line in output.splitlines():
            slurm_id, _, comment = line.partition(" ")
            if comment == f"rule_{self.rule}":
                return slurm_id
        return None

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            slurm_id = self._running_job()
            if slurm_id is None or not self.log.is_file():
                continue
            text = self.log.read_text()
            if f"SLURM_JOB_ID={slurm_id}" not in text:
                continue  # still the log of an earlier run
            epochs = [int(m.group(1)) for m in EPOCH_LINE.finditer(text)]
            if epochs and max(epochs) >= self.after_epochs:
                subprocess.run(["scancel", slurm_id], check=True)
                self.cancelled = {"slurm_id": slurm_id, "epochs_logged": max(epochs),
                                  "of_epochs": int(EPOCH_LINE.search(text).group(2))}
                say(f"scancel {slurm_id} ({self.rule}) after epoch {max(epochs)}")
                return


# ---------------------------------------------------------------------------- the proof


def new_demo_genome(run_dir: Path) -> str:
    """Append one more bacterium to the copy's demo sheet; returns its genome_id."""
    demo = yaml.safe_load((run_dir / "config" / "demo.yaml").read_text())
    sheet = run_dir / demo["genomes"]
    genomes = pd.read_csv(sheet, sep="\t", dtype=str, keep_default_na=False)
    genome_id = "demo_bacteria_extra"
    row = {"genome_id": genome_id, "organism_name": "synthetic bacterium (added)",
           "organism_type": "bacteria", "taxid": "",
           "source": f"resources/demo/genomes/{genome_id}.fna.gz"}
    pd.concat([genomes, pd.DataFrame([row])]).to_csv(sheet, sep="\t", index=False)
    return genome_id


def check_incremental(jobs: list[Job], genome_id: str) -> list[str]:
    """Per-genome jobs of the run after adding ``genome_id`` must all be that genome's."""
    problems = []
    ran = [job for job in jobs if job.rule == "count_kmers"]
    if len(ran) != 1 or ran[0].wildcards != f"genome_id={genome_id}":
        problems.append(f"count_kmers: ran for {[job.wildcards for job in ran]}, "
                        f"expected genome_id={genome_id} only")
    others = [job for job in jobs if "genome_id=" in job.wildcards
              and job.wildcards != f"genome_id={genome_id}"]
    problems += [f"{job.rule}[{job.wildcards}]: re-ran for an old genome" for job in others]
    return problems


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mediagen-slurm-proof"),
                        help="where the two copies of the workflow run (emptied first)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="config override for both runs, e.g. cvae.epochs=40")
    parser.add_argument("--genomes-per-type", type=int, default=None,
                        help="thin the demo to this many genomes of each organism type")
    parser.add_argument("--quick", action="store_true",
                        help=f"CI's size: {QUICK_GENOMES_PER_TYPE} genomes per type and "
                             f"{', '.join(QUICK_OVERRIDES)} (--set and --genomes-per-type "
                             "still apply on top)")
    parser.add_argument("--kill-after-epochs", type=int, default=3,
                        help="cancel the retraining genome VAE after this many epochs")
    parser.add_argument("--use-running-cluster", action="store_true",
                        help="use the Slurm already running instead of starting one")
    parser.add_argument("--skip-incremental", action="store_true",
                        help="stop after the comparison with the local run")
    args = parser.parse_args(argv)
    if args.quick:
        args.set = [*QUICK_OVERRIDES, *args.set]
        args.genomes_per_type = args.genomes_per_type or QUICK_GENOMES_PER_TYPE
    return args


def prove(args: argparse.Namespace) -> dict:
    overrides: dict = {}
    for item in args.set:
        key, _, value = item.partition("=")
        set_nested(overrides, key, yaml.safe_load(value))
    local_dir, slurm_dir = args.workdir / "local", args.workdir / "slurm"
    for run_dir in (local_dir, slurm_dir):
        prepare_run_dir(run_dir, overrides, args.genomes_per_type)
    summary: dict = {"overrides": overrides, "genomes_per_type": args.genomes_per_type}
    problems: list[str] = []

    # Both runs at once (the Slurm run spends much of its time waiting on status checks),
    # with the same thread count (2), so that training on the CPU is bit-identical.
    slurm_fast = ["--max-threads", "2", "--slurm-init-seconds-before-status-checks", "2",
                  "--latency-wait", "5"]
    with ThreadPoolExecutor(2) as pool:
        local_run = pool.submit(run_snakemake, local_dir, "local", "default", ["--cores", "2"])
        slurm_run = pool.submit(run_snakemake, slurm_dir, "slurm", "slurm", slurm_fast)
        local, on_slurm = local_run.result(), slurm_run.result()
    summary["seconds"] = {"local": round(local.seconds), "slurm": round(on_slurm.seconds)}
    for run in (local, on_slurm):
        if run.returncode != 0:
            problems.append(f"{run.name} run failed (exit {run.returncode}); see {run.log}")
    run_log = jobs_of_run(on_slurm.log)
    jobs = run_log.jobs
    records = slurm_job_records()
    slurm_problems = check_slurm_run(slurm_dir, run_log, records)
    gpu_jobs = {
        job.rule: {key: records[job.slurm_ids[-1]].get(key)
                   for key in ("JobId", "Partition", "TresPerJob", "JOB_GRES", "JobState")}
        for job in jobs if job.rule in GPU_RULES and job.slurm_ids
        and job.slurm_ids[-1] in records
    }
    counted = [job for job in jobs if job.rule == "count_kmers"]
    summary["slurm_run"] = {
        "jobs": len(jobs),
        "submitted_to_slurm": sum(1 for job in jobs if job.slurm_ids or job.grouped),
        "sbatch_submissions": run_log.submissions,
        "group_submissions": len(run_log.group_submissions),
        "genomes_counted": len(counted),
        "local_jobs": sorted({job.rule for job in jobs if job.local}),
        "jobs_per_rule": pd.Series([job.rule for job in jobs]).value_counts().to_dict(),
        "gpu_jobs": gpu_jobs,
        "problems": slurm_problems,
    }
    problems += slurm_problems
    say(f"slurm run: {len(jobs)} jobs, {summary['slurm_run']['submitted_to_slurm']} through "
        f"Slurm in {run_log.submissions} sbatch calls ({len(counted)} genomes counted in "
        f"{len(run_log.group_submissions)} group jobs), {len(slurm_problems)} problems")
    for rule, record in gpu_jobs.items():
        say(f"  {rule}: {record}")

    compared, differences = compare_results(local_dir, slurm_dir)
    summary["comparison"] = {"files_compared": compared, "differences": differences}
    problems += differences
    say(f"local vs slurm: {compared} files compared, {len(differences)} differ")

    if not args.skip_incremental and on_slurm.returncode == 0:
        genome_id = new_demo_genome(slurm_dir)
        killer = TrainingKiller(slurm_dir, KILLED_RULE, f"results/logs/{KILLED_RULE}.log",
                                args.kill_after_epochs)
        added = run_snakemake(slurm_dir, "slurm_add_genome", "slurm",
                              [*slurm_fast, "--retries", "0"], on_start=killer.start)
        killer.stop()
        rerun = run_snakemake(slurm_dir, "slurm_resume", "slurm", slurm_fast)
        added_log, rerun_log = jobs_of_run(added.log), jobs_of_run(rerun.log)
        added_jobs, rerun_jobs = added_log.jobs, rerun_log.jobs
        killed_log = (slurm_dir / f"results/logs/{KILLED_RULE}.log").read_text()
        resumed = RESUMED_LINE.findall(killed_log)
        epochs_after = [int(m.group(1)) for m in EPOCH_LINE.finditer(
            killed_log.split("resuming from epoch", 1)[-1])]
        incremental_problems = check_incremental(added_jobs + rerun_jobs, genome_id)
        if killer.cancelled is None:
            incremental_problems.append(f"{KILLED_RULE} finished before it could be cancelled")
        elif added.returncode == 0:
            incremental_problems.append("the run with the cancelled job did not fail")
        if rerun.returncode != 0:
            incremental_problems.append(f"the re-run failed (exit {rerun.returncode})")
        if not resumed or int(resumed[-1]) < 1:
            incremental_problems.append(f"{KILLED_RULE} did not resume from a saved epoch")
        elif not epochs_after or epochs_after[0] != int(resumed[-1]) + 1:
            incremental_problems.append(f"{KILLED_RULE} resumed from epoch {resumed[-1]} but "
                                        f"went on with epoch {epochs_after[:1]}")
        incremental_problems += check_slurm_run(slurm_dir, rerun_log, slurm_job_records())
        summary["incremental"] = {
            "added_genome": genome_id,
            "jobs_after_adding": job_table(added_jobs),
            "jobs_of_rerun": job_table(rerun_jobs),
            "cancelled": killer.cancelled,
            "resumed_from_epoch": int(resumed[-1]) if resumed else None,
            "first_epoch_after_resume": epochs_after[0] if resumed and epochs_after else None,
            "seconds": {"add_genome": round(added.seconds), "rerun": round(rerun.seconds)},
            "problems": incremental_problems,
        }
        problems += incremental_problems
        say(f"after adding {genome_id}: {len(added_jobs)} jobs, re-run: {len(rerun_jobs)} "
            f"jobs; cancelled {killer.cancelled}; resumed from epoch "
            f"{summary['incremental']['resumed_from_epoch']}")
        for line in job_table(added_jobs):
            say(f"  added:  {line}")
        for line in job_table(rerun_jobs):
            say(f"  re-run: {line}")
    summary["problems"] = problems
    return summary


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        print("check_demo_on_slurm.py: the Slurm executor plugin is missing; "
              f"run {VENV_BIN / 'pip'} install snakemake-executor-plugin-slurm", file=sys.stderr)
        return 1
    if os.geteuid() != 0 and not args.use_running_cluster:
        print("check_demo_on_slurm.py: starting Slurm needs root", file=sys.stderr)
        return 1
    args.workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if not args.use_running_cluster:
        subprocess.run([HERE / "start_cluster.sh"], check=True)
    try:
        summary = prove(args)
    finally:
        if not args.use_running_cluster:
            subprocess.run([HERE / "stop_cluster.sh"], check=False)
    summary["seconds"]["total"] = round(time.monotonic() - started)
    (args.workdir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    for problem in summary["problems"]:
        say(f"PROBLEM: {problem}")
    verdict = "FAILED" if summary["problems"] else "passed"
    say(f"Slurm proof {verdict} in {summary['seconds']['total']} s; "
        f"summary in {args.workdir / 'summary.json'}")
    return 1 if summary["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
