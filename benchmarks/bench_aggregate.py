"""How cheap is aggregate_profiles over thousands of genomes?

Generates per-genome k-mer count files in the count_kmers format
(``results/kmers/{genome_id}.npz``, written by ``mediagen.kmers.profile.write_counts_npz``)
for ``--genomes`` genomes (default 2,000). ``--distinct`` synthetic genomes (default 200)
are counted for real arrays: 8-mer counts drawn from a composition with its own GC
content per genome, every other count folded from them, so the files hold what
count_kmers writes and compress like it; the other files are copies of these (writing
a compressed npz costs more than reading it, and the aggregation's cost is per file).
No window files are made: aggregation reads only the npz files, never the genome VAE's
windows.

Then, each in a fresh process, on the same files and for the same tables
(profiles.parquet plus the configured methods):

- streaming: ``mediagen.kmers.aggregate.aggregate_profiles``, the rule's code: one file open
  at a time, only the arrays the tables need, rows written into preallocated matrices;
- load-all: the peer, loading every file's arrays into memory first, then building the
  same tables.

It prints wall time and peak resident memory (above the process's memory after imports)
for both, and the ratios, and checks that both wrote identical tables.

    .venv/bin/python benchmarks/bench_aggregate.py [--genomes 2000] [--workdir DIR]
"""

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat
from pathlib import Path

import numpy as np
from mediagen.kmers.aggregate import aggregate_profiles
from mediagen.kmers.embedding_methods import METHOD_DIMS, embed_counts, method_column_names
from mediagen.kmers.embedding_table import read_embedding_table, write_embedding_table
from mediagen.kmers.profile import NPZ_KEYS, GenomeCounts, fold_canonical, write_counts_npz

DEFAULT_METHODS = ("kmer_64", "kmer_128", "stats")  # config/config.yaml kmers.methods
BASES = 4


def synthetic_counts(rng: np.random.Generator) -> GenomeCounts:
    """Counts of one genome of 0.5 to 8 Mb whose GC content lies between 25 and 75 %."""
    length = int(rng.uniform(0.5e6, 8e6))
    gc = rng.uniform(0.25, 0.75)
    base = np.array([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2])
    p8 = base
    for _ in range(7):
        p8 = np.outer(p8, base).ravel()
    p8 = p8 * rng.lognormal(0.0, 0.3, p8.size)  # oligonucleotide bias
    all8 = rng.multinomial(length - 7, p8 / p8.sum())

    def plain(k: int) -> np.ndarray:
        return all8.reshape(BASES**k, -1).sum(axis=1)

    bases = plain(1)
    return GenomeCounts(
        counts7=fold_canonical(plain(7), 7),
        counts4=fold_canonical(plain(4), 4),
        counts3=fold_canonical(plain(3), 3),
        all4=plain(4),
        all6=plain(6),
        all8=all8,
        n_acgt=int(bases.sum()),
        n_gc=int(bases[1] + bases[2]),
        n_ambiguous=int(rng.integers(0, 1000)),
        n_records=int(rng.integers(1, 50)),
        n_short_contigs=0,
        n_short_contig_bases=0,
    )


def write_synthetic(path: Path, seed: int, index: int) -> None:
    write_counts_npz(path, synthetic_counts(np.random.default_rng([seed, index])))


def generate(counts_dir: Path, n_genomes: int, distinct: int, seed: int = 1) -> list[Path]:
    """``n_genomes`` npz files in counts_dir (reused when already there)."""
    counts_dir.mkdir(parents=True, exist_ok=True)
    paths = [counts_dir / f"genome_{i:05d}.npz" for i in range(n_genomes)]
    distinct = min(distinct, n_genomes)
    started = time.perf_counter()
    missing = [(path, i) for i, path in enumerate(paths[:distinct]) if not path.is_file()]
    with ProcessPoolExecutor() as pool:
        list(pool.map(write_synthetic, [p for p, _ in missing], repeat(seed),
                      [i for _, i in missing]))
    for i, path in enumerate(paths[distinct:], distinct):
        if not path.is_file():
            shutil.copyfile(paths[i % distinct], path)
    print(f"{n_genomes} count files ({distinct} distinct) ready in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    return paths


def load_all(count_paths: list[Path], profiles_path: Path, method_paths: dict) -> None:
    """The peer: every file's arrays in memory first, then the same tables."""
    genomes = []
    for path in count_paths:
        with np.load(path) as npz:
            genomes.append({key: npz[key] for key in NPZ_KEYS})
    tables = {"profile": profiles_path, **method_paths}
    genome_ids = [path.stem for path in count_paths]
    for method, path in tables.items():
        dtype = np.float64 if method in ("profile", "stats") else np.float32
        matrix = np.stack([embed_counts(method, g) for g in genomes]).astype(dtype)
        write_embedding_table(path, genome_ids, matrix, method, list(method_column_names(method)))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(approach: str, counts_dir: Path, out_dir: Path, methods: list[str]) -> None:
    """In a fresh process: aggregate with one approach, print a JSON line of figures."""
    count_paths = sorted(counts_dir.glob("*.npz"))
    out_dir.mkdir(parents=True, exist_ok=True)
    method_paths = {method: out_dir / f"{method}.parquet" for method in methods}
    baseline = peak_rss_mb()
    started = time.perf_counter()
    function = aggregate_profiles if approach == "streaming" else load_all
    function(count_paths, out_dir / "profiles.parquet", method_paths)
    seconds = time.perf_counter() - started
    print(json.dumps({"approach": approach, "seconds": seconds, "peak_rss_mb": peak_rss_mb(),
                      "baseline_rss_mb": baseline}))


def measure(approach: str, counts_dir: Path, out_dir: Path, methods: list[str]) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--run", approach, "--counts-dir", str(counts_dir),
         "--out-dir", str(out_dir), "--methods", *methods],
        capture_output=True, text=True, check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def same_tables(a_dir: Path, b_dir: Path, methods: list[str]) -> bool:
    for name in ["profiles", *methods]:
        ids_a, matrix_a, meta_a = read_embedding_table(a_dir / f"{name}.parquet")
        ids_b, matrix_b, meta_b = read_embedding_table(b_dir / f"{name}.parquet")
        if ids_a != ids_b or meta_a != meta_b or not np.array_equal(matrix_a, matrix_b):
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--genomes", type=int, default=2000)
    parser.add_argument("--distinct", type=int, default=200,
                        help="synthetic genomes generated; the other files copy them")
    parser.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS),
                        choices=sorted(set(METHOD_DIMS) - {"profile"}))
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep the generated files here (default: a temporary folder)")
    parser.add_argument("--run", choices=("streaming", "load-all"), help=argparse.SUPPRESS)
    parser.add_argument("--counts-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run:
        run_one(args.run, args.counts_dir, args.out_dir, args.methods)
        return

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench_aggregate_"))
    try:
        counts_dir = workdir / "kmers"
        paths = generate(counts_dir, args.genomes, args.distinct)
        on_disk = sum(path.stat().st_size for path in paths) / 1e6
        tables = ["profile", *args.methods]
        table_mb = args.genomes * sum(
            METHOD_DIMS[m] * (8 if m in ("profile", "stats") else 4) for m in tables) / 1e6
        print(f"{args.genomes} genomes, {on_disk:.0f} MB of npz files; tables {tables} "
              f"hold {table_mb:.0f} MB of values")
        results = {
            approach: measure(approach, counts_dir, workdir / approach, args.methods)
            for approach in ("streaming", "load-all")
        }
        print(f"{'approach':<10} {'seconds':>8} {'peak RSS MB':>12} {'above imports MB':>17}")
        for approach, r in results.items():
            print(f"{approach:<10} {r['seconds']:>8.1f} {r['peak_rss_mb']:>12.0f} "
                  f"{r['peak_rss_mb'] - r['baseline_rss_mb']:>17.0f}")
        stream, peer = results["streaming"], results["load-all"]
        stream_mb = max(1.0, stream["peak_rss_mb"] - stream["baseline_rss_mb"])
        peer_mb = peer["peak_rss_mb"] - peer["baseline_rss_mb"]
        print(f"load-all / streaming: time x{peer['seconds'] / stream['seconds']:.2f}, "
              f"memory above imports x{peer_mb / stream_mb:.1f}")
        print(f"per genome (streaming): {1000 * stream['seconds'] / args.genomes:.1f} ms")
        identical = same_tables(workdir / "streaming", workdir / "load-all", args.methods)
        print(f"tables identical: {identical}")
        if not identical:
            sys.exit(1)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
