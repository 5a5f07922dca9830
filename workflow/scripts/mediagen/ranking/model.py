"""MediaRanker: the catalog's media ranked for a genome, with calibrated growth probabilities.

A small network scores each (genome, medium) from the evidence of
:mod:`mediagen.ranking.evidence`; several such networks, each trained on a bootstrap
sample of the training genomes, form an ensemble. Each network rises with every feature
(non-negative weights, and units of a convex and of a concave monotone activation, so it
can bend both ways), so more or closer evidence for a medium never lowers its score: a
training genome's own media are the most likely for it, and stay so for near copies. Their
mean logit, Platt-scaled on the validation genomes (``p = sigmoid(a * logit + b)``), is the
probability that the organism grows on the medium; the spread of the members' calibrated
probabilities (standard deviation) is its uncertainty. Everything a ranking needs travels
in one checkpoint: the networks, the calibration, the genome transform, the training
genomes with their media and the catalog's ingredient sets.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from ..catalog.lineage import taxon_key
from ..checkpoint import load_checkpoint, save_checkpoint
from ..cvae.transform import ConditionTransform, Embedding
from ..errors import MediagenError
from .evidence import FEATURES, SHARE_RANKS, GrowthEvidence, MediaSets

CHECKPOINT_KIND = "ranker"
FACTS = ("link", "min_ph", "max_ph", "complex", "salt_g_l", "anaerobic", "anaerobic_because")
ANCHOR_SHARE = 0.5  # a medium worth varying is at least this likely relative to the best
ANCHOR_POOL = 10


class MonotoneLinear(nn.Linear):
    """A linear layer through the absolute values of its weights: every output rises with
    every input."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight.abs(), self.bias)


def monotone_activation(x: torch.Tensor) -> torch.Tensor:
    """ReLU on the first half of the units (convex), its mirror ``-relu(-x)`` on the second
    (concave): both rise, and together they can bend either way."""
    half = x.shape[-1] // 2
    return torch.cat([F.relu(x[..., :half]), -F.relu(-x[..., half:])], dim=-1)


class ScoringHead(nn.Module):
    """Evidence features -> one logit per (genome, medium), rising with every feature."""

    def __init__(self, n_features: int, hidden: int):
        super().__init__()
        self.layers = nn.ModuleList([MonotoneLinear(n_features, hidden),
                                     MonotoneLinear(hidden, hidden), MonotoneLinear(hidden, 1)])

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x = features
        for layer in self.layers[:-1]:
            x = monotone_activation(layer(x))
        return self.layers[-1](x).squeeze(-1)


@dataclass
class TrainingGenomes:
    """Who the evidence comes from: ids, taxa and organism types of the training genomes."""

    genome_ids: list[str]
    genera: list[str]
    species: list[str]
    organism_types: list[str]


@dataclass
class Ranking:
    """One genome's ranking: every catalog medium, most likely first (a known genome's
    recorded media first of all)."""

    table: pd.DataFrame  # rank, media_id, media_name, probability, uncertainty, recorded,
    #                      evidence
    probability: np.ndarray  # per catalog medium, in the catalog's order
    anchors: list[str]  # the media worth varying into new recipes (see MediaRanker.anchors)
    organism_type: str
    nearest_genome: str
    nearest_distance: float
    distance_percentile: float  # of training species' distances to their nearest other one
    known_as: list[str]  # genomes of the nearest one's species, nearer than any two species
    novel: bool  # farther from every training genome than any training species is
    lineage_evidence: str  # which rank the relatives' evidence came from (describe_lineage)

    def describe_distance(self) -> str:
        """One line: how far the genome is from what the model was trained on."""
        where = (f"nearest training genome {self.nearest_genome} (distance "
                 f"{self.nearest_distance:.3g}, percentile {self.distance_percentile:.0f} of "
                 "training species' distances to their nearest other species)")
        if self.known_as:
            return (f"{where}; known: as near to {', '.join(self.known_as)} as no two training "
                    "species are to each other, so their recorded media come first")
        if self.novel:
            return (f"{where}; NOVEL: farther from every training genome than any training "
                    "species is from its nearest other species; the answer leans on the "
                    "organism type's common media")
        return where


@dataclass
class MediaRanker:
    heads: list[ScoringHead]
    hidden: int
    calibration: tuple[float, float]  # (a, b) of sigmoid(a * mean logit + b)
    transform: ConditionTransform
    evidence: GrowthEvidence
    genomes: TrainingGenomes
    media_ids: list[str]
    media_names: list[str]
    history: list[dict] = field(default_factory=list)
    provenance: dict = field(default_factory=dict)  # how genomes were embedded
    calibrated_on: str = ""  # what the Platt scaling was fitted on, in words
    facts: pd.DataFrame | None = None  # FACTS of each catalog medium, in the catalog's order

    def media_table(self, media: np.ndarray) -> pd.DataFrame:
        """media_id, media_name and what a user needs to act on each of ``media``."""
        table = pd.DataFrame({"media_id": [self.media_ids[m] for m in media],
                              "media_name": [self.media_names[m] for m in media]})
        if self.facts is not None:
            table = pd.concat([table, self.facts.iloc[media].reset_index(drop=True)], axis=1)
        return table

    @property
    def embedding_method(self) -> str:
        return self.transform.method

    # -- scoring ----------------------------------------------------------------------

    @torch.no_grad()
    def member_logits(self, features: np.ndarray) -> np.ndarray:
        """(n_members, n_rows) logits of every ensemble member."""
        x = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))
        for head in self.heads:
            head.eval()
        return torch.stack([head(x) for head in self.heads]).numpy().astype(np.float64)

    def probabilities(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(calibrated probability, uncertainty) for rows of evidence features."""
        a, b = self.calibration
        logits = self.member_logits(features)
        probability = sigmoid(a * logits.mean(axis=0) + b)
        uncertainty = sigmoid(a * logits + b).std(axis=0)
        return probability, uncertainty

    def point(self, embedding: Embedding) -> np.ndarray:
        return self.transform.apply(embedding)[0]

    def rank(self, embedding: Embedding, organism_type: str | None = None,
             n_evidence: int = 3, lineage: dict[str, str] | None = None) -> Ranking:
        """Every catalog medium ranked for one genome; the organism type defaults to that
        of the nearest training genome, the lineage (rank -> name) to the one its nearest
        training genomes place it in. The first ``n_evidence`` media name their evidence."""
        return self.rank_point(self.point(embedding), organism_type, n_evidence, lineage)

    def type_point(self, organism_type: str) -> np.ndarray:
        """The average training genome of an organism type, in genome space."""
        members = np.asarray(self.genomes.organism_types) == organism_type
        if not members.any():
            raise MediagenError(
                f"the ranking model has no training genomes of type {organism_type!r}; "
                f"choose one of {', '.join(sorted(set(self.genomes.organism_types)))}")
        return self.evidence.points[members].mean(axis=0)

    def rank_point(self, point: np.ndarray, organism_type: str | None = None,
                   n_evidence: int = 3, lineage: dict[str, str] | None = None) -> Ranking:
        """``rank`` for a point of genome space."""
        evidence = self.evidence
        nearest, distance = evidence.neighbours(point, k=1)
        organism_type = organism_type or self.genomes.organism_types[int(nearest[0])]
        placed = lineage is None
        keys = evidence.place(point) if placed else {
            rank: taxon_key(lineage.get(rank)) for rank in SHARE_RANKS}
        probability, uncertainty = self.probabilities(
            evidence.features(point, organism_type, lineage=keys))
        known = self.known_genomes(point)
        recorded = self.recorded_media(known)
        order = np.argsort(-order_scores(probability, recorded), kind="stable")
        table = self.media_table(order)
        table.insert(0, "rank", np.arange(1, len(order) + 1))
        table.insert(3, "probability", probability[order])
        table.insert(4, "uncertainty", uncertainty[order])
        table.insert(5, "recorded", recorded[order])
        table["evidence"] = ""
        for row, medium in enumerate(order[:n_evidence]):
            table.loc[row, "evidence"] = self.describe_evidence(point, int(medium))
        d1 = float(distance[0])
        return Ranking(table, probability, self.anchors(probability), organism_type,
                       self.genomes.genome_ids[int(nearest[0])], d1,
                       evidence.distance_percentile(d1),
                       [self.genomes.genome_ids[int(g)] for g in known],
                       bool(len(evidence.species_distances)
                            and d1 > evidence.species_distances[-1]),
                       self.describe_lineage(keys, placed))

    def describe_lineage(self, lineage: dict[str, str], placed: bool) -> str:
        """Which rank the relatives' evidence comes from: the nearest rank of the genome's
        lineage with training species, and how the lineage was known."""
        how = ("placed by its nearest training genome" if placed
               else "from the lineage given")
        for rank in SHARE_RANKS:
            if key := lineage.get(rank):
                n, _ = self.evidence.group_counts(rank, key, set())
                if n:
                    return (f"relatives' evidence from its {rank} {key} ({n} training "
                            f"species; lineage {how})")
        if placed:
            return ("no rank of relatives: no training genome is near enough to place it in "
                    "a genus, family, order or class")
        return ("no rank of relatives: no training species shares a genus, family, order or "
                "class of the lineage given")

    def training_lineage(self, genome_id: str) -> dict[str, str]:
        """A training genome's lineage keys, genus to class."""
        genome = self.genomes.genome_ids.index(genome_id)
        return {rank: str(self.evidence.taxa[rank][genome]) for rank in SHARE_RANKS}

    def known_genomes(self, point: np.ndarray) -> np.ndarray:
        """The training genomes a genome is taken for: those of the nearest one's species
        that are nearer to it than any two training species are to each other."""
        nearest, distance = self.evidence.neighbours(point, k=len(self.genomes.genome_ids))
        species = np.asarray(self.genomes.species)
        return nearest[(distance <= self.evidence.floor_distance)
                       & (species[nearest] == species[nearest[0]])]

    def recorded_media(self, known: np.ndarray) -> np.ndarray:
        """Per catalog medium: is a known genome recorded to grow on it?"""
        recorded = np.zeros(len(self.media_ids), dtype=bool)
        for genome in known:
            recorded[self.evidence.grown_by(genome)] = True
        return recorded

    def anchors(self, probability: np.ndarray) -> list[str]:
        """The media worth varying into new recipes for a genome: among its ten best, those
        with an ingredient and at least half as likely as the best one, in rank order."""
        order = [m for m in np.argsort(-probability, kind="stable")[:ANCHOR_POOL]
                 if self.evidence.media.sizes[m] > 0]
        if not order:
            return []
        best = probability[order[0]]
        return [self.media_ids[m] for m in order if probability[m] >= ANCHOR_SHARE * best]

    def describe_evidence(self, point: np.ndarray, medium: int, shown: int = 3) -> str:
        """'genome (distance), ...' for the nearest training genomes growing on a medium."""
        found = self.evidence.evidence_for(point, medium)
        if not found:
            return "no near training genome grows on it"
        return ", ".join(f"{self.genomes.genome_ids[g]} ({d:.3g})" for g, d in found[:shown])

    # -- checkpoint -------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        ev = self.evidence
        save_checkpoint(path, CHECKPOINT_KIND, {
            "features": list(FEATURES),
            "hidden": self.hidden,
            "heads": [{k: v.detach().cpu() for k, v in h.state_dict().items()}
                      for h in self.heads],
            "calibration": [float(v) for v in self.calibration],
            "transform": {k: torch.from_numpy(np.asarray(v)) if isinstance(v, np.ndarray)
                          else v for k, v in self.transform.to_dict().items()},
            "points": torch.from_numpy(np.asarray(ev.points, dtype=np.float32)),
            "media_offsets": torch.from_numpy(ev.media_offsets),
            "media_indices": torch.from_numpy(ev.media_indices),
            "species_distances": torch.from_numpy(ev.species_distances),
            "taxa": {rank: keys.tolist() for rank, keys in ev.taxa.items()},
            "reach": dict(ev.reach),
            "media_indptr": torch.from_numpy(ev.media.indptr),
            "media_ingredients": torch.from_numpy(ev.media.indices),
            "n_ingredients": int(ev.media.n_ingredients),
            "genomes": self.genomes.__dict__,
            "media_ids": list(self.media_ids),
            "media_names": list(self.media_names),
            "history": self.history,
            "provenance": self.provenance,
            "calibrated_on": self.calibrated_on,
            "facts": None if self.facts is None else {column: self.facts[column].tolist()
                                                      for column in FACTS},
        })

    @classmethod
    def load(cls, path: str | Path) -> "MediaRanker":
        record = load_checkpoint(path, CHECKPOINT_KIND)
        try:
            if list(record["features"]) != list(FEATURES):
                raise MediagenError(f"{path}: this ranking model was trained on other evidence "
                                    "features; retrain it (rule train_ranker)")
            hidden = int(record["hidden"])
            heads = []
            for state in record["heads"]:
                head = ScoringHead(len(FEATURES), hidden)
                head.load_state_dict(state)
                heads.append(head)
            transform = ConditionTransform.from_dict(
                {k: v.numpy() if isinstance(v, torch.Tensor) else v
                 for k, v in record["transform"].items()})
            media = MediaSets(record["media_indptr"].numpy(),
                              record["media_ingredients"].numpy(), int(record["n_ingredients"]))
            genomes = TrainingGenomes(**record["genomes"])
            evidence = GrowthEvidence(
                points=record["points"].numpy(),
                organism_types=np.asarray(genomes.organism_types, dtype=str),
                media_offsets=record["media_offsets"].numpy(),
                media_indices=record["media_indices"].numpy(),
                media=media, species_distances=record["species_distances"].numpy(),
                taxa=dict(record["taxa"]), reach=dict(record["reach"]))
            facts = (None if record["facts"] is None  # None where MediaDive does not say
                     else pd.DataFrame(record["facts"], dtype=object))
            return cls(heads, hidden, tuple(record["calibration"]), transform, evidence,
                       genomes, list(record["media_ids"]), list(record["media_names"]),
                       list(record["history"]), dict(record["provenance"]),
                       str(record["calibrated_on"]), facts)
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            raise MediagenError(f"{path}: not a complete mediagen ranking model ({exc!r}); "
                                "retrain it (rule train_ranker)") from None


def order_scores(probability: np.ndarray, recorded: np.ndarray) -> np.ndarray:
    """The order a user sees: recorded media first, each group by probability."""
    return probability + recorded


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -50, 50)))
