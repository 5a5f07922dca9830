"""How fast is a genome file turned into its 8,362-field profile, next to jellyfish and KMC?

Builds a synthetic multi-record genome (default 20 Mb, 80-column lines, some N
runs and soft-masked stretches), writes it as .fna and .fna.gz, and times on one
thread:

- mediagen: file -> 8,362 fields (``read_genome_profile``), from .fna and .fna.gz,
  and the count_kmers rule's counts (``count_genome``, 8-mers included);
- jellyfish: ``jellyfish count -C`` for k = 7, 4 and 3 (three passes, the same
  canonical k-mers the profile holds), from .fna and from zcat of the .fna.gz;
- KMC: ``kmc -k7/-k4/-k3 -ci1`` on the same files.

Rates are MB of uncompressed FASTA per CPU second (the machine may be shared, so
CPU time is the fair per-core figure; wall-clock rates are printed beside them);
each figure is the best of ``--repeats``. jellyfish reads the .fna.gz through zcat,
whose CPU time counts too.
A tool that is not installed is skipped with a note
(``apt-get install jellyfish kmc``).

    .venv/bin/python benchmarks/bench_profile.py [--megabases 20] [--repeats 3]
"""

import argparse
import resource
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from isal import igzip
from mediagen.kmers.profile import count_genome, read_genome_profile

KS = (7, 4, 3)


def synthetic_genome(megabases: float, seed: int = 1) -> bytes:
    """A FASTA with a few records, 80-column lines, N runs and lower-case stretches."""
    rng = np.random.default_rng(seed)
    length = int(megabases * 1e6)
    sequence = np.frombuffer(b"ACGT", np.uint8)[rng.choice(4, length, p=[0.3, 0.2, 0.2, 0.3])]
    for start in rng.integers(0, length - 500, 200):
        sequence[start : start + rng.integers(1, 500)] = ord("N")
    for start in rng.integers(0, length - 5000, 200):
        sequence[start : start + 5000] |= 0x20  # soft-masked: lower case
    cuts = np.sort(rng.choice(length, 9, replace=False))
    parts = []
    for number, record in enumerate(np.split(sequence, cuts)):
        lines = [record[i : i + 80].tobytes() for i in range(0, len(record), 80)]
        parts.append(b">contig_%d synthetic\n" % number + b"\n".join(lines) + b"\n")
    return b"".join(parts)


@dataclass
class Timing:
    wall: float
    cpu: float


def best_of(function, cpu_clock, repeats: int) -> Timing:
    """The best wall and CPU seconds of ``repeats`` calls (each judged on its own)."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), cpu_clock()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(cpu_clock() - cpu)
    return Timing(min(walls), min(cpus))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_quiet(command: str) -> None:
    subprocess.run(command, shell=True, check=True, capture_output=True, executable="/bin/bash")


def jellyfish_passes(fasta: Path, work: Path):
    reader = f"zcat {fasta} |" if fasta.suffix == ".gz" else f"cat {fasta} |"

    def count() -> None:
        for k in KS:
            run_quiet(f"{reader} jellyfish count -m {k} -C -s 100k -t 1 -o {work}/jf{k} /dev/stdin")

    return count


def kmc_passes(fasta: Path, work: Path):
    def count() -> None:
        for k in KS:
            run_quiet(f"kmc -k{k} -ci1 -cs4294967295 -t1 -fm {fasta} {work}/kmc{k} {work}")

    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabases", type=float, default=20.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        text = synthetic_genome(args.megabases)
        fna = work / "genome.fna"
        fna.write_bytes(text)
        fna_gz = work / "genome.fna.gz"
        fna_gz.write_bytes(igzip.compress(text, compresslevel=2))
        size_mb = len(text) / 1e6
        print(
            f"genome: {size_mb:.1f} MB FASTA, {fna_gz.stat().st_size / 1e6:.1f} MB gzip; "
            f"best of {args.repeats}; one thread each; MB/s of FASTA per CPU second"
        )
        read_genome_profile(fna, min_length=1)  # load the compiled kernels before timing
        count_genome(fna, min_length=1)

        timings: dict[tuple[str, str], Timing] = {}
        for label, path in (("fna", fna), ("fna.gz", fna_gz)):
            timings["mediagen profile", label] = best_of(
                lambda path=path: read_genome_profile(path, min_length=1),
                time.process_time, args.repeats,
            )
            timings["mediagen counts", label] = best_of(
                lambda path=path: count_genome(path, min_length=1),
                time.process_time, args.repeats,
            )
            for tool, passes in (("jellyfish", jellyfish_passes), ("kmc", kmc_passes)):
                if shutil.which(tool) is None:
                    print(f"{tool}: not installed, skipped (apt-get install {tool})")
                    continue
                timings[tool, label] = best_of(passes(path, work), children_cpu, args.repeats)

        print(f"{'':<18}{'input':<8}{'wall s':>8}{'cpu s':>8}{'MB/s':>8}{'wall MB/s':>11}"
              f"{'x profile':>11}")
        for (tool, label), timing in timings.items():
            ratio = timing.cpu / timings["mediagen profile", label].cpu
            print(
                f"{tool:<18}{label:<8}{timing.wall:>8.3f}{timing.cpu:>8.3f}"
                f"{size_mb / timing.cpu:>8.1f}{size_mb / timing.wall:>11.1f}{ratio:>10.1f}x"
            )
        print(
            "mediagen profile: file -> 8,362 fields; mediagen counts: the count_kmers rule's "
            "counts (8-mers too).\nx profile: CPU time relative to mediagen profile on the "
            "same input; jellyfish and KMC count k = 7, 4, 3 in three passes."
        )


if __name__ == "__main__":
    main()
