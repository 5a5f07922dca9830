"""Which genome embedding ranks media best? The ranking model trained and judged per method.

Takes a finished workflow run (for example the MediaDive world benchmark's ``OUT/run``):
its dataset (the split by species and genus), its catalog and the embedding tables it wrote
under results/embeddings/. For every method with a table (kmer_64, kmer_128, kmer_256,
stats, vae, ...), it trains the ranking model on the same training genomes with the run's
ranking settings and scores it, and the baselines in that method's genome space, on the
held-out species of genera seen in training (and on whole unseen genera). The ranking
model is trained ``--seeds`` times (its members' initialisation and bootstrap samples
change; the split does not), so a difference between methods can be told from the spread
of one method's seeds. Prints the table and writes ``OUT/methods.tsv`` (split, embedding,
method, n_species, top1, top5, mean_rank, jaccard: means over the seeds; top1_sd, top5_sd:
their standard deviations).

    .venv/bin/python benchmarks/compare_embeddings.py --run /tmp/world2000/run \\
        --out /tmp/world2000
"""

import argparse
import dataclasses
import time
from pathlib import Path

import pandas as pd
import torch
import yaml
from mediagen.ranking.data import load_ranking_data
from mediagen.ranking.evaluate import evaluate_ranking
from mediagen.ranking.train import RankerSettings, train_ranker

METHODS = ("kmer_64", "kmer_128", "kmer_256", "stats", "profile", "vae")


def table_of(results: Path, method: str) -> Path:
    name = "profiles.parquet" if method == "profile" else f"{method}.parquet"
    return results / "embeddings" / name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=Path, required=True, help="a finished workflow folder")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--methods", nargs="*", default=list(METHODS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=3, help="ranking models per method")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    results = args.run / "results"
    config = yaml.safe_load((args.run / "config" / "config.yaml").read_text())
    settings = RankerSettings.from_config({**config["ranking"], "device": "cpu"},
                                          int(config["seed"]))
    rows = []
    args.out.mkdir(parents=True, exist_ok=True)
    for method in args.methods:
        table = table_of(results, method)
        if not table.is_file():
            print(f"{method}: no table {table}, skipped")
            continue
        started = time.perf_counter()
        for seed in range(settings.seed, settings.seed + args.seeds):
            ranker = train_ranker(results / "datasets" / "cvae", table,
                                  results / "catalog" / "media.parquet",
                                  args.out / f"ranker_{method}.pt",
                                  args.out / f"ranker_{method}.json",
                                  dataclasses.replace(settings, seed=seed))
            summary = evaluate_ranking(ranker, load_ranking_data(
                results / "datasets" / "cvae", table,
                results / "catalog" / "media.parquet")).summary
            rows.append(summary.assign(embedding=method, seed=seed))
        runs = pd.concat(rows)
        model = runs[(runs["embedding"] == method) & (runs["split"] == "seen_genus")
                     & (runs["method"] == "model")]
        print(f"{method}: seen-genus top1 {model['top1'].mean():.3f} (sd "
              f"{model['top1'].std():.3f}), top5 {model['top5'].mean():.3f} "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    runs = pd.concat(rows, ignore_index=True)
    keys = ["split", "embedding", "method"]
    frame = runs.groupby(keys, sort=False)[
        ["n_species", "top1", "top5", "mean_rank", "jaccard"]].mean().join(
        runs.groupby(keys, sort=False)[["top1", "top5"]].std().add_suffix("_sd")).reset_index()
    frame.to_csv(args.out / "methods.tsv", sep="\t", index=False, float_format="%.4f")
    print(frame[frame["method"] == "model"].to_string(index=False))
    print(f"written {args.out / 'methods.tsv'}")


if __name__ == "__main__":
    main()
