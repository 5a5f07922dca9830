"""Does a catalog ten times MediaDive's build within the rules' declared memory?

Makes a MediaDive snapshot ``--copies`` times the real one (default 10: 33,240 media and
12,350 ingredients): every medium, ingredient and strain record of the real snapshot again
under new ids (``<id>-x<k>`` for copy k), the compositions pointing at their copy's
ingredients. The genome and growth sheets are the real strain records' species and the media
they grow on, in copy 0 (a catalog grows faster than the genomes known to grow on it), and
each genome gets a random 16-wide embedding (method ``stats``-like values do not matter).

Then, each in a fresh process running the given mediagen package (``--package``, default this
repository's), as the rules run them: ``build_catalog`` (snapshot to SQLite, media matrix,
growth pairs) and ``build_dataset`` (catalog to the models' arrays), then the ranking model's
reading of the catalog (``load_ranking_data``, every catalog medium a candidate). It prints
each one's wall time and peak resident memory beside the ``mem_mb`` its rule declares, and
the size of media.parquet. ``--package`` pointing at another version of the package (for
example a ``git archive`` of an earlier commit) measures that one on the same files.

    .venv/bin/python benchmarks/bench_catalog_scale.py --copies 10 --workdir /tmp/catalog10
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from mediagen.demo.world_snapshot import find_snapshot, snapshot_folder
from mediagen.sources.species_names import (
    Species,
    genome_id_for,
    organism_type,
    resolve_species,
)

REPO = Path(__file__).resolve().parents[1]
DECLARED_MB = {"build_catalog": 4000, "build_dataset": 4000, "train_ranker": 8000}
STEPS = {
    "fetch_mediadive": """
from mediagen.sources.http_client import RetryPolicy
from mediagen.sources.mediadive import fetch_mediadive
fetch_mediadive(W + "/snapshot", W + "/mediadive", concurrency=4, policy=RetryPolicy())
""",
    "build_catalog": """
from pathlib import Path
from mediagen.catalog.build import CatalogOutputs, CatalogSettings, build_catalog_files
out = Path(W) / "catalog"
build_catalog_files(W + "/mediadive/manifest.json", W + "/genomes.tsv", W + "/growth.tsv",
                    CatalogSettings(), CatalogOutputs(out / "catalog.sqlite",
                    out / "media.parquet", out / "growth_pairs.parquet",
                    out / "excluded.tsv", out / "quirks.json", out / "media_facts.tsv"))
""",
    "build_dataset": """
from mediagen.catalog.sheets import load_genome_sheet
from mediagen.cvae.dataset import build_dataset
build_dataset(W + "/catalog/media.parquet", W + "/catalog/growth_pairs.parquet",
              W + "/embeddings.parquet", load_genome_sheet(W + "/genomes.tsv"),
              W + "/dataset", val_fraction=0.1, test_fraction=0.15,
              unseen_genus_fraction=0.1, min_confidence=0.5, min_ingredient_media=3, seed=1)
""",
    "train_ranker": """
from mediagen.ranking.data import load_ranking_data
data = load_ranking_data(W + "/dataset", W + "/embeddings.parquet",
                         W + "/catalog/media.parquet")
print(len(data.media_ids), "candidate media")
""",
}


def copy_id(value, copy: int):
    return value if copy == 0 else f"{value}-x{copy}"


def envelope(data) -> str:
    return json.dumps({"status": 200, "count": len(data) if isinstance(data, list) else 1,
                       "data": data})


def multiply_snapshot(source: Path, target: Path, copies: int) -> None:
    """``copies`` copies of every medium, composition, strain list and ingredient."""
    media = json.loads((source / "media.json").read_text())["data"]
    for endpoint in ("medium-composition", "medium-strains", "ingredient"):
        (target / endpoint).mkdir(parents=True)
    listed = []
    for copy in range(copies):
        for medium in media:
            medium_id = copy_id(medium["id"], copy)
            listed.append({**medium, "id": medium_id})
            composition = source / "medium-composition" / f"{medium['id']}.json"
            if composition.is_file():
                lines = json.loads(composition.read_text())["data"]
                (target / "medium-composition" / f"{medium_id}.json").write_text(envelope(
                    [{**line, "id": copy_id(line["id"], copy)} if line.get("id") is not None
                     else line for line in lines]))
            strains = source / "medium-strains" / f"{medium['id']}.json"
            if strains.is_file():
                shutil.copy(strains, target / "medium-strains" / f"{medium_id}.json")
        for ingredient in (source / "ingredient").glob("*.json"):
            record = json.loads(ingredient.read_text())["data"]
            ingredient_id = copy_id(record["id"], copy)
            (target / "ingredient" / f"{ingredient_id}.json").write_text(
                envelope({**record, "id": ingredient_id}))
    (target / "media.json").write_text(envelope(listed))


def write_sheets(source: Path, workdir: Path, dim: int = 16, seed: int = 1) -> int:
    """A genome per species of the real strain records, growing where they say (copy 0)."""
    genomes, growth = {}, []
    for path in sorted((source / "medium-strains").glob("*.json")):
        for record in json.loads(path.read_text())["data"]:
            found = resolve_species(record.get("species"))
            if not isinstance(found, Species) or record.get("domain") not in ("A", "B"):
                continue
            genome_id = genome_id_for(found.name)
            genomes[genome_id] = (found.name, organism_type(record["domain"]))
            growth.append((genome_id, path.stem, "true", 0.8, "strain record"))
    pd.DataFrame([(g, name, kind, "", f"genomes/{g}.fna.gz")
                  for g, (name, kind) in genomes.items()],
                 columns=["genome_id", "organism_name", "organism_type", "taxid", "source"]
                 ).to_csv(workdir / "genomes.tsv", sep="\t", index=False)
    pd.DataFrame(growth, columns=["genome_id", "media_id", "growth", "confidence", "source"]
                 ).drop_duplicates(["genome_id", "media_id"]).to_csv(
        workdir / "growth.tsv", sep="\t", index=False)
    from mediagen.kmers.embedding_table import write_embedding_table
    rng = np.random.default_rng(seed)
    write_embedding_table(workdir / "embeddings.parquet", list(genomes),
                          rng.normal(size=(len(genomes), dim)), "stats")
    return len(genomes)


def run_step(name: str, workdir: Path, package: Path) -> dict:
    """One step in a fresh process; its wall time and peak resident memory."""
    code = f"W = {str(workdir)!r}\n" + STEPS[name]
    env = dict(os.environ, PYTHONPATH=str(package))
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        sys.exit(f"{name} failed:\n{output[-3000:]}")
    return {"wall_s": round(time.perf_counter() - started, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024), "declared_mem_mb":
            DECLARED_MB.get(name)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mediagen-catalog-scale"))
    parser.add_argument("--package", type=Path, default=REPO / "workflow" / "scripts",
                        help="the folder holding the mediagen package to measure")
    parser.add_argument("--snapshot", type=Path)
    args = parser.parse_args()
    snapshot = args.snapshot or find_snapshot()
    if snapshot is None:
        sys.exit("no MediaDive snapshot: give --snapshot or set MEDIAGEN_MEDIADIVE_SNAPSHOT")
    workdir = args.workdir.resolve()
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    source = snapshot_folder(snapshot, workdir / "real")
    multiply_snapshot(source, workdir / "snapshot", args.copies)
    n_genomes = write_sheets(source, workdir)
    n_media = len(json.loads((workdir / "snapshot" / "media.json").read_text())["data"])
    n_ingredients = len(list((workdir / "snapshot" / "ingredient").glob("*.json")))
    print(f"catalog x{args.copies}: {n_media} media, {n_ingredients} ingredients; "
          f"{n_genomes} genomes; package {args.package}; load {os.getloadavg()}", flush=True)
    for name in STEPS:
        figures = run_step(name, workdir, args.package)
        print(f"{name}: {figures}", flush=True)
    print(f"media.parquet: {(workdir / 'catalog' / 'media.parquet').stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
