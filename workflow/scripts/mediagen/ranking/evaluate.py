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
medium is, so every method gives a full ranking. Beside them the lookups a microbiologist
does by hand, no genome needed (``lookup_scores``): ``genus_lookup``, ``family_lookup`` and
``order_lookup``, the media most training species of the genome's genus (family, order)
grow on, each falling back to the next rank up, then to the type's most common media,
where a rank has no training species; a held-out genome's own lineage is known to them,
as to a user with GTDB-Tk's output (and to the model).

Calibration: the expected calibration error over each held-out genome's ten best-ranked
media (where a user looks), in ten equal-width bins, with its reliability table.

Uncertainty: every hit rate and calibration error carries a 95% interval from a bootstrap
over the held-out species (a species' genomes are drawn together), and the model's margin
over the best baseline is a paired bootstrap of the difference on the same draws
(``comparisons``). A split of fewer than ``MIN_SPECIES_TO_JUDGE`` species gets no verdict:
its interval is too wide to say anything.
"""

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .data import RankingData
from .evidence import VOTERS, GrowthEvidence
from .model import MediaRanker, order_scores

LOOKUPS = ("genus_lookup", "family_lookup", "order_lookup")
LOOKUP_RANKS = ("genus", "family", "order")
BASELINES = ("nearest_genome", "knn_vote", *LOOKUPS, "type_prior", "global_prior")
PRIORS = ("type_prior", "global_prior")
METHODS = ("model", *BASELINES)
SPLITS = ("seen_genus", "unseen_genus", "unseen_family")
TOP_CALIBRATION = 10
BINS = 10
BOOTSTRAP_DRAWS = 1000
MIN_SPECIES_TO_JUDGE = 20


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


def lookup_scores(evidence: GrowthEvidence, lineage: dict[str, str], organism_type: str
                  ) -> dict[str, np.ndarray]:
    """The taxonomy lookups: per starting rank, how many training species of the genome's
    group grow on each medium; ties, and ranks without training species, fall to the next
    rank up and finally to the type's most common media."""
    levels = []
    for rank in LOOKUP_RANKS:
        key = lineage.get(rank, "")
        n, counts = evidence.group_counts(rank, key, set()) if key else (0, None)
        levels.append(counts if n else None)
    typed = evidence.type_popularity.get(organism_type, np.zeros(len(evidence.media)))
    scores = {}
    for start, method in enumerate(LOOKUPS):
        chain = [c for c in levels[start:] if c is not None] + [typed]
        # each level only orders what the levels before leave tied (counts are whole)
        score = chain[0].astype(np.float64)
        for depth, counts in enumerate(chain[1:], start=1):
            score = score + counts / (counts.max(initial=0.0) + 1.0) * 1e-3 ** depth
        scores[method] = score
    return scores


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
    summary: pd.DataFrame  # split, method, n_species, top1 (+ ci), top5 (+ ci), mean_rank,
    #                        jaccard
    comparisons: pd.DataFrame  # split, measure, against, model, other, difference (+ ci)
    per_genome: pd.DataFrame
    reliability: pd.DataFrame  # split, bin, predicted, observed, n
    calibration: pd.DataFrame  # split, n_species, ece (+ ci), n_predictions
    recommendations: pd.DataFrame  # held-out genomes' best media with evidence
    anchors: dict[str, list[str]]  # held-out genome -> media worth varying into recipes
    calibrated_on: str  # what the ranking's probabilities were calibrated on


def evaluate_ranking(ranker: MediaRanker, data: RankingData, n_shown: int = 5
                     ) -> RankingEvaluation:
    test = data.rows("test")
    rows, predictions, shown, anchors = [], [], [], {}
    if len(test):
        points = ranker.transform.apply(data.embedding_of(test.index))
        for point, (genome_id, genome) in zip(points, test.iterrows(), strict=True):
            truth = data.grown[genome_id]
            lineage = data.lineage_of(genome_id)
            features = ranker.evidence.features(point, genome["organism_type"],
                                                lineage=lineage)
            probability, uncertainty = ranker.probabilities(features)
            recorded = ranker.recorded_media(ranker.known_genomes(point))
            scores = {"model": order_scores(probability, recorded),  # as a user sees it
                      **baseline_scores(ranker.evidence, point, genome["organism_type"]),
                      **lookup_scores(ranker.evidence, lineage, genome["organism_type"])}
            for method, values in scores.items():
                rows.append({"genome_id": genome_id, "split": genome["holdout"],
                             "species": genome["species"],
                             "organism_type": genome["organism_type"], "method": method,
                             **ranking_scores(values, truth, ranker.evidence)})
            anchors[genome_id] = ranker.anchors(probability)
            best = np.argsort(-probability, kind="stable")[:TOP_CALIBRATION]
            predictions.append(pd.DataFrame({"split": genome["holdout"],
                                             "species": genome["species"],
                                             "probability": probability[best],
                                             "grows": np.isin(best, truth)}))
            first = best[:n_shown]
            table = ranker.media_table(first)
            table.insert(0, "genome_id", genome_id)
            table.insert(1, "split", genome["holdout"])
            table.insert(2, "rank", np.arange(1, len(first) + 1))
            table.insert(5, "probability", probability[first])
            table.insert(6, "uncertainty", uncertainty[first])
            table.insert(7, "grows", np.isin(first, truth))
            table["evidence"] = [ranker.describe_evidence(point, int(m)) for m in first]
            shown.append(table)
    per_genome = pd.DataFrame(rows, columns=["genome_id", "split", "species", "organism_type",
                                             "method", "top1", "top5", "rank", "jaccard"])
    predicted = (pd.concat(predictions, ignore_index=True) if predictions
                 else pd.DataFrame(columns=["split", "species", "probability", "grows"]))
    reliability, calibration = calibration_tables(predicted)
    summary, comparisons = summarise(per_genome)
    recommendations = pd.concat(shown, ignore_index=True) if shown else pd.DataFrame()
    return RankingEvaluation(summary, comparisons, per_genome, reliability, calibration,
                             recommendations, anchors, ranker.calibrated_on)


def species_draws(n_species: int, seed: int = 0) -> np.ndarray:
    """(BOOTSTRAP_DRAWS, n_species): how often each species is drawn in each resample."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(n_species, np.full(n_species, 1.0 / n_species),
                           size=BOOTSTRAP_DRAWS).astype(np.float64)


def interval(values: np.ndarray) -> tuple[float, float]:
    """The 95% percentile interval of bootstrap values."""
    low, high = np.nanpercentile(values, [2.5, 97.5])
    return float(low), float(high)


def summarise(per_genome: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per split and method the mean scores, hit rates with their 95% intervals; and per
    split and hit rate the model against the best baseline, its margin with a paired
    interval (the same species drawn for both)."""
    rows, comparisons = [], []
    for split in SPLITS:
        part = per_genome[per_genome["split"] == split]
        if part.empty:
            continue
        species = sorted(part["species"].unique())
        draws = species_draws(len(species))
        resampled = {}
        for method in METHODS:
            scores = part[part["method"] == method]
            if scores.empty:
                continue
            grouped = scores.groupby("species")[["top1", "top5"]].agg(["sum", "count"])
            grouped = grouped.reindex(species)
            row = {"split": split, "method": method, "n_species": len(species)}
            for measure in ("top1", "top5"):
                totals = draws @ grouped[(measure, "sum")].to_numpy()
                resampled[method, measure] = totals / (draws @ grouped[(measure,
                                                                        "count")].to_numpy())
                low, high = interval(resampled[method, measure])
                row |= {measure: float(scores[measure].mean()), f"{measure}_ci_low": low,
                        f"{measure}_ci_high": high}
            rows.append(row | {"mean_rank": float(scores["rank"].mean()),
                               "jaccard": float(scores["jaccard"].mean())})
        comparisons += _comparisons(split, len(species), rows, resampled)
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    return summary, pd.DataFrame(comparisons, columns=COMPARISON_COLUMNS)


SUMMARY_COLUMNS = ["split", "method", "n_species", "top1", "top1_ci_low", "top1_ci_high",
                   "top5", "top5_ci_low", "top5_ci_high", "mean_rank", "jaccard"]
COMPARISON_COLUMNS = ["split", "measure", "n_species", "versus", "against", "model", "other",
                      "difference", "difference_ci_low", "difference_ci_high"]


def _comparisons(split: str, n_species: int, rows: list[dict], resampled: dict
                 ) -> list[dict]:
    """The model against the best baseline, and against the best prior, per hit rate."""
    value = {(r["method"], m): r[m] for r in rows if r["split"] == split
             for m in ("top1", "top5")}
    found = []
    for measure in ("top1", "top5"):
        if ("model", measure) not in value:
            continue
        for others in (BASELINES, PRIORS):
            present = [m for m in others if (m, measure) in value]
            if not present:
                continue
            best = max(present, key=lambda m: value[m, measure])
            low, high = interval(resampled["model", measure] - resampled[best, measure])
            found.append({"split": split, "measure": measure, "n_species": n_species,
                          "versus": "best prior" if others is PRIORS else "best baseline",
                          "against": best, "model": value["model", measure],
                          "other": value[best, measure],
                          "difference": value["model", measure] - value[best, measure],
                          "difference_ci_low": low, "difference_ci_high": high})
    return found


def calibration_tables(predicted: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(reliability per split and bin, expected calibration error per split with its 95%
    interval over species)."""
    reliability, errors = [], []
    for split, part in predicted.groupby("split", sort=True):
        p = part["probability"].to_numpy(dtype=float)
        grows = part["grows"].to_numpy(dtype=float)
        bins = np.clip((p * BINS).astype(int), 0, BINS - 1)
        for b in range(BINS):
            inside = bins == b
            if inside.any():
                reliability.append({"split": split, "bin": b, "predicted": p[inside].mean(),
                                    "observed": grows[inside].mean(), "n": int(inside.sum())})
        # per species and bin: predictions, their summed probability and summed outcome;
        # the error is sum over bins |sum p - sum grows| / predictions, in every resample
        species, owner = np.unique(part["species"].to_numpy(str), return_inverse=True)
        cell = owner * BINS + bins
        shape = (len(species), BINS)
        counts, p_sums, grown = (np.bincount(cell, weights=w, minlength=shape[0] * shape[1])
                                 .reshape(shape) for w in (np.ones_like(p), p, grows))
        draws = np.vstack([np.ones(len(species)), species_draws(len(species))])
        errors_drawn = (np.abs(draws @ p_sums - draws @ grown).sum(axis=1)
                        / (draws @ counts).sum(axis=1))
        low, high = interval(errors_drawn[1:])
        errors.append({"split": split, "n_species": len(species), "ece": errors_drawn[0],
                       "ece_ci_low": low, "ece_ci_high": high, "n_predictions": len(p)})
    return (pd.DataFrame(reliability, columns=["split", "bin", "predicted", "observed", "n"]),
            pd.DataFrame(errors, columns=["split", "n_species", "ece", "ece_ci_low",
                                          "ece_ci_high", "n_predictions"]))
