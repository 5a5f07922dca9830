"""Synthetic genomes that follow a taxonomy: the genomes of the MediaDive world.

The MediaDive world pairs real strain records (species names, the media they grow on)
with genomes made here, so the whole chain can run against a loopback NCBI without the
internet. Genome similarity mirrors taxonomy, roughly as real k-mer profiles do:

- every genus gets a random root genome with its own composition: GC (25-75 %), codon
  preferences tilted by that GC, and an oligonucleotide vocabulary for its non-coding
  sequence; 0.3-1 Mb long;
- every species is a mutated copy of its genus root: 3-8 % of bases substituted (drawn
  from the genus' base composition, so the species keeps the genus' composition) and
  a few segments lost or duplicated;
- every strain (the genome NCBI serves for a species) is a lighter mutation of its
  species: 0.2 % of bases substituted.

Genera share nothing, so nothing in a genome tells an unseen genus' media apart. Every
genome is a function of (seed, genus, species, strain) alone, so a world can be served
lazily and the same name always gives the same bytes.
"""

import functools
import zlib

import numpy as np

from .genomes import BASES, _codon_usage

ROOT_LENGTH = (300_000, 1_000_000)
SPECIES_DIVERGENCE = (0.03, 0.08)
STRAIN_DIVERGENCE = 0.002
CODING_FRACTION = 0.88
_CODON_BYTES = np.array([[ord(b) for b in a + b_ + c] for a in "ACGT" for b_ in "ACGT"
                         for c in "ACGT"], dtype=np.uint8)
_COMPLEMENT = np.arange(256, dtype=np.uint8)
_COMPLEMENT[list(b"ACGT")] = list(b"TGCA")


def _rng(seed: int, *keys: str) -> np.random.Generator:
    return np.random.default_rng([seed, *(zlib.crc32(key.encode()) for key in keys)])


def _base_probabilities(gc: float) -> np.ndarray:
    return np.array([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2])


def _genes(rng: np.random.Generator, usage: np.ndarray, total: int) -> list[np.ndarray]:
    """Genes of 100-600 codons (ATG ... TAA) on either strand, about ``total`` bases."""
    lengths = rng.integers(100, 600, size=max(1, total // 1000))
    codons = _CODON_BYTES[rng.choice(64, size=int(lengths.sum()), p=usage)].reshape(-1)
    genes, start = [], 0
    for n_codons in lengths:
        body = codons[start:start + 3 * n_codons]
        start += 3 * n_codons
        gene = np.concatenate([np.frombuffer(b"ATG", np.uint8), body,
                               np.frombuffer(b"TAA", np.uint8)])
        genes.append(_COMPLEMENT[gene[::-1]] if rng.random() < 0.5 else gene)
    return genes


def _noncoding(rng: np.random.Generator, gc: float, total: int) -> np.ndarray:
    """Sequence from a genus vocabulary of 64 words (4-9 bases) with skewed weights."""
    words = [rng.choice(BASES, size=int(rng.integers(4, 10)), p=_base_probabilities(gc))
             for _ in range(64)]
    weights = rng.dirichlet(np.full(64, 0.3))
    picks = rng.choice(64, size=max(1, total // 6), p=weights)
    return np.concatenate([words[i] for i in picks])[:total]


@functools.lru_cache(maxsize=64)
def genus_root(seed: int, genus: str) -> tuple[np.ndarray, float]:
    """(root sequence as ASCII bytes, GC) of a genus; cached, genera recur in a world."""
    rng = _rng(seed, "genus", genus)
    gc = float(rng.uniform(0.25, 0.75))
    length = int(rng.integers(*ROOT_LENGTH))
    coding = _genes(rng, _codon_usage(seed, f"genus:{genus}", gc),
                    int(length * CODING_FRACTION))
    spacer = _noncoding(rng, gc, length - sum(len(g) for g in coding) + 50 * len(coding))
    cuts = np.sort(rng.integers(0, len(spacer), size=len(coding)))
    pieces = []
    for gene, (a, b) in zip(coding, zip(np.r_[0, cuts[:-1]], cuts, strict=True), strict=True):
        pieces += [spacer[a:b], gene]
    pieces.append(spacer[cuts[-1]:])
    root = np.concatenate(pieces)[:length]
    root.setflags(write=False)
    return root, gc


def _substitute(rng: np.random.Generator, sequence: np.ndarray, rate: float,
                gc: float) -> np.ndarray:
    mutated = sequence.copy()
    sites = np.flatnonzero(rng.random(len(sequence)) < rate)
    mutated[sites] = rng.choice(BASES, size=len(sites), p=_base_probabilities(gc))
    return mutated


def _rearrange(rng: np.random.Generator, sequence: np.ndarray) -> np.ndarray:
    """Lose a few segments and duplicate others (each 1-3 % of the genome)."""
    n = len(sequence)
    for _ in range(int(rng.integers(1, 4))):
        size = int(n * rng.uniform(0.01, 0.03))
        start = int(rng.integers(0, len(sequence) - size))
        if rng.random() < 0.5:
            sequence = np.concatenate([sequence[:start], sequence[start + size:]])
        else:
            sequence = np.concatenate([sequence[:start + size], sequence[start:]])
    return sequence


def world_genome(seed: int, species: str, strain: str = "",
                 genus: str | None = None) -> list[tuple[str, bytes]]:
    """The records (name, sequence) of one strain's genome: 1-3 contigs.

    ``species`` is a binomial (``Bacillus subtilis``); its genus is its first word unless
    given (``Candidatus Koribacter versatilis`` is of genus ``Candidatus Koribacter``).
    """
    genus = genus or species.split()[0]
    root, gc = genus_root(seed, genus)
    species_rng = _rng(seed, "species", genus, species)
    genome = _rearrange(species_rng, _substitute(
        species_rng, root, float(species_rng.uniform(*SPECIES_DIVERGENCE)), gc))
    strain_rng = _rng(seed, "strain", genus, species, strain)
    genome = _substitute(strain_rng, genome, STRAIN_DIVERGENCE, gc)
    n_contigs = int(strain_rng.integers(1, 4))
    bounds = np.sort(strain_rng.choice(np.arange(1000, len(genome) - 1000),
                                       size=n_contigs - 1, replace=False))
    name = f"{species} {strain}".strip()
    return [(f"contig{i + 1} {name} synthetic world genome", part.tobytes())
            for i, part in enumerate(np.split(genome, bounds))]
