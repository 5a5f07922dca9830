"""Genome embeddings on real bacterial genomes: do they tell species apart, and do they hold
for the same genome cut into contigs?

The genomes are those of Debian's example packages (fetched with ``apt-get download``
and unpacked with ``dpkg -x`` under ``--workdir``, /tmp by default; never part of the
repository): 29 complete genomes and one draft (S. aureus RN4220, no complete genome
of it here) of 8 species, after leaving out strains that two packages both hold, plus
4 drafts of strains whose complete genome is among them. Left out: phage lambda and a
60 kb herpesvirus piece (viruses), human chromosome pieces, a 57 kb piece of a
Leptospira draft, a 1 Mb sequence and a 454 assembly whose organisms the packages do
not name, and the sequencing reads.

For every embedding method (kmer_64, kmer_128, kmer_256, stats, profile, vae) it prints:

1. Species: the 1-nearest-neighbour species accuracy (over the genomes whose species has
   another genome here; every genome is a candidate neighbour) and the ratio of the mean
   distance between genomes of different species to the mean distance within a species.
   Distances are Euclidean in the space the media model sees the embedding in (its
   condition transform: log frequencies, standardised stats columns, centred; with every
   component kept, so nothing is cut).
2. Cuts: each complete genome cut into contigs of 1-20 kb, into 500 bp pieces, and into
   1-20 kb contigs of which 30% are dropped (a 70%-complete genome); the cosine of each
   cut's embedding (as stored) to the intact genome's, lowest and median over genomes,
   against the targets 0.99 (vae 0.97) and, 70% complete, 0.98 (vae 0.95). What a cosine
   means differs by method, so beside it: the highest cosine between two genomes of
   different species, and how many cuts have their own intact genome (and one of their
   species) as nearest neighbour (model view, fitted on the intact genomes as the media
   model is fitted on its training genomes). For the 70% cut, the change of the stats'
   log length and the profile's cosine without its length field: the two fields that
   measure the assembly rather than the genome.
3. Real drafts: each draft against its strain's complete genome: cosine per method, and
   what the draft's nearest complete genome is: its own strain, another strain of its
   species, or another species.

The genome VAE (default preset) is trained on the complete genomes' 5 kb windows, as the
workflow trains it on every genome of its sheet: unsupervised, species never seen.

    .venv/bin/python benchmarks/bench_real_genomes.py [--workdir /tmp/mediagen_real_genomes]
        [--vae-epochs 20 --vae-windows 100 --threads 2] [--vae-model genome_vae.pt]
"""

import argparse
import gzip
import logging
import lzma
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from Bio import SeqIO
from mediagen.cvae.transform import ConditionTransform, Embedding
from mediagen.genome_vae.config import PRESETS, TrainingConfig
from mediagen.genome_vae.embed import GenomeEmbedder
from mediagen.genome_vae.train import train_genome_vae
from mediagen.kmers.embedding_methods import embed_counts
from mediagen.kmers.profile import GenomeCounts, count_genome, read_window_profiles
from mediagen.kmers.shred import shred_records

KMER_METHODS = ["kmer_64", "kmer_128", "kmer_256", "stats", "profile"]
METHODS = [*KMER_METHODS, "vae"]
WINDOWS = {"window_length": 5000, "stride": 5000, "min_length": 10_000}
# name -> (contig lengths, share of contigs kept, target cosine, the vae's target)
CUTS = {
    "1-20 kb contigs": ((1000, 20_000), 1.0, 0.99, 0.97),
    "500 bp pieces": ((500, 500), 1.0, 0.99, 0.97),
    "70% complete": ((1000, 20_000), 0.7, 0.98, 0.95),
}
DOC = "usr/share/doc"


@dataclass(frozen=True)
class Genome:
    genome_id: str
    species: str
    package: str
    path: str  # under usr/share/doc of the unpacked package
    record: str | None = None  # the accession to take from a file of several genomes


ECOLI, KLEB, STAPH = "Escherichia coli", "Klebsiella pneumoniae", "Staphylococcus aureus"
HPYL, VIB = "Helicobacter pylori", "Vibrio cholerae"
RAGOUT, SIBELIA, KLEBORATE = (f"{DOC}/ragout/examples", f"{DOC}/sibelia/examples",
                              f"{DOC}/kleborate/examples/data")
STAPH_MULTI = f"{SIBELIA}/Sibelia/Staphylococcus_aureus/Staphylococcus.fasta.gz"
HPYL_MULTI = f"{SIBELIA}/Sibelia/Helicobacter_pylori/Helicobacter_pylori.fasta.gz"
GENOMES = [
    Genome("Ecoli_536", ECOLI, "bowtie-examples",
           f"{DOC}/bowtie/examples/genomes/NC_008253.fna.gz"),
    Genome("Ecoli_DH1", ECOLI, "ragout-examples", f"{RAGOUT}/E.Coli/references/DH1.fasta.gz"),
    Genome("Ecoli_MG1655", ECOLI, "ragout-examples",
           f"{RAGOUT}/E.Coli/references/MG1655-K12.fasta.gz"),
    *(Genome(f"Kpneumoniae_{strain}", KLEB, "kleborate-examples", f"{KLEBORATE}/{name}.fna.xz")
      for strain, name in (("HS11286", "Klebs_HS11286"), ("Kp1084", "Klebs_Kp1084"),
                           ("MGH78578", "MGH78578"), ("NTUH-K2044", "NTUH-K2044"))),
    *(Genome(f"Saureus_{strain}", STAPH, "ragout-examples",
             f"{RAGOUT}/S.Aureus/references/{strain}.fasta.gz")
      for strain in ("RF122", "COL", "JKD6008", "N315", "USA300_FPR3757")),
    Genome("Saureus_NCTC8325", STAPH, "sibelia-examples",
           f"{SIBELIA}/C-Sibelia/Staphylococcus_aureus/NCTC8325.fasta.gz"),
    Genome("Saureus_RN4220_draft", STAPH, "sibelia-examples",
           f"{SIBELIA}/C-Sibelia/Staphylococcus_aureus/RN4220.fasta.gz"),
    Genome("Saureus_JH1", STAPH, "sibelia-examples", STAPH_MULTI, "NC_009632.1"),
    Genome("Saureus_TW20", STAPH, "sibelia-examples", STAPH_MULTI, "NC_017331.1"),
    Genome("Saureus_MSSA476", STAPH, "sibelia-examples", STAPH_MULTI, "NC_002953.3"),
    *(Genome(f"Hpylori_{strain}", HPYL, "ragout-examples",
             f"{RAGOUT}/H.Pylori/references/{strain}.fasta.gz")
      for strain in ("Puno120", "ELS37", "SJM180", "Gambia94_24", "G27")),
    Genome("Hpylori_F32", HPYL, "sibelia-examples", HPYL_MULTI, "NC_017366.1"),
    *(Genome(f"Vcholerae_{strain}", VIB, "ragout-examples",
             f"{RAGOUT}/V.Cholerae/references/{strain}.fasta.gz")
      for strain in ("O395", "O1_biovar", "H1", "O1_Inaba")),
    Genome("Mtuberculosis_H37Rv", "Mycobacterium tuberculosis", "kmer-examples",
           "GCF_000195955.2_ASM19595v2_genomic.fna"),
    Genome("Mleprae_TN", "Mycobacterium leprae", "kmer-examples",
           "GCF_000195855.1_ASM19585v1_genomic.fna"),
    Genome("Ssuis_SC84", "Streptococcus suis", "abacas-examples",
           f"{DOC}/abacas-examples/SS_SC84.dna.gz"),
]
# draft genome -> the complete genome of the same strain
DRAFTS = {
    Genome("Ecoli_MG1655_draft", ECOLI, "ragout-examples",
           f"{RAGOUT}/E.Coli/mg1655_contigs.fasta.gz"): "Ecoli_MG1655",
    Genome("Saureus_USA300_draft", STAPH, "ragout-examples",
           f"{RAGOUT}/S.Aureus/usa300_contigs.fasta.gz"): "Saureus_USA300_FPR3757",
    Genome("Hpylori_SJM180_draft", HPYL, "ragout-examples",
           f"{RAGOUT}/H.Pylori/SJM180_contigs.fasta.gz"): "Hpylori_SJM180",
    Genome("Vcholerae_H1_draft", VIB, "ragout-examples",
           f"{RAGOUT}/V.Cholerae/h1_contigs.fasta.gz"): "Vcholerae_H1",
}
# kmer-examples ships its two Mycobacterium genomes in a tarball
TARBALLS = {"kmer-examples": f"{DOC}/kmer-examples/test_data.tar.gz"}


def fetch_packages(workdir: Path, packages: set[str]) -> Path:
    """``apt-get download`` and ``dpkg -x`` each package once, under workdir/packages."""
    root = workdir / "packages"
    root.mkdir(parents=True, exist_ok=True)
    for package in sorted(packages):
        target = root / package
        if target.is_dir():
            continue
        subprocess.run(["apt-get", "download", "-q", package], cwd=root, check=True)
        (deb,) = root.glob(f"{package}_*.deb")
        subprocess.run(["dpkg", "-x", str(deb), str(target)], check=True)
        if package in TARBALLS:
            subprocess.run(["tar", "xzf", str(target / TARBALLS[package]), "-C", str(target)],
                           check=True)
    return root


def open_text(path: Path):
    if path.suffix == ".xz":
        return lzma.open(path, "rt")
    return gzip.open(path, "rt") if path.suffix == ".gz" else open(path)


def genome_records(root: Path, genome: Genome) -> list[tuple[str, bytes]]:
    with open_text(root / genome.package / genome.path) as handle:
        records = [(record.id, bytes(record.seq)) for record in SeqIO.parse(handle, "fasta")]
    if genome.record:
        records = [(name, seq) for name, seq in records if genome.record in name]
    if not records:
        raise SystemExit(f"{genome.genome_id}: no sequence found in {genome.path}")
    return records


def write_fasta(path: Path, records: list[tuple[str, bytes]]) -> Path:
    with open(path, "wb") as handle:
        for name, sequence in records:
            handle.write(b">" + name.encode() + b"\n")
            for start in range(0, len(sequence), 80):
                handle.write(sequence[start:start + 80] + b"\n")
    return path


def write_genome_fastas(root: Path, genomes, directory: Path) -> dict[str, Path]:
    """Each genome as a FASTA of its own, ``directory/<genome_id>.fna`` (written once), by
    genome id; ``root`` is where ``fetch_packages`` unpacked the packages."""
    directory.mkdir(parents=True, exist_ok=True)
    fastas = {}
    for genome in genomes:
        fasta = directory / f"{genome.genome_id}.fna"
        if not fasta.is_file():
            write_fasta(fasta, genome_records(root, genome))
        fastas[genome.genome_id] = fasta
    return fastas


def kmer_embeddings(counts: GenomeCounts) -> dict[str, np.ndarray]:
    arrays = counts.arrays()
    return {method: embed_counts(method, arrays) for method in KMER_METHODS}


def train_vae(fastas: dict[str, Path], directory: Path, epochs: int, windows: int) -> Path:
    """The default preset trained on the genomes' windows, as the workflow trains it."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for genome_id, fasta in fastas.items():
        paths.append(directory / f"{genome_id}.npy")
        np.save(paths[-1], read_window_profiles(fasta, **WINDOWS))
    training = TrainingConfig(epochs=epochs, kl_warmup_epochs=max(1, epochs // 4),
                              max_windows_per_genome=windows, val_fraction=0.1, seed=1)
    model_path = directory / "genome_vae.pt"
    started = time.perf_counter()
    train_genome_vae(paths, PRESETS["default"], training, WINDOWS, device=torch.device("cpu"),
                     model_path=model_path, metrics_path=directory / "metrics.jsonl",
                     resume_path=directory / "resume.pt")
    print(f"trained the genome VAE (default preset) on {len(paths)} genomes, {epochs} epochs "
          f"of up to {windows} windows per genome, in {time.perf_counter() - started:.0f} s")
    return model_path


def model_view(method: str, matrix: np.ndarray, fitted_on: np.ndarray | None = None
               ) -> np.ndarray:
    """The embeddings as the media model's condition transform sees them, fitted on
    ``fitted_on`` (default: the embeddings themselves) with every component kept, so
    Euclidean distances are those of the transformed embeddings."""
    fitted_on = matrix if fitted_on is None else fitted_on
    transform = ConditionTransform.fit(method, fitted_on, max_components=len(fitted_on))
    return transform.apply(Embedding(method, matrix)).astype(np.float64)


def species_scores(points: np.ndarray, species: list[str]) -> tuple[float, float]:
    """(1-NN species accuracy, mean between-species / mean within-species distance)."""
    distance = np.linalg.norm(points[:, None, :] - points[None, :, :], axis=2)
    labels = np.array(species)
    same = labels[:, None] == labels[None, :]
    off_diagonal = ~np.eye(len(labels), dtype=bool)
    np.fill_diagonal(distance, np.inf)
    queries = (same & off_diagonal).any(axis=1)
    nearest = distance.argmin(axis=1)
    accuracy = float((labels[nearest] == labels)[queries].mean())
    within = distance[same & off_diagonal].mean()
    between = distance[~same].mean()
    return accuracy, float(between / within)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def embed_all(fasta: Path, embedder: GenomeEmbedder
              ) -> tuple[dict[str, np.ndarray], GenomeCounts]:
    """Every method's embedding of the genome, and the counts the k-mer methods come from."""
    counts = count_genome(fasta, min_length=WINDOWS["min_length"])
    return {**kmer_embeddings(counts), "vae": embedder.embed_fasta(fasta)}, counts


def print_species_table(embeddings: dict[str, dict[str, np.ndarray]], species: list[str]):
    n_queries = sum(species.count(s) > 1 for s in species)
    print(f"\n1. Species: {len(species)} genomes of {len(set(species))} species; 1-NN over the "
          f"{n_queries} genomes whose species has another genome here")
    print(f"  {'method':<9} {'dim':>6} {'1-NN species accuracy':>22} {'between / within':>17}")
    for method in METHODS:
        matrix = np.stack([embeddings[gid][method] for gid in embeddings])
        accuracy, ratio = species_scores(model_view(method, matrix), species)
        print(f"  {method:<9} {matrix.shape[1]:>6} {accuracy:>22.3f} {ratio:>17.2f}")


def closest_between_species(intact: dict, species: dict, method: str) -> float:
    """The highest cosine between two genomes of different species."""
    ids = list(intact)
    return max(cosine(intact[a][method], intact[b][method])
               for i, a in enumerate(ids) for b in ids[i + 1:] if species[a] != species[b])


def own_nearest(intact: dict, cuts: dict, species: dict, method: str) -> tuple[int, int]:
    """How many cut genomes have as nearest intact genome (model view) their own, and
    one of their own species."""
    ids = list(intact)
    whole = np.stack([intact[gid][method] for gid in ids])
    points = model_view(method, whole)
    cut_points = model_view(method, np.stack([cuts[gid][method] for gid in ids]), whole)
    distance = np.linalg.norm(cut_points[:, None, :] - points[None, :, :], axis=2)
    nearest = [ids[i] for i in distance.argmin(axis=1)]
    return (sum(a == b for a, b in zip(nearest, ids, strict=True)),
            sum(species[a] == species[b] for a, b in zip(nearest, ids, strict=True)))


def print_cut_table(intact: dict, cut_embeddings: dict, bases: dict, species: dict) -> None:
    """``bases[genome_id]``: (bases of the intact genome, bases of its 70% cut)."""
    print("\n2. Cuts: cosine of the cut genome's embedding to the intact genome's, lowest "
          "(median) over genomes")
    print(f"  {'method':<9}" + "".join(f"{name:>26}" for name in CUTS))
    for method in METHODS:
        cells = []
        for name, (_, _, target, vae_target) in CUTS.items():
            values = [cosine(intact[gid][method], cut_embeddings[name][gid][method])
                      for gid in cut_embeddings[name]]
            goal = vae_target if method == "vae" else target
            mark = "met" if min(values) >= goal else "NOT met"
            cells.append(f"{min(values):.4f} ({np.median(values):.4f}) {mark:>7}")
        print(f"  {method:<9}" + "".join(f"{cell:>26}" for cell in cells))
    print(f"  {'method':<9} {'highest cosine between species':>31}   cuts whose nearest genome "
          "is their own (of their species), " + ", ".join(CUTS))
    for method in METHODS:
        own = [own_nearest(intact, cut_embeddings[name], species, method) for name in CUTS]
        print(f"  {method:<9} {closest_between_species(intact, species, method):>31.4f}   "
              + ", ".join(f"{n}/{len(intact)} ({m})" for n, m in own))
    deltas = [cut_embeddings["70% complete"][gid]["stats"][2] - intact[gid]["stats"][2]
              for gid in cut_embeddings["70% complete"]]
    kept = [cut / whole for whole, cut in bases.values()]
    profile_kmers = [cosine(intact[gid]["profile"][1:],
                            cut_embeddings["70% complete"][gid]["profile"][1:])
                     for gid in cut_embeddings["70% complete"]]
    print(f"  70% complete: the bases kept are {min(kept):.0%}-{max(kept):.0%} of the genome; "
          f"stats' log length moves by {min(deltas):.3f} to {max(deltas):.3f} (log 0.7 = "
          f"{np.log(0.7):.3f}); the profile without its length field: cosine "
          f"{min(profile_kmers):.4f} lowest")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mediagen_real_genomes"))
    parser.add_argument("--vae-epochs", type=int, default=20)
    parser.add_argument("--vae-windows", type=int, default=100,
                        help="windows per genome per epoch at most")
    parser.add_argument("--vae-model", type=Path, help="a trained genome VAE to use instead")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--seed", type=int, default=1, help="seed of the cuts")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    torch.set_num_threads(args.threads)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores, {args.threads} "
          "torch threads")
    started = time.perf_counter()
    root = fetch_packages(args.workdir, {g.package for g in [*GENOMES, *DRAFTS]})
    fastas = write_genome_fastas(root, [*GENOMES, *DRAFTS], args.workdir / "genomes")
    complete = {g.genome_id: fastas[g.genome_id] for g in GENOMES}
    model_path = args.vae_model or train_vae(complete, args.workdir / "vae", args.vae_epochs,
                                             args.vae_windows)
    embedder = GenomeEmbedder.from_checkpoint(model_path)

    embeddings, n_acgt = {}, {}
    for gid, fasta in complete.items():
        embeddings[gid], counts = embed_all(fasta, embedder)
        n_acgt[gid] = int(counts.n_acgt)
    print_species_table(embeddings, [g.species for g in GENOMES])

    intact = {gid: embeddings[gid] for gid in complete if not gid.endswith("_draft")}
    cut_embeddings = {name: {} for name in CUTS}
    bases = {}
    cut_fasta = args.workdir / "cut.fna"
    for number, genome in enumerate(g for g in GENOMES if g.genome_id in intact):
        records = genome_records(root, genome)
        for name, (lengths, keep, _, _) in CUTS.items():
            rng = np.random.default_rng([args.seed, number])
            write_fasta(cut_fasta, shred_records(records, rng, lengths, keep))
            cut_embeddings[name][genome.genome_id], counts = embed_all(cut_fasta, embedder)
            if keep < 1:
                bases[genome.genome_id] = (n_acgt[genome.genome_id], int(counts.n_acgt))
    print_cut_table(intact, cut_embeddings, bases, {g.genome_id: g.species for g in GENOMES})

    print("\n3. Real drafts: cosine to their strain's complete genome; the nearest complete "
          "genome (model view) is = their strain, ~ another strain of their species, "
          "x another species")
    print(f"  {'draft':<22} {'records':>7} {'bases used':>11} "
          + " ".join(f"{method:>10}" for method in METHODS))
    species_of = {g.genome_id: g.species for g in GENOMES}
    ids = list(embeddings)
    for draft, complete_id in DRAFTS.items():
        found, counts = embed_all(fastas[draft.genome_id], embedder)
        cells = []
        for method in METHODS:
            matrix = np.stack([embeddings[gid][method] for gid in ids] + [found[method]])
            points = model_view(method, matrix)
            nearest = ids[int(np.linalg.norm(points[:-1] - points[-1], axis=1).argmin())]
            mark = ("=" if nearest == complete_id
                    else "~" if species_of[nearest] == draft.species else "x")
            cells.append(f"{cosine(embeddings[complete_id][method], found[method]):.4f} {mark}")
        print(f"  {draft.genome_id:<22} {counts.n_records:>7} {counts.n_acgt:>11,} "
              + " ".join(f"{cell:>10}" for cell in cells))
    print(f"\ndone in {time.perf_counter() - started:.0f} s; load average "
          f"{os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
