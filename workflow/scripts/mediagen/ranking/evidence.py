"""What a genome's relatives grow on: the evidence the ranking model scores.

**Genome space.** Training genomes sit where their embeddings land through
:class:`mediagen.cvae.transform.ConditionTransform` (log for frequency tables, centred,
leading principal components); Euclidean distance there stands for relatedness.

**Media similarity.** The Jaccard index of two media's ingredient sets, over every
ingredient of the catalog, so that a medium gets credit for resembling one a relative grows
on: MediaDive holds many variants of one recipe.

**Closeness.** ``c(d) = 1 / (1 + (d / (w t))^2)``: 1 for the genome itself, 1/2 at ``w``
typical distances ``t`` between species, near 0 far beyond. Distances are judged against
the training species' distances to their nearest other species (``species_distances``):
their median is ``t``; closer than their first percentile (``floor``), a genome is as near
as no two training species are, and ``c`` stops rising there, since no training row ever
showed the model anything nearer (a query that close is a known genome: see
``MediaRanker.rank_point``).

**Features** of (genome, medium), one row per catalog medium (``FEATURES``):

- ``nearest_grows``: whether the nearest training genome grows on the medium;
- ``vote_5``, ``vote_25``: the share of the 5 / 25 nearest that grow on it;
- ``kernel_vote``: the same over the 25 nearest, each weighted by its closeness (``w`` = 1),
  so that a close cluster of relatives outvotes far ones;
- ``similar_nearest``, ``similar_5``: the highest similarity of the medium to a medium
  the nearest (each of the 5 nearest, averaged) grows on;
- ``grower_closeness``: the closeness (``w`` = 1) of the nearest of the 25 that grows on it;
- ``popularity``, ``type_popularity``: log counts of training genomes (of the genome's
  organism type) growing on it, over the log of the largest count; genomes left out of a
  query leave these counts too, or every medium a training genome grows on would look
  known to the model, and media no training genome grows on, hopeless;
- ``genus_share``, ``family_share``, ``order_share``, ``class_share``: of the training
  species of the genome's genus (family, order, class), ``k / (n + 1)`` where ``k`` of the
  ``n`` grow on the medium: what relatives at each rank grow on, the taxonomy lookups a
  microbiologist does by hand, weaker where a group holds one species than where it holds
  ten;
- ``genus_top``, ``family_top``, ``order_top``, ``class_top``: ``k`` against that of the
  group's most common medium, 1 for the medium the lookup puts first;
- ``lookup_share``, ``lookup_top``: both at the nearest rank with training species, the
  one a lookup falls back to (adding a species there, or at a nearer rank, never lowers
  them for its media).

The lineage is the genome's own where it has one (the sheet, ``--lineage``); otherwise
``place`` puts it in the groups of its nearest training genome at every rank whose
``reach`` that genome lies within (the 90th percentile of how far a group's members at that
rank lie from their nearest member of another group at the rank below).

The first six are weighted by the nearest relative's closeness at ``w = GATE_WIDTH`` (3):
near 1 where relatives are as close as a genus' species usually are, fading far from every
training genome, where the popularity of media in the organism type is left to speak (on
the MediaDive world, held-out species of seen genera lie 0.3-1.7 typical distances from
their nearest training genome, whole unseen genera 8-12). Every feature rises with the
evidence that the genome grows on the medium, and the scoring heads
(:mod:`mediagen.ranking.model`) rise with every feature: a relative growing on a medium, or
coming closer, never lowers its probability.

Training genomes are scored with their own species left out (as a held-out species is),
and, to show the model what an unseen genus or family looks like, once more with their
genus and with their family left out; the ``exclude`` masks say which training genomes
a query may not use, in every feature.
"""

from dataclasses import dataclass, field

import numpy as np

FEATURES = ("nearest_grows", "vote_5", "vote_25", "kernel_vote", "similar_nearest",
            "similar_5", "grower_closeness", "popularity", "type_popularity", "genus_share",
            "family_share", "order_share", "class_share", "genus_top", "family_top",
            "order_top", "class_top", "lookup_share", "lookup_top")
TAXA = ("species", "genus", "family", "order", "class", "phylum")  # nearest first
SHARE_RANKS = ("genus", "family", "order", "class")  # the ranks of the *_share features
PLACE_QUANTILE = 0.9
NEIGHBOURS = 25
VOTERS = 5
GATE_WIDTH = 3.0  # the gate on the relatives' features, in typical distances
FLOOR_QUANTILE = 0.01


@dataclass
class MediaSets:
    """Every catalog medium's ingredient set, as compressed sparse rows."""

    indptr: np.ndarray  # (n_media + 1,) int64
    indices: np.ndarray  # (nnz,) int64 ingredient columns
    n_ingredients: int

    @classmethod
    def from_matrix(cls, grams_per_litre: np.ndarray) -> "MediaSets":
        rows, columns = np.nonzero(np.asarray(grams_per_litre) > 0)
        indptr = np.zeros(grams_per_litre.shape[0] + 1, dtype=np.int64)
        np.add.at(indptr, rows + 1, 1)
        return cls(np.cumsum(indptr), columns.astype(np.int64), int(grams_per_litre.shape[1]))

    def __post_init__(self):
        self.sizes = np.diff(self.indptr)
        self._row_of_entry = np.repeat(np.arange(len(self.sizes)), self.sizes)

    def __len__(self) -> int:
        return len(self.sizes)

    def ingredients(self, medium: int) -> np.ndarray:
        return self.indices[self.indptr[medium]:self.indptr[medium + 1]]

    def similarity_to(self, media: np.ndarray) -> np.ndarray:
        """(n_media, len(media)) Jaccard index of every medium with each of ``media``."""
        similarity = np.zeros((len(self), len(media)), dtype=np.float32)
        for k, medium in enumerate(media):
            member = np.zeros(self.n_ingredients, dtype=np.float64)
            member[self.ingredients(medium)] = 1.0
            shared = np.bincount(self._row_of_entry, weights=member[self.indices],
                                 minlength=len(self))
            union = self.sizes + self.sizes[medium] - shared
            similarity[:, k] = np.where(union > 0, shared / np.maximum(union, 1), 0.0)
        return similarity


@dataclass
class GrowthEvidence:
    """The training genomes in genome space and the media each grows on."""

    points: np.ndarray  # (n_genomes, d) float32
    organism_types: np.ndarray  # (n_genomes,) str
    media_offsets: np.ndarray  # (n_genomes + 1,) int64 into media_indices
    media_indices: np.ndarray  # (n_pairs,) int64 catalog rows
    media: MediaSets
    # each training genome's distance to its nearest genome of another species
    species_distances: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # per rank of TAXA, each training genome's key ('' where unknown)
    taxa: dict[str, np.ndarray] = field(default_factory=dict)
    # per rank of SHARE_RANKS, how near a genome must be to one of a group to be placed in it
    reach: dict[str, float] = field(default_factory=dict)

    def __post_init__(self):
        found = np.sort(np.asarray(self.species_distances, dtype=np.float64))
        self.species_distances = found[np.isfinite(found) & (found > 0)]
        known = len(self.species_distances) > 0
        self.typical_distance = float(np.median(self.species_distances)) if known else 1.0
        self.floor_distance = (float(np.quantile(self.species_distances, FLOOR_QUANTILE))
                               if known else 0.0)
        self.popularity = np.bincount(self.media_indices,
                                      minlength=len(self.media)).astype(np.float32)
        self.type_popularity = {t: self._counts(np.flatnonzero(self.organism_types == t))
                                for t in sorted(set(self.organism_types))}
        self._log_scale = float(np.log1p(max(self.popularity.max(initial=0.0), 1.0)))
        n_genomes = len(self.points)
        self.taxa = {rank: np.asarray(self.taxa.get(rank, [""] * n_genomes), dtype=str)
                     for rank in TAXA}
        self._species_media: dict[str, np.ndarray] = {}
        for species in np.unique(self.taxa["species"]):
            self._species_media[species] = np.unique(self._grown_by(
                np.flatnonzero(self.taxa["species"] == species)))
        self._members = {rank: _members(self.taxa[rank], self.taxa["species"])
                         for rank in SHARE_RANKS}
        self._group_counts: dict[tuple[str, str], np.ndarray] = {}

    def grown_by(self, genome: int) -> np.ndarray:
        return self.media_indices[self.media_offsets[genome]:self.media_offsets[genome + 1]]

    def _grown_by(self, genomes: np.ndarray) -> np.ndarray:
        parts = [self.grown_by(g) for g in genomes]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def neighbours(self, point: np.ndarray, exclude: np.ndarray | None = None,
                   k: int = NEIGHBOURS) -> tuple[np.ndarray, np.ndarray]:
        """(indices, distances) of the ``k`` nearest training genomes not excluded."""
        distance = np.sqrt(((self.points - point) ** 2).sum(axis=1, dtype=np.float64))
        if exclude is not None:
            distance[exclude] = np.inf
        order = np.argsort(distance, kind="stable")[:k]
        order = order[np.isfinite(distance[order])]
        return order, distance[order]

    def features(self, point: np.ndarray, organism_type: str,
                 exclude: np.ndarray | None = None, lineage: dict[str, str] | None = None
                 ) -> np.ndarray:
        """(n_media, len(FEATURES)) float32 evidence for one genome and every medium;
        ``lineage`` (rank -> key) defaults to the one ``place`` gives."""
        n_media = len(self.media)
        nearest, distance = self.neighbours(point, exclude)
        out = np.zeros((n_media, len(FEATURES)), dtype=np.float32)
        if len(nearest):
            closeness = self.closeness(distance)
            weights = closeness / closeness.sum()
            similar = self._similar_to_grown(nearest[:VOTERS])
            for rank, genome in enumerate(nearest):
                grown = self.grown_by(genome)
                if rank == 0:
                    out[grown, 0] = 1.0
                if rank < VOTERS:
                    out[grown, 1] += 1.0 / VOTERS
                out[grown, 2] += 1.0 / NEIGHBOURS
                out[grown, 3] += weights[rank]
                out[grown, 6] = np.maximum(out[grown, 6], closeness[rank])
            out[:, 4] = similar[:, 0]
            out[:, 5] = similar.mean(axis=1)
            out[:, :6] *= self.closeness(distance[:1], GATE_WIDTH)
        popularity, typed = self.popularity, self.type_popularity.get(organism_type)
        if exclude is not None and exclude.any():
            left_out = np.flatnonzero(exclude)
            popularity = popularity - self._counts(left_out)
            if typed is not None:
                typed = typed - self._counts(left_out[self.organism_types[left_out]
                                                      == organism_type])
        out[:, 7] = np.log1p(popularity) / self._log_scale
        if typed is not None:
            out[:, 8] = np.log1p(typed) / self._log_scale
        if lineage is None:
            lineage = self.place(point, exclude)
        out[:, 9:] = self.share_features(lineage, exclude)
        return out

    def group_counts(self, rank: str, key: str, left_out: set[str]) -> tuple[int, np.ndarray]:
        """(training species in a group, how many of them grow on each medium), the
        ``left_out`` species not counted."""
        members = self._members[rank].get(key, ())
        if (rank, key) not in self._group_counts:
            self._group_counts[rank, key] = self._species_counts(members)
        gone = [s for s in members if s in left_out]
        counts = self._group_counts[rank, key]
        if gone:
            counts = counts - self._species_counts(gone)
        return len(members) - len(gone), counts

    def _species_counts(self, species) -> np.ndarray:
        counts = np.zeros(len(self.media), dtype=np.float32)
        for name in species:
            counts[self._species_media[name]] += 1.0
        return counts

    def left_out_species(self, exclude: np.ndarray | None) -> set[str]:
        return set() if exclude is None else set(self.taxa["species"][exclude])

    def share_features(self, lineage: dict[str, str], exclude: np.ndarray | None = None
                       ) -> np.ndarray:
        """(n_media, 2 len(SHARE_RANKS) + 2): per rank, the share of the genome's group's
        training species growing on each medium, ``k / (n + 1)`` of ``n`` (so one species'
        word is weaker than ten's); then per rank ``k`` against the group's most common
        medium's (1 for the medium a lookup puts first); 0 where the rank is unknown or the
        group has no training species. Last, both at the nearest rank that has training
        species, as the lookups fall back."""
        ranks = len(SHARE_RANKS)
        out = np.zeros((len(self.media), 2 * ranks + 2), dtype=np.float32)
        left_out = self.left_out_species(exclude)
        nearest = None
        for column, rank in enumerate(SHARE_RANKS):
            if key := lineage.get(rank, ""):
                n, counts = self.group_counts(rank, key, left_out)
                out[:, column] = counts / (n + 1.0)
                out[:, ranks + column] = counts / max(counts.max(initial=0.0), 1.0)
                if n and nearest is None:
                    nearest = column
        if nearest is not None:
            out[:, 2 * ranks:] = out[:, [nearest, ranks + nearest]]
        return out

    def place(self, point: np.ndarray, exclude: np.ndarray | None = None) -> dict[str, str]:
        """A lineage for a genome without one, from its nearest training genome: each rank
        (of SHARE_RANKS) whose ``reach`` the nearest one lies within."""
        nearest, distance = self.neighbours(point, exclude, k=1)
        if not len(nearest):
            return {}
        return {rank: str(self.taxa[rank][nearest[0]]) for rank in SHARE_RANKS
                if self.taxa[rank][nearest[0]] and distance[0] <= self.reach.get(rank, -1.0)}

    def closeness(self, distance: np.ndarray, width: float = 1.0) -> np.ndarray:
        """``1 / (1 + (d / (width t))^2)``, constant below the floor (see the module doc)."""
        return 1.0 / (1.0 + (np.maximum(distance, self.floor_distance)
                             / (width * self.typical_distance)) ** 2)

    def distance_percentile(self, distance: float) -> float:
        """The share (in %) of training genomes whose nearest other species is at most
        ``distance`` away: 50 is as far as a typical species from its nearest neighbour,
        100 farther than any training species."""
        if not len(self.species_distances):
            return float("nan")
        below = np.searchsorted(self.species_distances, distance, side="right")
        return 100.0 * below / len(self.species_distances)

    def _counts(self, genomes: np.ndarray) -> np.ndarray:
        """How many of ``genomes`` grow on each medium."""
        return np.bincount(self._grown_by(genomes), minlength=len(self.media)).astype(np.float32)

    def _similar_to_grown(self, genomes: np.ndarray) -> np.ndarray:
        """(n_media, VOTERS): each medium's best similarity to what each genome grows on."""
        grown = [self.grown_by(g) for g in genomes]
        union = np.unique(np.concatenate(grown)) if grown else np.zeros(0, dtype=np.int64)
        similarity = self.media.similarity_to(union)
        column = {m: i for i, m in enumerate(union)}
        best = np.zeros((len(self.media), VOTERS), dtype=np.float32)
        for k, media in enumerate(grown):
            if len(media):
                best[:, k] = similarity[:, [column[m] for m in media]].max(axis=1)
        return best

    def evidence_for(self, point: np.ndarray, medium: int, k: int = NEIGHBOURS
                     ) -> list[tuple[int, float]]:
        """(training genome, distance) of the near genomes that grow on ``medium``."""
        nearest, distance = self.neighbours(point, k=k)
        return [(int(g), float(d)) for g, d in zip(nearest, distance, strict=True)
                if medium in self.grown_by(g)]


def _members(groups: np.ndarray, species: np.ndarray) -> dict[str, list[str]]:
    """group key -> its species (unknown groups left out)."""
    found: dict[str, set[str]] = {}
    for group, name in zip(groups, species, strict=True):
        if group:
            found.setdefault(str(group), set()).add(str(name))
    return {group: sorted(names) for group, names in found.items()}


def rank_reach(points: np.ndarray, taxa: dict[str, np.ndarray]) -> dict[str, float]:
    """Per rank of SHARE_RANKS, the ``PLACE_QUANTILE`` of training genomes' distances to
    their nearest genome of the same group at that rank but another at the rank below (a
    species' nearest congener of another species, a genus' nearest confamilial of another
    genus, ...): how far apart members of one group at that rank usually lie."""
    reach = {}
    for rank, below in zip(SHARE_RANKS, TAXA, strict=False):
        if rank not in taxa or below not in taxa:
            continue
        group, sub = np.asarray(taxa[rank]), np.asarray(taxa[below])
        found = []
        for i in np.flatnonzero(group != ""):
            other = (group == group[i]) & (sub != sub[i])
            if other.any():
                found.append(np.sqrt(((points[other] - points[i]) ** 2).sum(
                    axis=1, dtype=np.float64)).min())
        if found:
            reach[rank] = float(np.quantile(found, PLACE_QUANTILE))
    return reach
