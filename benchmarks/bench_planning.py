"""How long does Snakemake take to plan the whole chain for thousands of genomes?

Writes a genome sheet of ``--genomes`` genomes (default 5,000; local sources, all one small
FASTA file, which planning never reads) and a growth sheet, then times a dry run of the
whole chain (the default target: downloads, counting, the genome VAE, the media models, the
report) in a fresh working directory:

    snakemake -n --cores 2 --configfile plan.yaml

It prints the wall time and the CPU time of the dry run (user + system, from
``getrusage(RUSAGE_CHILDREN)``), the jobs it planned, and the load average, since the machine
may be shared. ``--quiet`` adds a second dry run that does not print every job (``-q``): the
difference is the printing.

    .venv/bin/python benchmarks/bench_planning.py --genomes 5000
"""

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
TYPES = ("bacteria", "archaea", "fungi", "protist")


def prepare(workdir: Path, n_genomes: int) -> None:
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    for part in ("Snakefile", "workflow", "config", "envs", "profiles"):
        (workdir / part).symlink_to(REPO / part)
    (workdir / "one.fna").write_text(">one\n" + "ACGT" * 5000 + "\n")
    genomes = ["genome_id\torganism_name\torganism_type\ttaxid\tsource"]
    growth = ["genome_id\tmedia_id\tgrowth\tconfidence\tsource"]
    for i in range(n_genomes):
        genome_id = f"g{i:05d}"
        genomes.append(f"{genome_id}\tGenus{i % 300} species{i}\t{TYPES[i % 4]}\t\tone.fna")
        growth.append(f"{genome_id}\t1\ttrue\t1.0\tplanning benchmark")
    (workdir / "genomes.tsv").write_text("\n".join(genomes) + "\n")
    (workdir / "growth.tsv").write_text("\n".join(growth) + "\n")
    (workdir / "plan.yaml").write_text(
        "genomes: genomes.tsv\ngrowth: growth.tsv\nmediadive:\n  base_url: config/demo/mediadive\n")


def dry_run(workdir: Path, *extra: str) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run([SNAKEMAKE, "-n", "--cores", "2", *extra, "--configfile",
                             "plan.yaml"], cwd=workdir, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"dry run failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    total = re.search(r"^total\s+(\d+)", result.stdout + result.stderr, re.MULTILINE)
    return {"wall_s": round(wall, 1),
            "cpu_s": round(after.ru_utime - before.ru_utime + after.ru_stime
                           - before.ru_stime, 1),
            "jobs": int(total.group(1)) if total else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--genomes", type=int, default=5000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mediagen-planning"))
    parser.add_argument("--quiet", action="store_true", help="also time a dry run with -q")
    args = parser.parse_args()
    prepare(args.workdir, args.genomes)
    print(f"load average before: {os.getloadavg()}", flush=True)
    print(f"snakemake -n, {args.genomes} genomes: {dry_run(args.workdir)}", flush=True)
    if args.quiet:
        print(f"snakemake -n -q, {args.genomes} genomes: {dry_run(args.workdir, '-q')}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
