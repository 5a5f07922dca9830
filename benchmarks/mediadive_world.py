"""The whole workflow on the MediaDive world: strain records to a trained model, timed per stage.

Serves the MediaDive world on loopback (``mediagen.demo.world_server``: the real MediaDive
catalog and strain records of a snapshot, thinned to ``--species`` species, and an NCBI
whose reference genomes are synthetic but follow the taxonomy), then runs the real
workflow in a fresh working directory, from an empty cache to ``cvae_all.pt`` and the
report (the default target: every stage, the k-mer profiles too), with
``config/mediadive.yaml``, the world's settings (20 kb windows, every k-mer table, a short
genome VAE when ``--embedding vae``) and the workflow's default profile
(copied, with the mediagen package, into the working directory: the run uses the code as it
was when it started):

    snakemake --cores C all --configfile config/mediadive.yaml OUT/world.yaml

and a dry run after it, which must plan nothing. It prints, per stage (rule), the jobs,
their summed and per-job wall time, summed CPU time and their largest peak memory, read
from Snakemake's ``benchmark:`` files (results/benchmarks/: s, cpu_time, max_rss) and, for
the per-genome jobs that run in Snakemake's own process, from their logs (wall and thread
CPU time); and the whole run's wall and CPU time (Snakemake and all it started). It writes
``OUT/summary.json`` with the same figures, the species resolved and unresolved, the
servers' request counts, the catalog's quirks, the dataset's size and how many of the world's
genera the lineage table lacks (unplaced: their genomes share nothing above the genus). The
world's NCBI places genera with the shared lineage table (``find_lineage_table``), so its
genomes follow the tree of life; ``OUT/tree_distances.tsv`` gives the median distance
between the run's genomes (canonical 4-mer log-frequencies of their profiles) by the deepest
rank each pair shares, as ``tree_distances.py`` does for real genomes. The ranking's and the
recipes' figures on held-out species are ``OUT/evaluation.tsv`` and ``OUT/generated.tsv``;
the report's tables and the derived sheets are copied to ``OUT/report/`` and
``OUT/sheets/``.

    .venv/bin/python benchmarks/mediadive_world.py --species 150 --out /tmp/world150
    .venv/bin/python benchmarks/mediadive_world.py --species 2000 --cores 16 \
        --out /scratch/world2000 --embedding vae --genome-vae-epochs 20
    .venv/bin/python benchmarks/mediadive_world.py --species 30 --profile profiles/slurm \
        --out /tmp/world_slurm     # on a Slurm cluster (.ci/slurm/start_cluster.sh on one node)

The snapshot is ``--snapshot`` (a snapshot.tar.gz, the folder holding it, or the unpacked
folder), else ``MEDIAGEN_MEDIADIVE_SNAPSHOT``, else ../shared/data/mediadive-real/.
"""

import argparse
import itertools
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import yaml
from mediagen.catalog.lineage import RANKS, deepest_shared_rank, taxon_key
from mediagen.demo.world_server import serve_world
from mediagen.demo.world_snapshot import (
    ENV_VAR,
    find_lineage_table,
    find_snapshot,
    snapshot_folder,
)
from mediagen.kmers.layout import KMER4, LOG_EPSILON, profile_column_names
from mediagen.rule_job import THREAD_JOB_DONE_LINE

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
TARGETS = ["all"]  # the whole chain: profiles, cvae_all.pt, the report, the unresolved table
REPORT_TABLES = ["metrics.json", "proposal_summary.tsv", "proposals.tsv", "reconstruction.tsv",
                 "type_resemblance.tsv", "example_recipes.tsv", "evaluation.tsv",
                 "generated.tsv", "reliability.tsv", "recommendations.tsv", "report.html"]
HEADLINE_TABLES = ["evaluation.tsv", "generated.tsv"]  # also at OUT/: the ranking and recipes
WORKFLOW_PARTS = ("Snakefile", "workflow", "config", "envs", "profiles")
PAIR_RANKS = [*reversed(RANKS), "none"]  # species first: the nearest pairs
DISTANCE_COLUMNS = ["source", "rank", "pairs", "median_distance"]


def log_kmer4(frequencies: np.ndarray) -> np.ndarray:
    """Canonical 4-mer frequencies (the profile's ``KMER4`` fields) as the models see them."""
    return np.log(np.asarray(frequencies, dtype=np.float64) + LOG_EPSILON)


def rank_distances(source: str, vectors: np.ndarray, lineages: list[dict]) -> pd.DataFrame:
    """Per rank: the pairs whose deepest shared rank it is (``none``: no rank shared) and
    their median Euclidean distance (none for a rank without pairs)."""
    by_rank: dict[str, list[float]] = {rank: [] for rank in PAIR_RANKS}
    for i, j in itertools.combinations(range(len(vectors)), 2):
        rank = deepest_shared_rank(lineages[i], lineages[j]) or "none"
        by_rank[rank].append(float(np.linalg.norm(vectors[i] - vectors[j])))
    return pd.DataFrame([{"source": source, "rank": rank, "pairs": len(distances),
                          "median_distance": np.median(distances) if distances else np.nan}
                         for rank, distances in by_rank.items()], columns=DISTANCE_COLUMNS)


def unplaced_genera(genera, genus_lineages: dict[str, dict]) -> int:
    """How many of these genera a lineage table (``read_genus_lineages``) lacks."""
    return sum(taxon_key(genus) not in genus_lineages for genus in set(genera))


def run_tree_distances(results: Path, ncbi) -> pd.DataFrame:
    """The run's genomes' distances by rank, each genome placed by its species' lineage in
    the world (``ncbi.lineage``). Only the 4-mer columns of the profile table are read: all
    8,362 would make this process's peak memory (reported as the servers') the table's."""
    table = pq.read_table(results / "embeddings" / "profiles.parquet",
                          columns=["genome_id", *profile_column_names()[KMER4]]).to_pandas()
    sheet = pd.read_csv(results / "sheets" / "genomes.tsv", sep="\t", dtype=str)
    species = dict(zip(sheet["genome_id"], sheet["organism_name"], strict=True))
    return rank_distances("world", log_kmer4(table.drop(columns="genome_id").to_numpy()),
                          [ncbi.lineage(species[genome_id]) for genome_id in table["genome_id"]])


def world_config(world, args, workdir: Path) -> dict:
    """The run's configuration on top of config/mediadive.yaml: the world's URLs, no user
    rows, request rates a loopback server can take, 20 kb windows, every k-mer table (for
    benchmarks/compare_embeddings.py) and a short genome VAE."""
    for name, header in (("genomes", "genome_id\torganism_name\torganism_type\ttaxid\tsource"),
                         ("growth", "genome_id\tmedia_id\tgrowth\tconfidence\tsource")):
        (workdir / "user").mkdir(exist_ok=True)
        (workdir / "user" / f"{name}.tsv").write_text(header + "\n")
    return {
        "genomes": "user/genomes.tsv",
        "growth": "user/growth.tsv",
        "seed": args.seed,
        "mediadive": {"base_url": world.mediadive_url, "requests_per_second": 2000,
                      "concurrency": 8, "retries": 2, "backoff_seconds": 0.5},
        "download": {"ncbi_base_url": world.ncbi_url, "requests_per_second": 2000,
                     "requests_per_second_with_key": 2000, "retries": 2,
                     "backoff_seconds": 0.5, "lookup_concurrency": 8},
        "embedding": {"method": args.embedding},
        "kmers": {"window_length": 20000, "window_stride": 20000,
                  "methods": ["kmer_64", "kmer_128", "kmer_256", "stats"]},
        "genome_vae": {"epochs": args.genome_vae_epochs, "batch_size": 64,
                       "kl_warmup_epochs": 1, "max_windows_per_genome": 8, "threads": 2},
        "cvae": {"epochs": args.cvae_epochs, "threads": 1},
        "report": {"n_generated": 5},
    }


def prepare_workdir(workdir: Path) -> None:
    """A fresh working directory with a copy of this repository's workflow (and of the
    mediagen package, which the run imports from there), so that editing the repository
    while a long run goes on changes nothing in it."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    ignore = shutil.ignore_patterns("*.egg-info", ".snakemake")
    for part in WORKFLOW_PARTS:
        if (REPO / part).is_dir():
            shutil.copytree(REPO / part, workdir / part, ignore=ignore)
        else:
            shutil.copy2(REPO / part, workdir / part)


def stage_figures(results: Path) -> pd.DataFrame:
    """Per rule: jobs, summed wall and CPU seconds, largest max_rss (MB). Script jobs from
    their benchmark files (``<rule>.tsv`` or ``<rule>/<job>.tsv``; ``train_cvae/<phase>.tsv``);
    the per-genome jobs, which run in Snakemake's own process and have none, from the last
    line of their logs (wall time and their thread's CPU time; no memory of their own)."""
    rows = []
    benchmarks = results / "benchmarks"
    for path in sorted(benchmarks.rglob("*.tsv")):
        parts = path.relative_to(benchmarks).parts
        rule = (path.stem if len(parts) == 1 else
                f"train_cvae_{path.stem}" if parts[0] == "train_cvae" else parts[0])
        table = pd.read_csv(path, sep="\t")
        rows.append({"rule": rule, "wall_s": float(table["s"].iloc[-1]),
                     "cpu_s": float(pd.to_numeric(table["cpu_time"], errors="coerce")
                                    .fillna(0).iloc[-1]),
                     "max_rss_mb": float(pd.to_numeric(table["max_rss"], errors="coerce")
                                         .fillna(0).iloc[-1])})
    for rule in ("download_genome", "count_kmers"):
        for path in sorted((results / "logs" / rule).glob("*.log")):
            done = THREAD_JOB_DONE_LINE.search(path.read_text())
            if done:
                rows.append({"rule": rule, "wall_s": float(done.group(1)),
                             "cpu_s": float(done.group(2)), "max_rss_mb": float("nan")})
    jobs = pd.DataFrame(rows, columns=["rule", "wall_s", "cpu_s", "max_rss_mb"])
    jobs = jobs.sort_values("rule", kind="stable")
    stages = jobs.groupby("rule", sort=False).agg(
        jobs=("wall_s", "size"), wall_s=("wall_s", "sum"), cpu_s=("cpu_s", "sum"),
        max_rss_mb=("max_rss_mb", "max")).reset_index()
    return stages.assign(wall_per_job_s=stages["wall_s"] / stages["jobs"])


def run(args) -> dict:
    snapshot = args.snapshot or find_snapshot()
    if snapshot is None:
        sys.exit(f"no MediaDive snapshot: give --snapshot, or set {ENV_VAR}")
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    folder = snapshot_folder(snapshot, out / "scratch")
    workdir = (args.workdir or out / "run").resolve()
    prepare_workdir(workdir)
    with serve_world(folder, seed=args.seed, n_species=args.species,
                     media=args.media, lineage_table=find_lineage_table()) as world:
        (out / "world.yaml").write_text(yaml.safe_dump(world_config(world, args, workdir)))
        command = [SNAKEMAKE, "--cores", str(args.cores), *TARGETS, "--configfile",
                   "config/mediadive.yaml", str(out / "world.yaml"),
                   *(["--profile", args.profile] if args.profile else [])]
        print(f"world: {len(world.records.species)} species ({len(world.ncbi.accessions)} "
              f"with a reference genome), {len(world.records.media)} media; running in "
              f"{workdir}", flush=True)
        env = dict(os.environ, PYTHONPATH=str(workdir / "workflow" / "scripts"))
        started = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(out / "snakemake.log", "w") as log:
            result = subprocess.run(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
                                    env=env)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        run_cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if result.returncode != 0:
            sys.exit(f"snakemake failed (exit {result.returncode}); see {out / 'snakemake.log'}")
        rerun = subprocess.run([*command, "-n"], cwd=workdir, capture_output=True, text=True,
                               env=env)
        requests = {"mediadive": sum(world.mediadive.requests.values()),
                    "ncbi_reports": sum(n for p, n in world.ncbi_server.requests.items()
                                        if p.endswith("/dataset_report")),
                    "ncbi_downloads": sum(n for p, n in world.ncbi_server.requests.items()
                                          if p.endswith("/download"))}
        world_counts = {"species": len(world.records.species),
                        "species_with_reference_genome": len(world.ncbi.accessions),
                        "media_served": len(world.records.media),
                        "strain_records_served": sum(map(len, world.records.strains.values()))}
    results = workdir / "results"
    stages = stage_figures(results)
    for name in REPORT_TABLES:
        (out / "report").mkdir(exist_ok=True)
        shutil.copy(results / "reports" / name, out / "report" / name)
    for name in HEADLINE_TABLES:
        shutil.copy(results / "reports" / name, out / name)
    shutil.copytree(results / "sheets", out / "sheets", dirs_exist_ok=True)
    run_tree_distances(results, world.ncbi).to_csv(out / "tree_distances.tsv", sep="\t",
                                                   index=False, float_format="%.3f")
    world_counts["unplaced_genera"] = unplaced_genera(
        [s.genus for s in world.records.species.values()], world.ncbi.genus_lineages)
    sheets = json.loads((results / "sheets" / "summary.json").read_text())
    dataset = json.loads((results / "datasets" / "cvae" / "dataset.json").read_text())
    rusage = {"benchmark_process_max_rss_mb": resource.getrusage(
                  resource.RUSAGE_SELF).ru_maxrss / 1024,
              "largest_child_max_rss_mb": resource.getrusage(
                  resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
    return {
        "species_requested": args.species, "seed": args.seed, "cores": args.cores,
        "embedding": args.embedding, "media": args.media, "world": world_counts,
        "species_resolved": sheets["species_with_genome"],
        "species_unresolved": sheets["species_without_genome"],
        "taxon_names_unresolved": sum(sheets["unresolved_taxon_names_by_reason"].values()),
        "unresolved_by_reason": sheets["unresolved_taxon_names_by_reason"],
        "genomes_by_type": sheets["genomes_by_type"],
        "wall_s": wall, "cpu_s": run_cpu, "load_average_after": os.getloadavg(),
        "jobs": int(stages["jobs"].sum()),
        "rerun_plans_nothing": "Nothing to be done" in rerun.stdout + rerun.stderr,
        "stages": stages.to_dict(orient="records"), "requests": requests,
        "catalog_quirks": json.loads((results / "catalog" / "quirks.json").read_text()),
        "dataset": dataset["summary"], **rusage,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshot", type=Path)
    parser.add_argument("--species", type=int, default=150)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--workdir", type=Path, help="where the workflow runs (OUT/run)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--media", choices=["all", "linked"], default="all",
                        help="serve the whole catalog, or only media with a strain record")
    parser.add_argument("--embedding", default="profile")
    parser.add_argument("--profile", help="a Snakemake profile of the workflow, such as "
                        "profiles/slurm (default: profiles/default)")
    parser.add_argument("--genome-vae-epochs", type=int, default=3)
    parser.add_argument("--cvae-epochs", type=int, default=300)
    args = parser.parse_args()
    summary = run(args)
    stages = pd.DataFrame(summary["stages"])
    print(stages.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    print(f"\nspecies: {summary['world']['species']} in the world, "
          f"{summary['species_resolved']} resolved to a genome, "
          f"{summary['species_unresolved']} without; taxon names unresolved: "
          f"{summary['unresolved_by_reason']}")
    print(f"jobs {summary['jobs']}, wall {summary['wall_s']:.1f} s, CPU {summary['cpu_s']:.1f} s "
          f"(load average after: {summary['load_average_after']}), largest job max_rss "
          f"{stages['max_rss_mb'].max():.0f} MB, benchmark process (servers) "
          f"{summary['benchmark_process_max_rss_mb']:.0f} MB; re-run plans nothing: "
          f"{summary['rerun_plans_nothing']}")
    path = args.out.resolve() / "summary.json"
    path.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"written {path}")


if __name__ == "__main__":
    main()
