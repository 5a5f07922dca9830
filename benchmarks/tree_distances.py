"""Genome distances rank by rank: the MediaDive world's synthetic genomes beside real ones.

Real genomes drift apart rank by rank; the world's (``mediagen.demo.world``) should too.
For a set of genomes with lineages, every pair is placed at the deepest rank its two
lineages share (``lineage.deepest_shared_rank``): ``species`` are two strains of one species,
``genus`` two species of one genus, ``family`` two genera of one family, and so on up to
``phylum``; ``domain`` pairs share only the domain, ``none`` pairs nothing known (a genus the
lineage table lacks shares nothing above itself). The distance is the project's own: the
canonical 4-mer frequencies of the genome profile (``mediagen.kmers``), as log(x + 1e-6),
Euclidean.

``OUT/tree_distances.tsv`` has columns ``source, rank, pairs, median_distance`` for

- ``world``: a sample of the snapshot's species whose genus the lineage table places,
  chosen a family at a time (so that genera share families: ``--genera-per-family`` genera
  of ``--species-per-genus`` species each, families in an order drawn from the seed, up to
  ``--species``), ``--strains`` strains each, genomes as the world's NCBI makes them;
- ``real``: the bacterial genomes of Debian's example packages (``bench_real_genomes.py``'s
  list, fetched with ``apt-get download`` under ``--workdir``), placed by their genus in the
  lineage table.

``OUT/summary.json`` adds the counts: genera and species of the snapshot, how many genera the
lineage table lacks (unplaced: each is a root of its own in the world), genomes per source.
The snapshot and the lineage table are read from ../shared (``world_snapshot``); without
them the script says so and skips.

    .venv/bin/python benchmarks/tree_distances.py --out /tmp/tree_distances
"""

import argparse
import json
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from bench_real_genomes import GENOMES, fetch_packages, write_fasta, write_genome_fastas
from mediadive_world import PAIR_RANKS, log_kmer4, rank_distances, unplaced_genera
from mediagen.catalog.lineage import read_genus_lineages, taxon_key
from mediagen.demo.world import world_genome
from mediagen.demo.world_ncbi import NcbiWorld
from mediagen.demo.world_snapshot import (
    find_lineage_table,
    find_snapshot,
    load_world_records,
    snapshot_folder,
)
from mediagen.kmers.layout import KMER4
from mediagen.kmers.profile import read_genome_profile


def sample_species(lineages: dict[str, dict], seed: int, n_species: int,
                   genera_per_family: int, species_per_genus: int) -> list[str]:
    """Species a family at a time: families in an order drawn from the seed, in each its
    first genera and their first species (by name), until ``n_species``."""
    tree: dict[str, dict[str, list[str]]] = {}
    for name, lineage in sorted(lineages.items()):
        family = lineage.get("family") or f"(the family of {lineage['genus']})"
        tree.setdefault(family, {}).setdefault(lineage["genus"], []).append(name)
    chosen: list[str] = []
    for family in sorted(tree, key=lambda f: (zlib.crc32(f"{seed}:{f}".encode()), f)):
        for genus in sorted(tree[family])[:genera_per_family]:
            chosen += tree[family][genus][:species_per_genus]
        if len(chosen) >= n_species:
            return chosen[:n_species]
    return chosen


def profile_of(records: list[tuple[str, bytes]], folder: Path) -> np.ndarray:
    """A genome's profile as the workflow counts it, from a FASTA written under ``folder``."""
    return read_genome_profile(write_fasta(folder / "genome.fna", records), min_length=1000)


def world_distances(snapshot: Path, table: Path, scratch: Path, args) -> tuple[pd.DataFrame,
                                                                               dict]:
    """The world's rows and counts: sampled species, ``args.strains`` strains each."""
    records = load_world_records(snapshot_folder(snapshot, scratch), seed=args.seed)
    genus_lineages = read_genus_lineages(table)
    ncbi = NcbiWorld(records.species, records.taxids, args.seed, genus_lineages)
    placed = {name: ncbi.lineage(name) for name, s in records.species.items()
              if taxon_key(s.genus) in genus_lineages}
    chosen = sample_species(placed, args.seed, args.species, args.genera_per_family,
                            args.species_per_genus)
    profiles, lineages, started = [], [], time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for name in chosen:
            for strain in range(args.strains):
                genome = world_genome(args.seed, name, f"strain {strain}",
                                      genus=records.species[name].genus, lineage=placed[name])
                profiles.append(profile_of(genome, Path(folder)))
                lineages.append(placed[name])
    genera = [s.genus for s in records.species.values()]
    counts = {"species": len(records.species), "genera": len(set(genera)),
              "unplaced_genera": unplaced_genera(genera, genus_lineages),
              "species_of_unplaced_genera": len(records.species) - len(placed),
              "sampled_species": len(chosen), "genomes": len(profiles),
              "seconds_per_genome": (time.perf_counter() - started) / max(len(profiles), 1)}
    return rank_distances("world", log_kmer4(np.array(profiles)[:, KMER4]), lineages), counts


def real_distances(table: Path, workdir: Path) -> tuple[pd.DataFrame, dict]:
    """The real genomes' rows and counts, each genome placed by its genus."""
    root = fetch_packages(workdir, {g.package for g in GENOMES})
    fastas = write_genome_fastas(root, GENOMES, workdir / "genomes")
    genus_lineages = read_genus_lineages(table)
    profiles, lineages = [], []
    for genome in GENOMES:
        genus = genome.species.split()[0]
        profiles.append(read_genome_profile(fastas[genome.genome_id], min_length=1000))
        lineages.append({**genus_lineages.get(taxon_key(genus), {}), "genus": genus,
                         "species": genome.species})
    counts = {"genomes": len(GENOMES), "species": len({g.species for g in GENOMES}),
              "unplaced_genera": unplaced_genera([lin["genus"] for lin in lineages],
                                                 genus_lineages)}
    return rank_distances("real", log_kmer4(np.array(profiles)[:, KMER4]), lineages), counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mediagen_tree_distances"),
                        help="the unpacked snapshot and the real genomes' packages")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--species", type=int, default=300)
    parser.add_argument("--genera-per-family", type=int, default=3)
    parser.add_argument("--species-per-genus", type=int, default=3)
    parser.add_argument("--strains", type=int, default=3)
    args = parser.parse_args()
    snapshot, table = find_snapshot(), find_lineage_table()
    if snapshot is None or table is None:
        print("skipped: needs the MediaDive snapshot (../shared/data/mediadive-real/ or "
              "MEDIAGEN_MEDIADIVE_SNAPSHOT) and the lineage table "
              "(../shared/data/lineage/genus_lineage.tsv) beside the repository")
        return
    world, world_counts = world_distances(snapshot, table, args.workdir, args)
    real, real_counts = real_distances(table, args.workdir)
    rows = pd.concat([world, real], ignore_index=True)
    args.out.mkdir(parents=True, exist_ok=True)
    rows.to_csv(args.out / "tree_distances.tsv", sep="\t", index=False, float_format="%.3f")
    summary = {"seed": args.seed, "world": world_counts, "real": real_counts}
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    side = rows.pivot(index="rank", columns="source").reindex(PAIR_RANKS)
    print(side.to_string(float_format=lambda v: f"{v:.2f}"))
    print(json.dumps(summary, indent=1))
    print(f"written {args.out / 'tree_distances.tsv'}")


if __name__ == "__main__":
    main()
