"""What does ``mediagen profile genome.fna -o out.parquet`` cost for one small genome?

Counting a few Mb takes milliseconds; the rest of the command's wall time is fixed cost:
starting the interpreter, importing, loading the numba kernels from their cache and
writing the 8,363-column Parquet table. This prints, for one synthetic genome
(``--megabases``, default 2):

- the command's wall time, median and best of ``--runs`` fresh processes, beside peers run
  in turn with it (so a busy machine slows all alike): ``python -c pass``, ``python -c
  "import numpy"`` (the floor), a process that only imports the command's module and,
  with ``--peer-package FOLDER`` (the folder holding another version of the mediagen
  package, for example a ``git archive`` of an earlier commit), the same command run on it;
- the same work's phases, measured inside one process: imports, the first profile (kernel
  loading plus counting), a second profile (counting alone), the write, and the process's
  exit, with and without the ``gc.freeze()`` that ``mediagen`` makes before it ends;
- which kernels numba loaded from its cache and which it compiled (none, once warm);
- ``python -X importtime`` of the command, summed per top-level package.

    .venv/bin/python benchmarks/bench_profile_command.py [--megabases 2] [--runs 15]
        [--peer-package /tmp/old/workflow/scripts]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench_profile import synthetic_genome

PYTHON = sys.executable
MEDIAGEN = str(Path(PYTHON).with_name("mediagen"))

PHASES = """
import gc, sys, time
started = time.perf_counter()
from mediagen.commands import profile
from mediagen.kmers.embedding_table import write_embedding_table
from mediagen.kmers.layout import profile_column_names
from mediagen.kmers.profile import read_genome_profile
imported = time.perf_counter()
read_genome_profile(sys.argv[1], min_length=1)
first = time.perf_counter()
row = read_genome_profile(sys.argv[1], min_length=1)
second = time.perf_counter()
write_embedding_table(sys.argv[2], ["g"], row[None], "profile", profile_column_names())
written = time.perf_counter()
if sys.argv[3] == "freeze":
    gc.freeze()  # as mediagen's main does before its process ends
print(imported - started, first - imported, second - first, written - second, time.time())
"""
PHASE_NAMES = ("imports", "first profile (kernel load + count)", "second profile (count)",
               "write the table", "exit", "exit without gc.freeze")


def phase_seconds(fasta: Path, out: Path) -> list[float]:
    """The phases of one process that profiles ``fasta``, and the exits of two."""
    seconds = []
    for freeze in ("freeze", "no"):
        run = subprocess.run([PYTHON, "-c", PHASES, str(fasta), str(out), freeze],
                             check=True, capture_output=True, text=True)
        exited = time.time()
        *phases, ended = map(float, run.stdout.split())
        seconds.append(exited - ended)
    return [*phases, *seconds]


def wall(command: list[str], package: Path | None = None) -> float:
    """Seconds one run of ``command`` takes, on the mediagen ``package`` folder if given."""
    env = {**os.environ, "PYTHONPATH": str(package)} if package else None
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=env)
    return time.perf_counter() - started


def cached_kernels(command: list[str]) -> tuple[list[str], list[str]]:
    """The kernels numba loaded from its cache and those it compiled, in one run."""
    run = subprocess.run(command, check=True, capture_output=True, text=True,
                         env={**os.environ, "NUMBA_DEBUG_CACHE": "1"})
    lines = run.stdout + run.stderr
    kernel = r"\[cache\] data {} .*?kernels\.(\w+)-"
    return (re.findall(kernel.format("loaded from"), lines),
            re.findall(kernel.format("saved to"), lines))


def import_seconds(command: list[str]) -> dict[str, float]:
    """``-X importtime`` self times of the Python script ``command``, summed per top-level
    package, in seconds."""
    run = subprocess.run([PYTHON, "-X", "importtime", *command], check=True,
                         capture_output=True, text=True)
    totals: dict[str, float] = defaultdict(float)
    for line in run.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s+([\w.]+)", line)
        if match:
            totals[match.group(2).split(".")[0]] += int(match.group(1)) / 1e6
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabases", type=float, default=2.0)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--peer-package", type=Path,
                        help="a folder holding another version of the mediagen package")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        fasta, out = Path(tmp) / "genome.fna", Path(tmp) / "out.parquet"
        fasta.write_bytes(synthetic_genome(args.megabases))
        command = [MEDIAGEN, "profile", str(fasta), "-o", str(out), "--min-length", "1"]
        peers = {
            "python -c pass": ([PYTHON, "-c", "pass"], None),
            "python -c 'import numpy'": ([PYTHON, "-c", "import numpy"], None),
            "import the command only": ([PYTHON, "-c", "import mediagen.commands.profile"],
                                        None),
            "mediagen profile": (command, None),
        }
        if args.peer_package:
            peers["mediagen profile, peer package"] = (command, args.peer_package)
            wall(command, args.peer_package)  # its kernels into numba's cache, as below
        wall(command)  # compiles the kernels into numba's cache if they are not there yet
        walls: dict[str, list[float]] = {name: [] for name in peers}
        phases = []
        for _ in range(args.runs):  # in turn, so a busy moment slows every peer alike
            for name, (peer, package) in peers.items():
                walls[name].append(wall(peer, package))
            phases.append(phase_seconds(fasta, out))
        loaded, compiled = cached_kernels(command)
        imports = import_seconds(command)

    print(f"one genome of {args.megabases:g} Mb, {args.runs} runs of each, in turn; seconds; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'':<32}{'median':>8}{'best':>8}")
    for name, times in walls.items():
        print(f"{name:<32}{statistics.median(times):>8.3f}{min(times):>8.3f}")
    floor = statistics.median(walls["python -c 'import numpy'"])
    print(f"command above the numpy floor (medians): "
          f"{statistics.median(walls['mediagen profile']) - floor:.3f}")

    print("\nphases inside one process (median, best):")
    for name, times in zip(PHASE_NAMES, zip(*phases, strict=True), strict=True):
        print(f"  {name:<38}{statistics.median(times):>7.3f}{min(times):>7.3f}")

    print(f"\nnumba kernels loaded from the cache: {', '.join(loaded) or 'none'}; "
          f"compiled: {', '.join(compiled) or 'none'}")

    print("\nimport time per package (-X importtime self times, one run):")
    ranked = sorted(imports.items(), key=lambda item: -item[1])
    for package, seconds in ranked[:10]:
        print(f"  {package:<20}{seconds:>7.3f}")
    print(f"  {'others':<20}{sum(seconds for _, seconds in ranked[10:]):>7.3f}")
    print(f"  {'total':<20}{sum(imports.values()):>7.3f}")


if __name__ == "__main__":
    main()
