"""What does a genome cost the workflow, fixed costs included?

Runs the real workflow on ``--genomes`` local genome files (default 100) from an empty
working directory, up to the per-genome stages and their aggregation:

    snakemake --cores C results/embeddings/profiles.parquet <every genome's window file>

that is ``download_genome`` (check and gzip the local FASTA), ``count_kmers`` (counts and
window profiles) for every genome, and ``aggregate_profiles`` once. It prints the whole
run's CPU time (user + system of Snakemake and everything it started, from
``getrusage(RUSAGE_CHILDREN)``) divided by the genomes, beside the wall time, the
genomes' mean size and the CPU the jobs' own threads spent (from their logs): the
difference is Snakemake's own work and the aggregation.

The genomes are the FASTA files given (``--fasta``, plain or gzip; for example real
genomes unpacked from Debian's kleborate-examples), each used for several genome ids when
fewer files than genomes are given; ``--truncate`` cuts copies to sizes spread between the
given bounds, for a range of genome sizes. A peer run with ``--peer-processes`` runs the same
workflow with a process per job (``--workflow-profile none``: Snakemake starts a process of
its own for every run: job), on the same genomes and machine.

    .venv/bin/python benchmarks/bench_genome_jobs.py --fasta /tmp/genomes/*.fna --genomes 100
"""

import argparse
import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from mediagen.rule_job import THREAD_JOB_DONE_LINE

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
CONFIG = """\
genomes: sheet.tsv
growth: growth.tsv
kmers:
  min_genome_length: 10000
  window_length: 5000
  window_stride: 5000
  methods: [kmer_64, kmer_128, stats]
"""


def read_fasta(path: Path) -> bytes:
    with open(path, "rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as handle:
        return handle.read()


def truncated(fasta: bytes, size: int) -> bytes:
    """The first ``size`` bytes of a FASTA file, cut at a line end."""
    if len(fasta) <= size:
        return fasta
    return fasta[: fasta.rindex(b"\n", 0, size) + 1]


def prepare(workdir: Path, fastas: list[Path], n_genomes: int, sizes: tuple[int, int] | None,
            with_profile: bool) -> list[str]:
    """A fresh working directory with the workflow and a sheet of ``n_genomes`` genomes."""
    if workdir.exists():
        shutil.rmtree(workdir)
    (workdir / "genomes").mkdir(parents=True)
    for part in ("Snakefile", "workflow", "config", "envs") + (("profiles",) if with_profile
                                                                 else ()):
        (workdir / part).symlink_to(REPO / part)
    texts = [read_fasta(path) for path in fastas]
    rows = ["genome_id\torganism_name\torganism_type\ttaxid\tsource"]
    for i in range(n_genomes):
        text = texts[i % len(texts)]
        if sizes:
            text = truncated(text, sizes[0] + (sizes[1] - sizes[0]) * i // max(1, n_genomes - 1))
        path = workdir / "genomes" / f"g{i:05d}.fna"
        path.write_bytes(text)
        rows.append(f"g{i:05d}\tGenus{i % 7} species{i}\tbacteria\t\tgenomes/g{i:05d}.fna")
    (workdir / "sheet.tsv").write_text("\n".join(rows) + "\n")
    (workdir / "growth.tsv").write_text("genome_id\tmedia_id\tgrowth\tconfidence\tsource\n")
    (workdir / "bench.yaml").write_text(CONFIG)
    return [f"g{i:05d}" for i in range(n_genomes)]


def run(workdir: Path, genome_ids: list[str], cores: int, extra: list[str]) -> dict:
    targets = ["results/embeddings/profiles.parquet",
               *(f"results/kmers/windows/{g}.npy" for g in genome_ids)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(workdir / "snakemake.log", "w") as log:
        result = subprocess.run([SNAKEMAKE, *targets, "--cores", str(cores), *extra,
                                 "--configfile", "bench.yaml"], cwd=workdir, stdout=log,
                                stderr=subprocess.STDOUT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"snakemake failed (exit {result.returncode}); see {workdir / 'snakemake.log'}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    thread_cpu = {}
    for rule in ("download_genome", "count_kmers"):
        found = [THREAD_JOB_DONE_LINE.search(p.read_text()) for p in
                 (workdir / "results" / "logs" / rule).glob("*.log")]
        thread_cpu[rule] = sum(float(m.group(2)) for m in found if m)
    n = len(genome_ids)
    mean_mb = sum((workdir / "genomes" / f"{g}.fna").stat().st_size
                  for g in genome_ids) / n / 1e6
    return {"genomes": n, "mean_genome_mb": round(mean_mb, 2), "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1), "cpu_per_genome_s": round(cpu / n, 3),
            "job_thread_cpu_per_genome_s": {r: round(v / n, 3) for r, v in thread_cpu.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fasta", type=Path, nargs="+", required=True)
    parser.add_argument("--genomes", type=int, default=100)
    parser.add_argument("--truncate", type=float, nargs=2, metavar=("MIN_MB", "MAX_MB"),
                        help="cut the copies to sizes spread between these bounds")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mediagen-genome-jobs"))
    parser.add_argument("--peer-processes", type=int, default=0, metavar="N",
                        help="also run N genomes with a process per job (slow)")
    args = parser.parse_args()
    sizes = tuple(int(mb * 1e6) for mb in args.truncate) if args.truncate else None
    print(f"load average before: {os.getloadavg()}", flush=True)
    figures = {}
    genome_ids = prepare(args.workdir / "threads", args.fasta, args.genomes, sizes, True)
    figures["in Snakemake's threads (profiles/default)"] = run(
        args.workdir / "threads", genome_ids, args.cores, [])
    if args.peer_processes:
        genome_ids = prepare(args.workdir / "processes", args.fasta, args.peer_processes,
                             sizes, False)
        figures["a process per job (no profile)"] = run(
            args.workdir / "processes", genome_ids, args.cores, ["--workflow-profile", "none"])
    print(f"load average after: {os.getloadavg()}")
    for name, figure in figures.items():
        print(f"{name}: {json.dumps(figure)}")


if __name__ == "__main__":
    main()
