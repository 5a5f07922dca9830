"""What a user sees when asking mediagen about a genome it was trained on, or a near copy.

A genome the ranking model was trained on, and a near copy of one, should get its recorded
media at the top, with a high probability, and that should fade gently, never rise, as the
copy drifts from the original. For training genomes of a finished run (those of
``results/datasets/cvae/samples.parquet``'s train split that have a growth=true row in the
run's growth sheet, kept in ``results/catalog/catalog.sqlite``), it asks the real command

    mediagen recommend --model RUN/results/models/ranker.pt --genome COPY -n 100000 -o PREFIX

about each of: the genome by id (``--genome-id``), the genome's FASTA as the run downloaded
it (``RUN/resources/genomes/<id>.fna.gz``), copies with random point mutations at 0.1%,
0.5% and 2% of its bases (seeded; each to another base), and the genome in 500 bp pieces.
``-n 100000`` keeps every medium in ``PREFIX.json``, so a recorded medium's rank is known
wherever it lies; the first 20 rows are what ``-n 20`` shows. The command runs with the
mediagen package the run was trained with (``RUN/workflow/scripts`` when the run holds a
copy, else the installed one), in the run's folder.

Per genome and copy it prints the nearest training genome and its distance (and, where the
command reports them, the distance's percentile and whether the genome is novel), the
best medium, and the rank and probability of each recorded medium (``*``: the command marks
it recorded); and the largest rise of a recorded medium's probability from a copy to a
more mutated one (the genome itself, 0.1%, 0.5%, 2%), beside the ensemble's uncertainty.
``OUT/known_genomes.tsv`` holds one row per genome, copy and recorded medium;
``OUT/summary.json`` the figures per copy.

With ``--real-genomes`` it first builds and trains a run on real genomes: the bacterial
genomes of Debian's example packages (``bench_real_genomes.py``'s list and fetching) with
the media MediaDive's strain records (the real snapshot, ``find_snapshot``) give their
species; genomes of species without records are left out and counted. The sheets
(``RUN/sheets/``), a config pointing the MediaDive client at the unpacked snapshot, and
``snakemake --cores C results/models/ranker.pt`` from a copy of the workflow
(``WORKDIR/run``).

    .venv/bin/python benchmarks/known_genomes.py --real-genomes --workdir /tmp/mg_real \\
        --out /tmp/mg_real/out
    .venv/bin/python benchmarks/known_genomes.py --run /tmp/world2000/run --genomes 10 \\
        --out /tmp/world2000/known
"""

import argparse
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from bench_real_genomes import GENOMES, fetch_packages, open_text, write_fasta, write_genome_fastas
from Bio import SeqIO
from mediadive_world import REPO, SNAKEMAKE, prepare_workdir
from mediagen.demo.world_snapshot import find_snapshot, load_world_records, snapshot_folder
from mediagen.kmers.shred import shred_records
from mediagen.sources.strain_sheets import StrainRecords, species_types

MUTATION_RATES = {"0.1% mutated": 0.001, "0.5% mutated": 0.005, "2% mutated": 0.02}
# the copies of each genome, in the order printed; the mutation series for the rise
COPIES = ["genome id", "itself", *MUTATION_RATES, "500 bp pieces"]
SERIES = ["itself", *MUTATION_RATES]
STRAIN_CONFIDENCE = 0.8  # as catalog.strain_confidence: a strain stands for its species
ALL_MEDIA = "100000"  # mediagen recommend's largest -n: every medium of the catalog
SHOWN = 20  # what `-n 20` would show


# -- a run on real genomes ---------------------------------------------------------------


def real_sheets(fastas: dict[str, Path], strains: dict[str, list[dict]]):
    """(genome sheet, growth sheet, genomes left out) for the real genomes: a genome's
    growth rows are the media its species' strain records grow on."""
    grouped = StrainRecords.group(strains)
    types, _ = species_types(grouped)
    genome_rows, growth_rows, left_out = [], [], []
    for genome in GENOMES:
        records = grouped.species.get(genome.species)
        if records is None or genome.species not in types:
            left_out.append(genome)
            continue
        strain = genome.genome_id.split("_", 1)[1]
        genome_rows.append({"genome_id": genome.genome_id,
                            "organism_name": f"{genome.species} {strain}",
                            "organism_type": types[genome.species], "taxid": "",
                            "source": str(fastas[genome.genome_id])})
        growth_rows += records.growth_rows(genome.genome_id, STRAIN_CONFIDENCE)
    growth = pd.DataFrame(growth_rows).drop(columns="origin")
    return pd.DataFrame(genome_rows), growth, left_out


def build_real_run(workdir: Path, cores: int, seed: int) -> tuple[Path, dict]:
    """Fetch the real genomes, write their sheets and train the ranking model in
    ``workdir/run``; returns the run folder and the figures of the build."""
    timings, started = {}, time.perf_counter()
    root = fetch_packages(workdir, {g.package for g in GENOMES})
    fastas = write_genome_fastas(root, GENOMES, workdir / "genomes")
    timings["fetch_genomes_s"] = time.perf_counter() - started
    snapshot = find_snapshot()
    if snapshot is None:
        sys.exit("no MediaDive snapshot: set MEDIAGEN_MEDIADIVE_SNAPSHOT")
    folder = snapshot_folder(snapshot, workdir)
    genomes, growth, left_out = real_sheets(
        fastas, load_world_records(folder, seed=seed).strains)
    kept = {g.species for g in GENOMES} - {g.species for g in left_out}
    print(f"{len(GENOMES)} real genomes of {len({g.species for g in GENOMES})} species; "
          f"{len(genomes)} genomes of {len(kept)} species with MediaDive strain records "
          f"({len(growth)} growth rows); left out, no records of their species: "
          f"{len(left_out)} genomes ({', '.join(sorted({g.species for g in left_out}))})")

    run = workdir / "run"
    prepare_workdir(run)
    (run / "sheets").mkdir()
    genomes.to_csv(run / "sheets" / "genomes.tsv", sep="\t", index=False)
    growth.to_csv(run / "sheets" / "growth.tsv", sep="\t", index=False)
    config = {"genomes": "sheets/genomes.tsv", "growth": "sheets/growth.tsv", "seed": seed,
              "mediadive": {"base_url": str(folder)},
              "kmers": {"window_length": 20000, "window_stride": 20000},
              "embedding": {"method": "profile"}, "ranking": {"threads": min(cores, 2)}}
    (run / "real.yaml").write_text(yaml.safe_dump(config))
    command = [SNAKEMAKE, "--cores", str(cores), "results/models/ranker.pt",
               "--configfile", "real.yaml"]
    print(f"running {' '.join(command[1:])} in {run}", flush=True)
    started = time.perf_counter()
    with open(run / "snakemake.log", "w") as log:
        result = subprocess.run(command, cwd=run, stdout=log, stderr=subprocess.STDOUT,
                                env=dict(os.environ, PYTHONPATH=str(run / "workflow/scripts")))
    timings["workflow_s"] = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"snakemake failed (exit {result.returncode}); see {run / 'snakemake.log'}")
    print(f"fetched the genomes in {timings['fetch_genomes_s']:.0f} s, trained the ranking "
          f"model in {timings['workflow_s']:.0f} s")
    return run, {"genomes": len(GENOMES), "genomes_with_records": len(genomes),
                 "growth_rows": len(growth), "left_out_genomes": len(left_out),
                 "left_out_species": sorted({g.species for g in left_out}), **timings}


# -- what the run knows ------------------------------------------------------------------


def run_facts(run: Path) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """(one row per genome of the dataset: species, split, holdout, organism_name;
    genome_id -> the media the growth sheet records it growing on)."""
    samples = pd.read_parquet(run / "results" / "datasets" / "cvae" / "samples.parquet")
    genomes = samples.drop_duplicates("genome_id").set_index("genome_id")[
        ["species", "genus", "split", "holdout"]]
    with contextlib.closing(sqlite3.connect(run / "results" / "catalog" / "catalog.sqlite")) \
            as catalog:
        growth = pd.read_sql("SELECT genome_id, media_id FROM genome_growth WHERE growth = 1 "
                             "ORDER BY genome_id, media_id", catalog)
        names = pd.read_sql("SELECT genome_id, organism_name FROM genomes", catalog)
    genomes = genomes.join(names.set_index("genome_id"))
    return genomes, growth.groupby("genome_id")["media_id"].apply(list).to_dict()


def print_splits(genomes: pd.DataFrame, most: int = 30) -> None:
    """Species and genomes per split; each species' split where there are at most ``most``."""
    species = genomes.groupby("species").agg(genomes=("split", "size"), split=("split", "first"),
                                             holdout=("holdout", "first"))
    counts = species.groupby(["split", "holdout"]).agg(species=("genomes", "size"),
                                                       genomes=("genomes", "sum"))
    print(f"\nthe dataset's split:\n{counts.to_string()}")
    if len(species) <= most:
        print(species.sort_values(["split", "species"]).to_string())


# -- copies of a genome ------------------------------------------------------------------


def read_records(path: Path) -> list[tuple[str, bytes]]:
    with open_text(path) as handle:
        return [(record.id, bytes(record.seq)) for record in SeqIO.parse(handle, "fasta")]


def mutate(records: list[tuple[str, bytes]], rate: float, rng: np.random.Generator
           ) -> list[tuple[str, bytes]]:
    """The records with ``rate`` of their A/C/G/T bases (any case) each changed to another
    base, at random sites; other bytes are kept."""
    code = np.full(256, -1, dtype=np.int8)
    code[list(b"ACGT")] = code[list(b"acgt")] = np.arange(4)
    joined = np.frombuffer(b"".join(seq for _, seq in records), dtype=np.uint8).copy()
    bases = np.flatnonzero(code[joined] >= 0)
    sites = rng.choice(bases, size=round(rate * len(bases)), replace=False)
    shift = rng.integers(1, 4, size=len(sites))
    joined[sites] = np.frombuffer(b"ACGT", dtype=np.uint8)[(code[joined[sites]] + shift) % 4]
    ends = np.cumsum([len(seq) for _, seq in records])[:-1]
    return [(name, part.tobytes())
            for (name, _), part in zip(records, np.split(joined, ends), strict=True)]


def make_copies(genome_id: str, fasta: Path, folder: Path, rng: np.random.Generator
                ) -> dict[str, list[str]]:
    """Copy name -> the genome arguments of ``mediagen recommend`` for it."""
    records = read_records(fasta)
    copies = {"genome id": ["--genome-id", genome_id], "itself": ["--genome", str(fasta)]}
    for name, rate in MUTATION_RATES.items():
        path = write_fasta(folder / f"{genome_id}_{rate}.fna", mutate(records, rate, rng))
        copies[name] = ["--genome", str(path)]
    pieces = write_fasta(folder / f"{genome_id}_pieces.fna",
                         shred_records(records, rng, (500, 500)))
    copies["500 bp pieces"] = ["--genome", str(pieces)]
    return copies


# -- asking mediagen ---------------------------------------------------------------------


def recommend(run: Path, genome: list[str], prefix: Path) -> dict:
    """``mediagen recommend`` with the package the run was trained with, in the run's folder;
    its PREFIX.json."""
    package = run / "workflow" / "scripts"
    env = dict(os.environ, PYTHONPATH=str(package)) if package.is_dir() else None
    command = [sys.executable, "-m", "mediagen.cli", "recommend", "--model",
               str(run / "results" / "models" / "ranker.pt"), *genome, "-n", ALL_MEDIA,
               "-o", str(prefix)]
    result = subprocess.run(command, cwd=run, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stderr}")
    return json.loads(Path(f"{prefix}.json").read_text())


def copy_rows(genome_id: str, copy: str, answer: dict, recorded: list[str]) -> list[dict]:
    """One row per recorded medium: where the command put it, and what it said overall."""
    media = pd.DataFrame(answer["media"]).set_index("media_id", drop=False)
    top = media.iloc[0]
    other = media[~media["media_id"].isin(recorded)].iloc[0]
    common = {
        "genome_id": genome_id, "copy": copy, "nearest_genome": answer["nearest_genome"],
        "nearest_is_itself": answer["nearest_genome"] == genome_id,
        "nearest_distance": answer["nearest_distance"],
        "distance_percentile": answer.get("nearest_distance_percentile"),
        "novel": answer.get("novel"),
        "known_as": (",".join(answer["known_as"]) if "known_as" in answer else None),
        "top_media_id": top["media_id"],
        "top_probability": top["probability"], "best_other_media_id": other["media_id"],
        "best_other_rank": int(other["rank"]), "best_other_probability": other["probability"],
        "marked_recorded_in_top": (int(media["recorded"].head(SHOWN).sum())
                                   if "recorded" in media else None),
    }
    rows = []
    for medium in recorded:
        found = media.loc[medium] if medium in media.index else None
        rows.append({**common, "media_id": medium,
                     "rank": None if found is None else int(found["rank"]),
                     "probability": None if found is None else float(found["probability"]),
                     "uncertainty": None if found is None else float(found["uncertainty"]),
                     "marked_recorded": None if found is None or "recorded" not in found
                     else bool(found["recorded"])})
    return rows


def largest_rise(rows: pd.DataFrame) -> dict:
    """The largest rise of a recorded medium's probability from one copy of the series
    (itself, 0.1%, 0.5%, 2% mutated) to a more mutated one."""
    best = {"rise": -np.inf}
    for medium, part in rows[rows["copy"].isin(SERIES)].groupby("media_id"):
        series = part.set_index("copy").reindex(SERIES)
        p, sd = series["probability"].to_numpy(float), series["uncertainty"].to_numpy(float)
        for i in range(len(SERIES)):
            for j in range(i + 1, len(SERIES)):
                if p[j] - p[i] > best["rise"]:
                    best = {"rise": float(p[j] - p[i]), "media_id": medium,
                            "from": SERIES[i], "to": SERIES[j],
                            "uncertainty": float(max(sd[i], sd[j]))}
    return best


def print_genome(genome_id: str, facts: pd.Series, recorded: list[str],
                 rows: pd.DataFrame, rise: dict) -> None:
    print(f"\n{genome_id} ({facts['organism_name']}); recorded media: {', '.join(recorded)}")
    for copy, part in rows.groupby("copy", sort=False):
        first = part.iloc[0]
        extra = ""
        if pd.notna(first["distance_percentile"]):
            extra += f" pct {first['distance_percentile']:.0f}"
        if pd.notna(first["novel"]) and first["novel"]:
            extra += " NOVEL"
        if first["known_as"]:
            extra += f"; known as {len(first['known_as'].split(','))} training genomes"
        cells = []
        for r in part.itertuples():
            mark = "*" if pd.notna(r.marked_recorded) and r.marked_recorded else ""
            cells.append(f"{r.media_id}: {'-' if pd.isna(r.rank) else int(r.rank)} "
                         f"{r.probability:.3f}{mark}")
        print(f"  {copy:<14} nearest {first['nearest_genome']} ({first['nearest_distance']:.3g})"
              f"{extra}; best {first['top_media_id']} {first['top_probability']:.3f}; "
              + ", ".join(cells) + f"; best unrecorded {first['best_other_media_id']}: "
              f"{first['best_other_rank']} {first['best_other_probability']:.3f}")
    print(f"  largest rise with mutation: {rise['rise']:+.3f} ({rise['media_id']}, "
          f"{rise['from']} -> {rise['to']}; ensemble uncertainty {rise['uncertainty']:.3f})")


def check_run(run: Path, out: Path, n_genomes: int | None, seed: int) -> dict:
    """Ask mediagen about training genomes of ``run`` and their copies; write the table."""
    genomes, recorded = run_facts(run)
    print_splits(genomes)
    candidates = sorted(g for g in genomes.index[genomes["split"] == "train"] if g in recorded)
    rng = np.random.default_rng(seed)
    if n_genomes is not None and n_genomes < len(candidates):
        candidates = sorted(rng.choice(candidates, size=n_genomes, replace=False))
    print(f"\nasking about {len(candidates)} training genomes with recorded media; "
          f"'rank probability' per recorded medium, * marked recorded by the command")
    all_rows, rises, calls, started = [], {}, 0, time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="known_genomes_") as scratch:
        for number, genome_id in enumerate(candidates):
            folder = Path(scratch) / genome_id
            folder.mkdir()
            fasta = run / "resources" / "genomes" / f"{genome_id}.fna.gz"
            copies = make_copies(genome_id, fasta, folder, np.random.default_rng([seed, number]))
            rows = []
            for number_of_copy, copy in enumerate(COPIES):
                answer = recommend(run, copies[copy], folder / f"copy{number_of_copy}")
                rows += copy_rows(genome_id, copy, answer, recorded[genome_id])
                calls += 1
            rows = pd.DataFrame(rows)
            rises[genome_id] = largest_rise(rows)
            print_genome(genome_id, genomes.loc[genome_id], recorded[genome_id], rows,
                         rises[genome_id])
            all_rows.append(rows)
    seconds = time.perf_counter() - started
    table = pd.concat(all_rows, ignore_index=True)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "known_genomes.tsv", sep="\t", index=False, float_format="%.6g")
    return {"run": str(run), "genomes_checked": len(candidates),
            "training_genomes": int((genomes["split"] == "train").sum()),
            "per_copy": per_copy_summary(table), "largest_rise": max(
                ({"genome_id": g, **r} for g, r in rises.items()), key=lambda r: r["rise"]),
            "check_s": seconds, "recommend_calls": calls,
            "seconds_per_call": seconds / max(calls, 1)}


def per_copy_summary(table: pd.DataFrame) -> dict:
    """Per copy: how often the nearest genome is the genome itself, the distances, where the
    recorded media land (rank and probability over all of them) and whether the best medium
    is a recorded one."""
    summary = {}
    for copy, part in table.groupby("copy", sort=False):
        genomes = part.drop_duplicates("genome_id")
        best_recorded = part.groupby("genome_id")["rank"].min()
        summary[copy] = {
            "nearest_is_itself": float(genomes["nearest_is_itself"].mean()),
            "median_nearest_distance": float(genomes["nearest_distance"].median()),
            "median_rank_recorded": float(part["rank"].median()),
            "median_probability_recorded": float(part["probability"].median()),
            "mean_probability_recorded": float(part["probability"].mean()),
            "median_probability_best_unrecorded": float(
                genomes["best_other_probability"].median()),
            "best_is_recorded": float((best_recorded == 1).mean()),
            "a_recorded_in_top5": float((best_recorded <= 5).mean()),
            "novel": (float(genomes["novel"].astype(float).mean())
                      if genomes["novel"].notna().all() else None),
            "known": (float(genomes["known_as"].astype(bool).mean())
                      if genomes["known_as"].notna().all() else None),
        }
    return summary


def git(arguments: list[str]) -> str:
    return subprocess.run(["git", *arguments], cwd=REPO, capture_output=True,
                          text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--run", type=Path, help="a finished run folder to check")
    source.add_argument("--real-genomes", action="store_true",
                        help="build and train a run on the real genomes first (WORKDIR/run)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mediagen_known_genomes"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--genomes", type=int, help="check this many training genomes "
                        "(drawn with the seed; default: every one with recorded media)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    code = {"commit": git(["rev-parse", "--short", "HEAD"]),
            "workflow_edits": git(["status", "--porcelain", "workflow"]).splitlines()}
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; code {REPO} at "
          f"{code['commit']}, {len(code['workflow_edits'])} files edited under workflow/")
    build = None
    run = args.run
    if args.real_genomes:
        run, build = build_real_run(args.workdir.resolve(), args.cores, args.seed)
    summary = {**check_run(run.resolve(), args.out, args.genomes, args.seed),
               "build": build, "code": code, "load_average_after": os.getloadavg()}
    print("\nper copy, over the genomes checked:")
    print(pd.DataFrame(summary["per_copy"]).T.to_string(float_format=lambda v: f"{v:.3f}"))
    rise = summary["largest_rise"]
    print(f"largest rise of a recorded medium's probability with mutation: {rise['rise']:+.3f} "
          f"({rise['genome_id']}, medium {rise['media_id']}, {rise['from']} -> {rise['to']}; "
          f"ensemble uncertainty {rise['uncertainty']:.3f})")
    print(f"{summary['recommend_calls']} recommend calls in {summary['check_s']:.0f} s")
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1, default=str) + "\n")
    print(f"written {args.out / 'known_genomes.tsv'} and {args.out / 'summary.json'}")


if __name__ == "__main__":
    main()
