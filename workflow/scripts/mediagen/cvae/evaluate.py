"""The numbers that say whether the conditional media VAE works.

- Reconstruction of the test split (genomes never trained on): mean squared
  error and Pearson r in the transformed media space, and the ingredient
  match: the share of ingredients present (above a threshold) in either the
  true or the reconstructed medium that are present in both.
- Proposals for the test genomes, against two baselines computed here: the
  media of the nearest training genome in the model's condition space,
  and the most common training medium of the genome's organism type. Where
  ``anchors`` name media for a genome (the ranking model's best, see
  ``mediagen.report``), the proposals are variations of them; else they are
  drawn from the prior. Each proposal is scored by the Jaccard index of its
  ingredient set with the closest of the genome's true media, and by its
  ``proposal_rank``: the rank of the genome's nearest true medium among all
  catalog media ordered by distance to the proposal (1 = a true medium is the
  nearest). It is not the ranking model's ``mean_rank`` (where a true medium
  falls in the ranking of the catalog), so it carries a name of its own.
- The generated recipes per held-out split and organism type: how many, how
  many empty, their median size beside the catalog's and beside that of the
  media the held-out genomes grow on, and how often their nearest known medium
  is one the genome grows on.
- Latent usage: the KL divergence of each latent dimension from the prior,
  averaged over the training samples; a dimension above 0.01 nats is active.
- Type resemblance: how close the proposals for one type's genomes come to
  the media each type grows on; the conditioning works when each row's own
  type wins.
- The latent space (PCA of the latent means) and the training history.
"""

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .dataset import SPLITS, Dataset
from .generate import Recipe, recipes_for, reference_distances, type_condition
from .model import ConditionalMediaVAE
from .transform import Embedding

METHODS = ("model", "nearest_genome", "type_prior")
SAME_MEDIUM = 1e-5  # distances closer than this (rounding) are one composition

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvaluationSettings:
    threshold: float  # g/L above which an ingredient counts as present
    n_generated: int  # proposals per held-out genome
    n_examples: int  # example recipes
    temperature: float  # spread of the latent samples behind each proposal
    seed: int

    @classmethod
    def from_config(cls, report: dict, seed: int) -> "EvaluationSettings":
        """config.yaml's ``report:`` section."""
        return cls(threshold=float(report["threshold_g_per_l"]),
                   n_generated=int(report["n_generated"]), n_examples=int(report["n_examples"]),
                   temperature=float(report["temperature"]), seed=int(seed))


@dataclass
class Evaluation:
    reconstruction: pd.DataFrame
    proposals: pd.DataFrame
    proposal_summary: pd.DataFrame
    type_resemblance: pd.DataFrame
    latent: pd.DataFrame
    proposal_points: pd.DataFrame
    examples: list[Recipe]
    comparisons: list[dict]
    generated: pd.DataFrame  # per split and organism type: sizes, empties, nearest is true
    latent_usage: pd.DataFrame  # dim, kl


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Jaccard index of two boolean sets; two empty sets count as equal."""
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 1.0


def _grouped(frame: pd.DataFrame, by: str) -> list[tuple[str, pd.DataFrame]]:
    return [("all", frame), *((str(k), g) for k, g in frame.groupby(by, sort=True))]


def reconstruction_scores(
    model: ConditionalMediaVAE, dataset: Dataset, threshold: float
) -> pd.DataFrame:
    split = dataset.splits["test"]
    if len(split) == 0:
        return pd.DataFrame(columns=["group", "n_samples", "mse", "pearson_r",
                                     "ingredient_match_pct"])
    true_grams = model.media_transform.inverse(split.x)
    predicted = model.predict(true_grams, Embedding(model.embedding_method, split.c))
    predicted_t = model.media_transform.forward(predicted)
    per_sample = pd.DataFrame({
        "organism_type": split.y,
        "squared_error": ((predicted_t - split.x) ** 2).mean(axis=1),
        "match": [100 * jaccard(t > threshold, p > threshold)
                  for t, p in zip(true_grams, predicted, strict=True)],
    })
    rows = []
    for group, part in _grouped(per_sample, "organism_type"):
        index = part.index.to_numpy()
        truth, guess = split.x[index].ravel(), predicted_t[index].ravel()
        r = np.corrcoef(truth, guess)[0, 1] if truth.std() > 0 and guess.std() > 0 else np.nan
        rows.append({"group": group, "n_samples": len(part),
                     "mse": float(part["squared_error"].mean()), "pearson_r": float(r),
                     "ingredient_match_pct": float(part["match"].mean())})
    return pd.DataFrame(rows)


@dataclass
class _Reference:
    """Catalog media, the training genomes and which media each type grows on."""

    media_index: dict[str, int]
    present: np.ndarray  # (n_media, n_ingredients) bool
    train_genomes: list[str]
    train_conditions: np.ndarray  # transformed, one row per training genome
    train_media: dict[str, list[int]]
    type_prior: dict[str, int]
    type_media: dict[str, list[int]]


def _reference(model: ConditionalMediaVAE, dataset: Dataset, threshold: float) -> _Reference:
    media = model.record.reference_media
    media_index = {m: i for i, m in enumerate(media.media_ids)}
    samples = dataset.samples
    train = samples[samples["split"] == "train"].reset_index(drop=True)
    first_rows = train.drop_duplicates("genome_id")
    conditions = model.condition_transform.apply(
        Embedding(model.embedding_method, dataset.splits["train"].c[first_rows.index]))
    counts = train.groupby(["organism_type", "media_id"]).size().reset_index(name="n")
    counts = counts.sort_values(["organism_type", "n", "media_id"], ascending=[True, False, True])
    return _Reference(
        media_index=media_index,
        present=media.grams_per_litre > threshold,
        train_genomes=first_rows["genome_id"].tolist(),
        train_conditions=conditions,
        train_media={g: [media_index[m] for m in part["media_id"]]
                     for g, part in train.groupby("genome_id")},
        type_prior={t: media_index[part["media_id"].iloc[0]]
                    for t, part in counts.groupby("organism_type")},
        type_media={t: sorted({media_index[m] for m in part["media_id"]})
                    for t, part in train.groupby("organism_type")},
    )


def true_media_ranks(distances: np.ndarray, true_media: list[int]) -> np.ndarray:
    """Per proposal: the rank of its nearest true medium among the catalog ordered by
    distance, 1 + the media strictly nearer. Media with identical compositions are one
    recipe under several ids, so they share a rank."""
    nearest_true = distances[:, true_media].min(axis=1)
    return 1 + (distances < nearest_true[:, None] - SAME_MEDIUM).sum(axis=1)


def _score(proposals: np.ndarray, ranks: np.ndarray, true_media: list[int], ref: _Reference,
           threshold: float) -> dict:
    present = proposals > threshold
    best_jaccard = [max(jaccard(p, ref.present[m]) for m in true_media) for p in present]
    return {"n_proposals": len(proposals), "jaccard": float(np.mean(best_jaccard)),
            "proposal_rank": float(ranks.mean()),
            "top1_pct": float(100 * np.mean(ranks == 1))}


def proposal_scores(
    model: ConditionalMediaVAE, dataset: Dataset, ref: _Reference, settings: EvaluationSettings,
    anchors: dict[str, list[str]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, np.ndarray], pd.DataFrame]:
    """Per test genome and method: Jaccard, proposal rank, top-1 %; the summary; the model's
    proposals; and one row per proposal (its size and whether its nearest known medium
    is a true one)."""
    threshold = settings.threshold
    reference_grams = model.record.reference_media.grams_per_litre
    samples = dataset.samples
    test = samples[samples["split"] == "test"].reset_index(drop=True)
    rows, generated, recipes = [], {}, []
    for number, (genome_id, part) in enumerate(test.groupby("genome_id", sort=True)):
        organism_type = part["organism_type"].iloc[0]
        true_media = [ref.media_index[m] for m in part["media_id"]]
        condition = Embedding(model.embedding_method, dataset.splits["test"].c[part.index[0]])
        transformed = model.condition_transform.apply(condition)
        closest = np.argmin(((ref.train_conditions - transformed) ** 2).sum(axis=1))
        nearest = ref.train_genomes[int(closest)]
        prior = ref.type_prior.get(organism_type)
        chosen = [m for m in (anchors or {}).get(genome_id, []) if m in ref.media_index]
        proposals = model.generate(
            settings.n_generated, condition, seed=settings.seed + number,
            temperature=settings.temperature,
            anchors=reference_grams[[ref.media_index[m] for m in chosen]] if chosen else None)
        candidates = {
            "model": proposals,
            "nearest_genome": reference_grams[ref.train_media[nearest]],
            "type_prior": reference_grams[[prior]] if prior is not None else None,
        }
        generated[genome_id] = proposals
        for method, candidate in candidates.items():
            if candidate is None:
                continue
            ranks = true_media_ranks(reference_distances(model, candidate), true_media)
            if method == "model":
                recipes += [{"split": part["holdout"].iloc[0], "organism_type": organism_type,
                             "size": int((row > 0).sum()), "nearest_is_true": bool(rank == 1)}
                            for row, rank in zip(candidate, ranks, strict=True)]
            rows.append({"genome_id": genome_id, "organism_type": organism_type,
                         "split": part["holdout"].iloc[0], "method": method,
                         "n_true_media": len(true_media),
                         **_score(candidate, ranks, true_media, ref, threshold)})
    per_genome = pd.DataFrame(rows, columns=[
        "genome_id", "organism_type", "split", "method", "n_true_media", "n_proposals",
        "jaccard", "proposal_rank", "top1_pct"])
    summary_rows = []
    for group, part in _grouped(per_genome, "organism_type"):
        for method in METHODS:
            scores = part[part["method"] == method]
            if scores.empty:
                continue
            summary_rows.append({
                "group": group, "method": method, "n_genomes": len(scores),
                "jaccard": float(scores["jaccard"].mean()),
                "proposal_rank": float(scores["proposal_rank"].mean()),
                "median_proposal_rank": float(scores["proposal_rank"].median()),
                "top1_pct": float(scores["top1_pct"].mean()),
            })
    return (per_genome, pd.DataFrame(summary_rows), generated,
            pd.DataFrame(recipes, columns=["split", "organism_type", "size", "nearest_is_true"]))


def generated_summary(recipes: pd.DataFrame, dataset: Dataset, ref: _Reference) -> pd.DataFrame:
    """Per held-out split and organism type: recipes made, empty ones, median size beside
    the catalog's (every medium at the model's width) and beside that of the media these
    held-out genomes truly grow on (one per growth record), and the share of recipes whose
    nearest known medium is one the genome grows on."""
    sizes = ref.present.sum(axis=1)
    catalog_median = float(np.median(sizes[sizes > 0]))
    held_out = dataset.samples[dataset.samples["split"] == "test"]
    rows = []
    for (split, organism_type), part in recipes.groupby(["split", "organism_type"], sort=True):
        true_media = held_out.loc[(held_out["holdout"] == split)
                                  & (held_out["organism_type"] == organism_type), "media_id"]
        rows.append({
            "split": split, "organism_type": organism_type, "n": len(part),
            "empty": int((part["size"] == 0).sum()),
            "median_ingredients": float(part["size"].median()),
            "catalog_median_ingredients": catalog_median,
            "true_media_median_ingredients": float(np.median(
                sizes[[ref.media_index[m] for m in true_media]])),
            "nearest_is_true_pct": float(100 * part["nearest_is_true"].mean()),
        })
    return pd.DataFrame(rows, columns=["split", "organism_type", "n", "empty",
                                       "median_ingredients", "catalog_median_ingredients",
                                       "true_media_median_ingredients", "nearest_is_true_pct"])


def latent_usage(model: ConditionalMediaVAE, dataset: Dataset) -> pd.DataFrame:
    """KL divergence of each latent dimension from the prior over the training samples."""
    train = dataset.splits["train"]
    mu, log_var = model.posterior(model.media_transform.inverse(train.x),
                                  Embedding(model.embedding_method, train.c))
    kl = (-0.5 * (1 + log_var - mu ** 2 - np.exp(log_var))).mean(axis=0)
    return pd.DataFrame({"dim": np.arange(len(kl)), "kl": kl}).sort_values(
        "kl", ascending=False, kind="stable").reset_index(drop=True)


def type_resemblance(
    dataset: Dataset, ref: _Reference, generated: dict[str, np.ndarray], threshold: float
) -> pd.DataFrame:
    """Mean best Jaccard of each test genome type's proposals to each type's training media."""
    types = dataset.samples.drop_duplicates("genome_id").set_index("genome_id")["organism_type"]
    rows = []
    for genome_id, proposals in generated.items():
        present = proposals > threshold
        for media_type, members in ref.type_media.items():
            best = [max(jaccard(p, ref.present[m]) for m in members) for p in present]
            rows.append({"genome_type": types[genome_id], "media_type": media_type,
                         "jaccard": float(np.mean(best))})
    if not rows:
        return pd.DataFrame()
    return pd.DataFrame(rows).pivot_table(index="genome_type", columns="media_type",
                                          values="jaccard", aggfunc="mean")


def latent_points(model: ConditionalMediaVAE, dataset: Dataset) -> pd.DataFrame:
    """2-D PCA of the latent means of every sample."""
    x = np.concatenate([dataset.splits[s].x for s in SPLITS])
    c = np.concatenate([dataset.splits[s].c for s in SPLITS])
    mu = model.encode(model.media_transform.inverse(x), Embedding(model.embedding_method, c))
    return dataset.samples.assign(**dict(zip(("pc1", "pc2"), _pca2(mu).T, strict=True)))


def proposal_points(
    model: ConditionalMediaVAE, dataset: Dataset, generated: dict[str, np.ndarray]
) -> pd.DataFrame:
    """The test genomes' proposals beside the training media, PCA of the media space."""
    samples = dataset.samples
    train = samples[samples["split"] == "train"].drop_duplicates(["media_id", "organism_type"])
    types = samples.drop_duplicates("genome_id").set_index("genome_id")["organism_type"]
    reference = model.record.reference_media
    index = {m: i for i, m in enumerate(reference.media_ids)}
    real = model.media_transform.forward(
        reference.grams_per_litre[[index[m] for m in train["media_id"]]])
    kinds = ["training medium"] * len(train)
    labels = list(train["organism_type"])
    blocks = [real]
    for genome_id, proposals in generated.items():
        blocks.append(model.media_transform.forward(proposals))
        kinds += ["proposal"] * len(proposals)
        labels += [types[genome_id]] * len(proposals)
    points = _pca2(np.concatenate(blocks)) if blocks else np.zeros((0, 2))
    return pd.DataFrame({"kind": kinds, "organism_type": labels,
                         "pc1": points[:, 0], "pc2": points[:, 1]})


def _pca2(values: np.ndarray) -> np.ndarray:
    centred = values - values.mean(axis=0)
    if len(centred) < 2:
        return np.zeros((len(centred), 2))
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    projected = centred @ components[:2].T
    return np.pad(projected, ((0, 0), (0, 2 - projected.shape[1])))


def example_recipes(
    model: ConditionalMediaVAE, dataset: Dataset, generated: dict[str, np.ndarray],
    settings: EvaluationSettings,
) -> list[Recipe]:
    """One proposal for a few test genomes (types in turn), then one per organism type."""
    types = dataset.samples.drop_duplicates("genome_id").set_index("genome_id")["organism_type"]
    by_type: dict[str, list[str]] = {}
    for genome_id in generated:
        by_type.setdefault(types[genome_id], []).append(genome_id)
    chosen = []
    while len(chosen) < settings.n_examples and any(by_type.values()):
        for ids in by_type.values():
            if ids and len(chosen) < settings.n_examples:
                chosen.append(ids.pop(0))
    examples = recipes_for(
        model, np.array([generated[g][0] for g in chosen]).reshape(len(chosen), -1),
        [f"held-out genome {g} ({types[g]})" for g in chosen])
    for organism_type in sorted(model.record.type_conditions):
        grams = model.generate(1, type_condition(model, organism_type), seed=settings.seed,
                               temperature=settings.temperature)
        examples += recipes_for(model, grams, [f"average {organism_type} genome"])
    return examples


def comparisons(summary: pd.DataFrame, resemblance: pd.DataFrame) -> list[dict]:
    """The claims the report makes, each computed from the tables above: ``value`` is the
    claim's subject, ``other`` what it is compared with."""
    claims = []
    overall = summary[summary["group"] == "all"].set_index("method")
    pairs = [("model", "type_prior"), ("model", "nearest_genome"),
             ("nearest_genome", "type_prior")]
    for method, baseline in pairs:
        if method not in overall.index or baseline not in overall.index:
            continue
        for metric, better in (("jaccard", "higher"), ("proposal_rank", "lower")):
            value, other = overall.loc[method, metric], overall.loc[baseline, metric]
            claims.append({
                "claim": f"{method} beats {baseline} on {metric} ({better} is better)",
                "value": float(value), "other": float(other),
                "holds": bool(value > other if better == "higher" else value < other),
            })
    for genome_type, row in resemblance.iterrows():
        if genome_type not in row.index:
            continue
        others = row.drop(genome_type).dropna()
        if others.empty:
            continue
        claims.append({
            "claim": f"proposals for {genome_type} genomes resemble {genome_type} media more "
                     f"than any other type's (best other: {others.idxmax()})",
            "value": float(row[genome_type]), "other": float(others.max()),
            "holds": bool(row[genome_type] > others.max()),
        })
    return claims


def evaluate(
    model: ConditionalMediaVAE, dataset: Dataset, settings: EvaluationSettings,
    anchors: dict[str, list[str]] | None = None,
) -> Evaluation:
    """Everything the report shows of the media model; ``anchors`` (genome id -> media
    ids) make each held-out genome's proposals variations of those media."""
    threshold = settings.threshold
    reconstruction = reconstruction_scores(model, dataset, threshold)
    ref = _reference(model, dataset, threshold)
    per_genome, summary, generated, recipes = proposal_scores(model, dataset, ref, settings,
                                                              anchors)
    resemblance = type_resemblance(dataset, ref, generated, threshold)
    return Evaluation(
        reconstruction=reconstruction,
        proposals=per_genome,
        proposal_summary=summary,
        type_resemblance=resemblance,
        latent=latent_points(model, dataset),
        proposal_points=proposal_points(model, dataset, generated),
        examples=example_recipes(model, dataset, generated, settings),
        comparisons=comparisons(summary, resemblance),
        generated=generated_summary(recipes, dataset, ref),
        latent_usage=latent_usage(model, dataset),
    )
