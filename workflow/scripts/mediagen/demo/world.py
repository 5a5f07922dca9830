"""Synthetic genomes that follow the tree of life: the genomes of the MediaDive world.

The MediaDive world pairs real strain records (species names, the media they grow on)
with genomes made here, so the whole chain can run against a loopback NCBI without the
internet. Real genomes drift apart rank by rank (canonical 4-mer log-frequencies: a median
Euclidean distance of about 0.2 between strains of a species, 1.5 between species of a
genus, 3.3 between genera of a family, 5-10 beyond), and so do these:

- a genome's composition is its GC, its codon preferences (tilted by that GC) and the
  weights of a vocabulary of 64 short words its non-coding sequence is made of;
- a phylum draws a composition of its own; every class, order, family, genus, species and
  strain below it is its parent's composition drifted by an amount of its rank
  (``RANK_DRIFT``), so two genera of a family share the family's composition up to the
  genus' drift, and a genome (a strain's) carries every drift on its path;
- an unknown rank is a node of its own under its parent, named after the nearest known
  taxon below it (never a name shared with other unknowns): a genus the lineage table
  lacks is its own root, and nothing shares its composition;
- the genomes of one genus are drawn from one random stream: their layout (length, genes,
  strands) and their codons and words, drawn first in the genus' own proportions and then
  redrawn only as far as a genome's own proportions differ (a maximal coupling), so species
  of a genus share most of their sequence, strains of a species nearly all of it, and
  genera none; each species also loses or duplicates a few segments. Genomes are 0.3-1 Mb.

Every genome is a function of (seed, lineage, species, strain) alone, so a world can be
served lazily and the same name always gives the same bytes.
"""

import functools
import zlib
from dataclasses import dataclass

import numpy as np

from ..catalog.lineage import taxon_key
from .genomes import BASES, SENSE_CODONS, codon_log_tilt

TREE_RANKS = ("phylum", "class", "order", "family", "genus", "species", "strain")
# the standard deviation of the drift at each rank below the phylum, in units of a codon's
# (and a word's) log preference: calibrated so that the median distances by rank match real
# genomes' (benchmarks/tree_distances.py)
RANK_DRIFT = {"class": 0.4, "order": 0.3, "family": 0.3, "genus": 0.28, "species": 0.14,
              "strain": 0.012}
BRANCH_LENGTH = (0.3, 1.7)  # a node's drift, relative to its rank's
GC_DRIFT = 0.4  # GC's logit drifts by this share of a rank's drift (GC moves 4-mers most)
ROOT_GC = (0.3, 0.7)  # a phylum's GC; its descendants drift to about 0.2-0.78
ROOT_SPREAD = 0.6  # standard deviation of a phylum's codon and word log preferences
N_WORDS = 64
WORD_LENGTH = (4, 10)
GENOME_LENGTH = (300_000, 1_000_000)
CODING_FRACTION = 0.88
GUIDE = 4096  # buckets of _pick's guide table
_CODON_BYTES = np.array([[ord(b) for b in a + b_ + c] for a in "ACGT" for b_ in "ACGT"
                         for c in "ACGT"], dtype=np.uint8)
_COMPLEMENT = np.arange(256, dtype=np.uint8)
_COMPLEMENT[list(b"ACGT")] = list(b"TGCA")


def _rng(seed: int, *keys: str) -> np.random.Generator:
    return np.random.default_rng([seed, *(zlib.crc32(key.encode()) for key in keys)])


def _pick(weights: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Indices drawn in proportion to ``weights``, one per uniform (inverse CDF).

    A guide table answers the uniforms whose 1/4096 of [0, 1) lies within one item (nearly
    all), a search the rest: a search of every uniform was half a genome's making.
    """
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    guide = np.searchsorted(cdf, np.arange(GUIDE + 1) / GUIDE, side="right")
    bucket = (uniforms * GUIDE).astype(np.intp)
    picks = guide[bucket]
    unsure = guide[bucket + 1] != picks
    picks[unsure] = np.searchsorted(cdf, uniforms[unsure], side="right")
    return np.minimum(picks, len(weights) - 1)


def _coupled_picks(rng: np.random.Generator, anchor: np.ndarray, weights: np.ndarray,
                   n: int) -> np.ndarray:
    """``n`` indices drawn in proportion to ``weights`` that repeat the draws in proportion
    to ``anchor`` (made from the same stream) wherever they can: a draw is kept with
    probability min(1, weight / anchor), else redrawn from the excess of weights over
    anchor (a maximal coupling). Genomes read from one stream through nearby weights thus
    share most of their sequence, each exactly in its own proportions."""
    anchor, weights = anchor / anchor.sum(), weights / weights.sum()
    picks = _pick(anchor, rng.random(n))
    keep = rng.random(n) * anchor[picks] < weights[picks]
    redraw = rng.random(n)  # drawn in any case: the stream stays aligned across genomes
    excess = np.maximum(weights - anchor, 0)
    if excess.any():  # else the anchor's own proportions: every draw is kept
        picks[~keep] = _pick(excess, redraw[~keep])
    return picks


@dataclass(frozen=True)
class Composition:
    """What a node of the tree passes down: GC (as a logit), codon and word log preferences,
    and its words' lengths and the uniforms their bases are read from (the phylum's, shared
    below it)."""

    gc_logit: float
    codon_logits: np.ndarray
    word_logits: np.ndarray
    word_lengths: np.ndarray
    word_uniforms: np.ndarray  # the words' uniforms end to end

    @classmethod
    def root(cls, rng: np.random.Generator) -> "Composition":
        gc = rng.uniform(*ROOT_GC)
        lengths = rng.integers(*WORD_LENGTH, size=N_WORDS)
        return cls(float(np.log(gc / (1 - gc))), rng.normal(0, ROOT_SPREAD, 64),
                   rng.normal(0, ROOT_SPREAD, N_WORDS), lengths, rng.random(lengths.sum()))

    def drifted(self, rng: np.random.Generator, drift: float) -> "Composition":
        """A child's composition. Its branch is ``drift`` times a length of its own (as
        lineages evolve at different rates), so that pairs of one rank are not all equally
        far apart."""
        drift *= rng.uniform(*BRANCH_LENGTH)
        return Composition(self.gc_logit + GC_DRIFT * drift * rng.normal(),
                           self.codon_logits + drift * rng.normal(size=64),
                           self.word_logits + drift * rng.normal(size=N_WORDS),
                           self.word_lengths, self.word_uniforms)

    @property
    def gc(self) -> float:
        return float(1 / (1 + np.exp(-self.gc_logit)))

    def codon_usage(self) -> np.ndarray:
        weights = np.exp(self.codon_logits + codon_log_tilt(self.gc)) * SENSE_CODONS
        return weights / weights.sum()

    def words(self) -> np.ndarray:
        """The non-coding vocabulary end to end: the phylum's words, their bases read at
        this GC."""
        gc = self.gc
        return BASES[_pick(np.array([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]),
                           self.word_uniforms)]


def tree_path(lineage: dict[str, str], genus: str, species: str,
              strain: str) -> tuple[tuple[str, str], ...]:
    """(rank, name key) from phylum to strain. An unknown rank above the genus is named
    after the nearest known taxon below it, so it is one node for everything under that
    taxon and shared with nothing else."""
    path = [("strain", taxon_key(strain)), ("species", taxon_key(species)),
            ("genus", taxon_key(genus))]
    below = f"genus {taxon_key(genus)}"
    for rank in reversed(TREE_RANKS[:4]):
        name = taxon_key(lineage.get(rank))
        if name:
            below = f"{rank} {name}"
        path.append((rank, name or f"(the {rank} of {below})"))
    return tuple(reversed(path))


def _node_keys(path: tuple[tuple[str, str], ...]) -> list[str]:
    return [f"{rank}:{name}" for rank, name in path]


@functools.lru_cache(maxsize=4096)
def composition(seed: int, path: tuple[tuple[str, str], ...]) -> Composition:
    """A node's composition: drawn at the phylum, drifted at every rank below; cached,
    since the nodes above a strain recur across a world."""
    rng = _rng(seed, "composition", *_node_keys(path))
    if len(path) == 1:
        return Composition.root(rng)
    return composition(seed, path[:-1]).drifted(rng, RANK_DRIFT[path[-1][0]])


def _genome(layout: np.random.Generator, anchor: Composition,
            comp: Composition) -> np.ndarray:
    """A genome read from a genus' stream (``layout``, drawn through the genus' own
    composition, ``anchor``) through its own composition: genes of 100-600 codons
    (ATG ... TAA) on either strand, about ``CODING_FRACTION`` of it, between stretches of
    the vocabulary's words."""
    length = int(layout.integers(*GENOME_LENGTH))
    n_codons = layout.integers(100, 600, size=max(1, int(length * CODING_FRACTION) // 1000))
    reverse = layout.random(len(n_codons)) < 0.5
    codons = _CODON_BYTES[_coupled_picks(layout, anchor.codon_usage(), comp.codon_usage(),
                                         int(n_codons.sum()))]
    spacer_length = length - int(3 * n_codons.sum() + 6 * len(n_codons)) + 50 * len(n_codons)
    spacer = _spacer(layout, anchor, comp, spacer_length)
    cuts = np.sort(layout.integers(0, spacer_length, size=len(n_codons)))
    pieces, codon, start = [], 0, 0
    for size, flip, cut in zip(n_codons, reverse, cuts, strict=True):
        gene = np.concatenate([np.frombuffer(b"ATG", np.uint8),
                               codons[codon:codon + size].reshape(-1),
                               np.frombuffer(b"TAA", np.uint8)])
        codon += size
        pieces += [spacer[start:cut], _COMPLEMENT[gene[::-1]] if flip else gene]
        start = cut
    pieces.append(spacer[start:])
    return np.concatenate(pieces)[:length]


def _spacer(layout: np.random.Generator, anchor: Composition, comp: Composition,
            length: int) -> np.ndarray:
    """``length`` bases of the vocabulary's words, picked by their weights."""
    picks = _coupled_picks(layout, np.exp(anchor.word_logits - anchor.word_logits.max()),
                           np.exp(comp.word_logits - comp.word_logits.max()),
                           length // WORD_LENGTH[0] + 1)
    sizes = comp.word_lengths[picks]
    starts = (np.cumsum(comp.word_lengths) - comp.word_lengths)[picks]
    offsets = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return comp.words()[np.repeat(starts, sizes) + offsets][:length]


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


def world_genome(seed: int, species: str, strain: str = "", genus: str | None = None,
                 lineage: dict[str, str] | None = None) -> list[tuple[str, bytes]]:
    """The records (name, sequence) of one strain's genome: 1-3 contigs.

    ``species`` is a binomial (``Bacillus subtilis``); its genus is the lineage's, else
    ``genus``, else its first word (``Candidatus Koribacter versatilis`` is of genus
    ``Candidatus Koribacter``). ``lineage`` (rank -> name, ``mediagen.catalog.lineage``)
    places the genus in the tree; without its ranks above the genus, the genus is a root
    of its own.
    """
    lineage = lineage or {}
    genus = lineage.get("genus") or genus or species.split()[0]
    path = tree_path(lineage, genus, species, strain)
    genus_path = path[:TREE_RANKS.index("genus") + 1]
    genome = _genome(_rng(seed, "layout", *_node_keys(genus_path)),
                     composition(seed, genus_path), composition(seed, path))
    genome = _rearrange(_rng(seed, "rearrange", *_node_keys(path[:-1])), genome)
    strain_rng = _rng(seed, "contigs", *_node_keys(path))
    bounds = np.sort(strain_rng.choice(np.arange(1000, len(genome) - 1000),
                                       size=int(strain_rng.integers(1, 4)) - 1,
                                       replace=False))
    name = f"{species} {strain}".strip()
    return [(f"contig{i + 1} {name} synthetic world genome", part.tobytes())
            for i, part in enumerate(np.split(genome, bounds))]
