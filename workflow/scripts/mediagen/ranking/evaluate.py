"""Is the ranking worth more than a lookup? Held-out genomes, the model and four baselines.

Every method gives each catalog medium a score for a held-out genome, and every score
vector is judged the same way (``ranking_scores``):

- ``top1`` / ``top5``: one of the genome's true media is ranked first / in the first five;
- ``rank``: the rank of its best-placed true medium (1 is best);

media with equal scores count as if in a random order (the chance of a hit, the expected
rank), so that no method gains from the catalog's order where it cannot tell media apart;
- ``jaccard``: the ingredient-set Jaccard index of the first-ranked medium with the
  closest true medium.

The baselines, from the same training genomes in the same genome space
(``baseline_scores``): ``nearest_genome`` (the media of the nearest training genome),
``knn_vote`` (votes of the 5 nearest), ``type_prior`` (the organism type's most common
media) and ``global_prior`` (the most common media). Ties are broken by how common a
medium is, so every method gives a full ranking.

Calibration: the expected calibration error over each held-out genome's ten best-ranked
media (where a user looks), in ten equal-width bins, with its reliability table.
"""

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .data import RankingData
from .evidence import VOTERS, GrowthEvidence
from .model import MediaRanker

BASELINES = ("nearest_genome", "knn_vote", "type_prior", "global_prior")
METHODS = ("model", *BASELINES)
TOP_CALIBRATION = 10
BINS = 10


def baseline_scores(evidence: GrowthEvidence, point: np.ndarray, organism_type: str
                    ) -> dict[str, np.ndarray]:
    popularity = evidence.popularity
    tie = popularity / (popularity.max(initial=0.0) + 1.0) * 1e-3  # below one vote
    nearest, _ = evidence.neighbours(point, k=VOTERS)
    votes = np.zeros(len(evidence.media))
    for genome in nearest:
        votes[evidence.grown_by(genome)] += 1.0
    first = np.zeros(len(evidence.media))
    if len(nearest):
        first[evidence.grown_by(nearest[0])] = 1.0
    typed = evidence.type_popularity.get(organism_type, np.zeros(len(evidence.media)))
    return {"nearest_genome": first + tie, "knn_vote": votes + tie,
            "type_prior": typed + tie, "global_prior": popularity.astype(np.float64)}


def ranking_scores(scores: np.ndarray, truth: np.ndarray, evidence: GrowthEvidence) -> dict:
    best = scores[truth].max()
    ahead = int((scores > best).sum())
    tied = int((scores == best).sum())
    tied_true = int((scores[truth] == best).sum())
    first = int(np.argmax(scores))
    jaccard = float(evidence.media.similarity_to(np.array([first]))[truth, 0].max())
    return {"top1": _hit_chance(1, ahead, tied, tied_true),
            "top5": _hit_chance(5, ahead, tied, tied_true),
            "rank": ahead + 1 + (tied - tied_true) / (tied_true + 1), "jaccard": jaccard}


def _hit_chance(k: int, ahead: int, tied: int, tied_true: int) -> float:
    """Chance that a true medium is among the first ``k`` when ``ahead`` media outrank the
    best true one and ``tied`` media (``tied_true`` of them true) share its score."""
    places = min(k - ahead, tied)
    if places <= 0:
        return 0.0
    return 1.0 - math.comb(tied - tied_true, places) / math.comb(tied, places)


@dataclass
class RankingEvaluation:
    summary: pd.DataFrame  # split, method, n_species, top1, top5, mean_rank, jaccard
    per_genome: pd.DataFrame
    reliability: pd.DataFrame  # split, bin, predicted, observed, n
    calibration: pd.DataFrame  # split, ece, n_predictions
    recommendations: pd.DataFrame  # held-out genomes' best media with evidence
    anchors: dict[str, list[str]]  # held-out genome -> media worth varying into recipes


def evaluate_ranking(ranker: MediaRanker, data: RankingData, n_shown: int = 5
                     ) -> RankingEvaluation:
    test = data.rows("test")
    rows, predictions, shown, anchors = [], [], [], {}
    if len(test):
        points = ranker.transform.apply(data.embedding_of(test.index))
        for point, (genome_id, genome) in zip(points, test.iterrows(), strict=True):
            truth = data.grown[genome_id]
            features = ranker.evidence.features(point, genome["organism_type"])
            probability, uncertainty = ranker.probabilities(features)
            scores = {"model": probability,
                      **baseline_scores(ranker.evidence, point, genome["organism_type"])}
            for method, values in scores.items():
                rows.append({"genome_id": genome_id, "split": genome["holdout"],
                             "species": genome["species"],
                             "organism_type": genome["organism_type"], "method": method,
                             **ranking_scores(values, truth, ranker.evidence)})
            anchors[genome_id] = ranker.anchors(probability)
            best = np.argsort(-probability, kind="stable")[:TOP_CALIBRATION]
            predictions.append(pd.DataFrame({"split": genome["holdout"],
                                             "probability": probability[best],
                                             "grows": np.isin(best, truth)}))
            for rank, medium in enumerate(best[:n_shown], start=1):
                shown.append({
                    "genome_id": genome_id, "split": genome["holdout"], "rank": rank,
                    "media_id": ranker.media_ids[medium],
                    "media_name": ranker.media_names[medium],
                    "probability": float(probability[medium]),
                    "uncertainty": float(uncertainty[medium]),
                    "grows": bool(np.isin(medium, truth)),
                    "evidence": ranker.describe_evidence(point, int(medium))})
    per_genome = pd.DataFrame(rows, columns=["genome_id", "split", "species", "organism_type",
                                             "method", "top1", "top5", "rank", "jaccard"])
    predicted = (pd.concat(predictions, ignore_index=True) if predictions
                 else pd.DataFrame(columns=["split", "probability", "grows"]))
    reliability, calibration = calibration_tables(predicted)
    return RankingEvaluation(_summary(per_genome), per_genome, reliability, calibration,
                             pd.DataFrame(shown), anchors)


def _summary(per_genome: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for split in ("seen_genus", "unseen_genus"):
        for method in METHODS:
            part = per_genome[(per_genome["split"] == split) & (per_genome["method"] == method)]
            if part.empty:
                continue
            rows.append({"split": split, "method": method,
                         "n_species": int(part["species"].nunique()),
                         "top1": float(part["top1"].mean()), "top5": float(part["top5"].mean()),
                         "mean_rank": float(part["rank"].mean()),
                         "jaccard": float(part["jaccard"].mean())})
    return pd.DataFrame(rows, columns=["split", "method", "n_species", "top1", "top5",
                                       "mean_rank", "jaccard"])


def calibration_tables(predicted: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(reliability per split and bin, expected calibration error per split)."""
    reliability, errors = [], []
    for split, part in predicted.groupby("split", sort=True):
        p = part["probability"].to_numpy(dtype=float)
        grows = part["grows"].to_numpy(dtype=float)
        bins = np.clip((p * BINS).astype(int), 0, BINS - 1)
        ece = 0.0
        for b in range(BINS):
            inside = bins == b
            if inside.any():
                ece += inside.mean() * abs(p[inside].mean() - grows[inside].mean())
                reliability.append({"split": split, "bin": b, "predicted": p[inside].mean(),
                                    "observed": grows[inside].mean(), "n": int(inside.sum())})
        errors.append({"split": split, "ece": ece, "n_predictions": len(p)})
    return (pd.DataFrame(reliability, columns=["split", "bin", "predicted", "observed", "n"]),
            pd.DataFrame(errors, columns=["split", "ece", "n_predictions"]))
