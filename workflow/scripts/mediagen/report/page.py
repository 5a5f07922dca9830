"""The evaluation report: figures, tables and one HTML page a person opens.

``write_report`` judges both models on the held-out genomes of the dataset: the ranking
model against four baselines (:mod:`mediagen.ranking.evaluate`) and the media model's
reconstructions and recipes (:mod:`mediagen.cvae.evaluate`), the recipes being
variations of the media the ranking puts first. Into one folder it writes:

- ``report.html``: the page, self-contained (figures embedded);
- ``latent_pca.png``, ``training_curves.png``, ``reliability.png``: the figures;
- ``metrics.json``: every number on the page;
- ``evaluation.tsv`` (the ranking against the baselines per held-out split),
  ``reliability.tsv``, ``recommendations.tsv`` (the best media for each held-out
  genome, with probability, uncertainty and evidence), ``generated.tsv`` (the recipes
  per split and organism type), ``reconstruction.tsv``, ``proposals.tsv``,
  ``proposal_summary.tsv``, ``type_resemblance.tsv``, ``example_recipes.tsv`` and
  ``.json``.
"""

import base64
import html
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import atomic_path, atomic_write_bytes, atomic_write_text
from ..cvae.dataset import Dataset, load_dataset
from ..cvae.evaluate import Evaluation, EvaluationSettings, evaluate
from ..cvae.generate import write_recipes
from ..cvae.model import ConditionalMediaVAE, parameter_count
from ..errors import MediagenError
from ..ranking.data import load_ranking_data
from ..ranking.evaluate import MIN_SPECIES_TO_JUDGE, RankingEvaluation, evaluate_ranking
from ..ranking.model import MediaRanker
from .data_summary import data_html, data_summary, left_out_html
from .figures import latent_figure, reliability_figure, training_figure

METHOD_NAMES = {"model": "model proposals",
                "nearest_genome": "media of the nearest training genome",
                "type_prior": "most common medium of the type"}
RANKING_NAMES = {"model": "ranking model", "nearest_genome": "media of the nearest genome",
                 "knn_vote": "vote of the 5 nearest genomes",
                 "genus_lookup": "most common media of the genus (lineage lookup)",
                 "family_lookup": "most common media of the family (lineage lookup)",
                 "order_lookup": "most common media of the order (lineage lookup)",
                 "type_prior": "most common media of the type",
                 "global_prior": "most common media overall"}
SPLIT_NAMES = {"seen_genus": "species of genera seen in training",
               "unseen_genus": "whole genera never seen in training",
               "unseen_family": "whole families never seen in training"}
ACTIVE_KL = 0.01  # nats: a latent dimension above this carries information
SHOWN_GENOMES = 4  # held-out genomes per split whose recommendations the page shows


def _table(frame: pd.DataFrame, index: bool = False) -> str:
    return frame.to_html(index=index, float_format=lambda v: f"{v:.3f}", border=0,
                         classes="numbers", na_rep="")


def _counts(per_split: dict) -> str:
    return ", ".join(f"{split} {count}" for split, count in per_split.items())


def _image(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
table.numbers { border-collapse: collapse; margin: 0.5em 0 1.5em; }
table.numbers td, table.numbers th { padding: 3px 10px; border-bottom: 1px solid #ddd;
  text-align: right; }
.holds { color: #1a7f37; font-weight: bold; } .fails { color: #b42318; font-weight: bold; }
.unjudged { color: #6e7781; font-weight: bold; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; }
img { max-width: 100%; }
"""


def ranking_claims(comparisons: pd.DataFrame) -> list[dict]:
    """Per held-out split and hit rate: does the ranking reach the best baseline? With the
    paired 95% interval of its margin, and no verdict on too few species."""
    claims = []
    for row in comparisons[comparisons["versus"] == "best baseline"].itertuples(index=False):
        claims.append({
            "claim": f"{SPLIT_NAMES.get(row.split, row.split)}: the ranking's {row.measure} "
                     f"hit rate is at least the best baseline's ({RANKING_NAMES[row.against]}"
                     f"; margin {row.difference:+.3f}, 95% interval "
                     f"{row.difference_ci_low:+.3f} to {row.difference_ci_high:+.3f})",
            "value": float(row.model), "other": float(row.other), "n_species": row.n_species,
            "holds": bool(row.model >= row.other),
        })
    return claims


def recipe_claims(evaluation: Evaluation) -> list[dict]:
    """Seen-genus recipes: none empty, sizes like the catalog's and like those of the media
    the held-out genomes grow on, nearest medium as often true as the nearest genome's
    media are."""
    generated = evaluation.generated[evaluation.generated["split"] == "seen_genus"]
    proposals = evaluation.proposals
    nearest = proposals[(proposals["split"] == "seen_genus")
                        & (proposals["method"] == "nearest_genome")]
    if generated.empty or nearest.empty:
        return []
    recipes = int(generated["n"].sum())
    true_pct = float((generated["nearest_is_true_pct"] * generated["n"]).sum() / recipes)
    size = float(np.average(generated["median_ingredients"], weights=generated["n"]))
    catalog = float(np.average(generated["catalog_median_ingredients"], weights=generated["n"]))
    true = float(np.average(generated["true_media_median_ingredients"], weights=generated["n"]))
    return [
        {"claim": "no generated recipe is empty", "value": float(generated["empty"].sum()),
         "other": 0.0, "holds": bool(generated["empty"].sum() == 0)},
        {"claim": "the recipes' median size is within 30% of the catalog's",
         "value": size, "other": catalog, "holds": bool(abs(size - catalog) <= 0.3 * catalog)},
        {"claim": "the recipes' median size is within 30% of that of the media the held-out "
                  "genomes grow on",
         "value": size, "other": true, "holds": bool(abs(size - true) <= 0.3 * true)},
        {"claim": "a recipe's nearest known medium is a true one at least as often (%) as a "
                  "medium of the nearest genome is",
         "value": true_pct, "other": float(nearest["top1_pct"].mean()),
         "holds": bool(true_pct >= nearest["top1_pct"].mean())},
    ]


def judged(claim: dict) -> bool:
    """A verdict needs enough held-out species; below that the interval says nothing."""
    return claim.get("n_species", MIN_SPECIES_TO_JUDGE) >= MIN_SPECIES_TO_JUDGE


def _claim_list(claims: list[dict], empty: str) -> str:
    def verdict(c: dict) -> str:
        if not judged(c):
            return f'<span class="unjudged">too few to judge (n = {c["n_species"]})</span>'
        return f'<span class="{"holds" if c["holds"] else "fails"}">' \
               f'{"yes" if c["holds"] else "no"}</span>'
    items = "".join(f'<li>{verdict(c)}: {html.escape(c["claim"])}: {c["value"]:.3f} against '
                    f'{c["other"]:.3f}</li>' for c in claims)
    return f"<ul>{items or f'<li>{empty}</li>'}</ul>"


def with_species(claims: list[dict], n_species: int) -> list[dict]:
    """Claims over ``n_species`` held-out species."""
    return [{**c, "n_species": n_species} for c in claims]


def unseen_genus_note(comparisons: pd.DataFrame) -> str:
    """What the whole-genus split says: without relatives, does the ranking beat a prior,
    beyond the uncertainty?"""
    part = comparisons[(comparisons["split"] == "unseen_genus")
                       & (comparisons["versus"] == "best prior")
                       & (comparisons["measure"] == "top1")]
    if part.empty:
        return "No whole genus was held out, so there is no unseen-genus test here."
    row = part.iloc[0]
    margin = (f"top-1 {row['model']:.3f} against {row['other']:.3f} for the best prior, "
              f"margin {row['difference']:+.3f} (95% interval {row['difference_ci_low']:+.3f} "
              f"to {row['difference_ci_high']:+.3f}, {row['n_species']} species)")
    if row["n_species"] < MIN_SPECIES_TO_JUDGE:
        return f"On whole genera never seen in training: {margin}; too few species to judge."
    if row["difference_ci_low"] > 0:
        return (f"On whole genera never seen in training the ranking beats the priors: "
                f"{margin}. Genomes of these data carry signal about media beyond their genus.")
    if row["difference_ci_high"] < 0:
        return (f"On whole genera never seen in training the ranking falls below the priors: "
                f"{margin}.")
    return (f"On whole genera never seen in training the ranking does as well as the priors "
            f"within the uncertainty: {margin}. What it knows comes from relatives, and a "
            "genus without relatives in the training data has little to lend.")


def calibration_note(calibrated_on: str) -> str:
    if not calibrated_on:
        return "How the probabilities were calibrated is not recorded in this ranking model."
    return f"The probabilities were calibrated (Platt scaling) on {calibrated_on}."


def held_out_species(ranking: RankingEvaluation) -> dict[str, int]:
    """Held-out species per split, and in all."""
    per_split = ranking.per_genome.drop_duplicates("genome_id")
    counts = per_split.groupby("split")["species"].nunique()
    return {**{split: int(counts.get(split, 0)) for split in SPLIT_NAMES},
            "all": int(per_split["species"].nunique())}


def latent_note(usage: pd.DataFrame) -> str:
    active = int((usage["kl"] > ACTIVE_KL).sum())
    top = ", ".join(f"{v:.2f}" for v in usage["kl"].head(8))
    return (f"{active} of {len(usage)} latent dimensions are active (KL from the prior above "
            f"{ACTIVE_KL} nats, averaged over training samples); the largest: {top}.")


def render_html(evaluation: Evaluation, ranking: RankingEvaluation, model: ConditionalMediaVAE,
                info: dict, figures: dict[str, bytes], settings: EvaluationSettings,
                data: dict) -> str:
    threshold = settings.threshold
    summary = info.get("summary", {})
    proposal_summary = evaluation.proposal_summary.assign(
        method=evaluation.proposal_summary["method"].map(METHOD_NAMES))
    recipes = "\n\n".join(html.escape(r.as_text()) for r in evaluation.examples)
    phases = ", ".join(dict.fromkeys(row["phase"] for row in model.record.history))
    intro = html.escape(
        f"Media model trained through the phases {phases} on {model.embedding_method} genome "
        f"embeddings ({model.condition_transform.dim} values, seen through "
        f"{model.config.condition_dim} principal components), {model.config.n_ingredients} "
        f"ingredients ({summary.get('n_ingredients_dropped', 0)} rare ones left out), "
        f"{parameter_count(model):,} parameters. Samples (genome, medium) per split: "
        f"{_counts(summary.get('n_samples', {}))}; genomes per split: "
        f"{_counts(summary.get('n_genomes', {}))}; "
        f"{summary.get('n_media', '?')} media with growth pairs. Test genomes are species "
        "never seen in training: some from genera seen there, some from whole genera held "
        "out."
    )
    held_out = held_out_species(ranking)
    evaluation_table = ranking.summary.assign(
        split=ranking.summary["split"].map(SPLIT_NAMES),
        method=ranking.summary["method"].map(RANKING_NAMES))
    shown = ranking.recommendations
    if not shown.empty:
        first = shown.drop_duplicates("genome_id").groupby("split").head(SHOWN_GENOMES)
        shown = shown[shown["genome_id"].isin(first["genome_id"])]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>mediagen evaluation report</title>
<style>{STYLE}</style></head><body>
<h1>mediagen: which media, and new recipes, for genomes never seen</h1>
<p>{intro}</p>
<h2>Training data</h2>
{data_html(data)}
<h2>Genomes left out of training</h2>
{left_out_html(data)}
<h2>Which medium? The ranking against four baselines</h2>
<p>Every method ranks the catalog's media for each held-out genome. top1 / top5: a medium
the genome grows on is ranked first / among the first five; mean rank: of its best-placed
true medium; Jaccard: ingredient sets of the first-ranked medium and the closest true
medium.</p>
{_table(evaluation_table)}
<p>Each hit rate comes with its 95% interval (bootstrap over the held-out species); a split
of fewer than {MIN_SPECIES_TO_JUDGE} species gets no verdict.</p>
{_claim_list(ranking_claims(ranking.comparisons), "no held-out genomes to judge")}
<p>{html.escape(unseen_genus_note(ranking.comparisons))}</p>
<h2>Are the probabilities right?</h2>
<p>{html.escape(calibration_note(ranking.calibrated_on))} Of the ten best-ranked media of
every held-out genome, the share that the genome grows on, against the predicted probability
(ten bins; the numbers count predictions). Expected calibration error per split, with its
95% interval:</p>
{_table(ranking.calibration)}
{_image(figures["reliability"], "reliability diagram")}
<h2>Recommendations for held-out genomes</h2>
<p>The best media for a few held-out genomes, with the probability of growth, its
uncertainty (the spread of the ensemble's members), whether the genome grows on it, and
the evidence: the nearest training genomes that grow on it (distance in genome space).</p>
{_table(shown)}
<h2>Generated recipes</h2>
<p>The media model's recipes for held-out genomes: variations of the media the ranking puts
first, each as large as its medium. Sizes are ingredient counts at the model's width.</p>
{_table(evaluation.generated)}
{_claim_list(with_species(recipe_claims(evaluation), held_out["seen_genus"]),
             "no held-out genomes of genera seen in training")}
<h2>Does the media model use its latent space?</h2>
<p>{html.escape(latent_note(evaluation.latent_usage))}</p>
<h2>Reconstruction of the test split</h2>
<p>Media of held-out genomes through encoder and decoder, each decoded with its own number
of ingredients. MSE and Pearson r in the transformed space (log1p of g/L over each
ingredient's median); ingredient match = share of the ingredients present (above
{threshold:g} g/L) in either medium that are present in both.</p>
{_table(evaluation.reconstruction)}
<h2>Proposals for held-out genomes, against two baselines</h2>
<p>Jaccard: ingredient sets of a proposal and the closest of the genome's true media (higher
is better). proposal_rank: rank of the genome's nearest true medium among all
{len(model.record.reference_media.media_ids)} catalog media ordered by distance to the proposal
(1 = the nearest catalog medium is one the genome grows on; lower is better; not the
ranking's mean rank above). Scores are averaged over a genome's proposals, then over genomes
(median_proposal_rank: the median over genomes).</p>
{_table(proposal_summary)}
{_claim_list(with_species(evaluation.comparisons, held_out["all"]),
             "no held-out genomes to judge")}
<h2>Proposals resemble their own type's media</h2>
<p>Mean Jaccard of held-out genomes' proposals (rows: the genome's type) to the closest
training medium of each type (columns).</p>
{_table(evaluation.type_resemblance, index=True)}
<h2>Latent space</h2>
<p>A conditional VAE's latent space holds what the genome does not explain, so types mixing
on the left is the conditioning at work; on the right the proposals for held-out genomes fall
among their type's media.</p>
{_image(figures["latent_pca"], "latent space PCA")}
<h2>Training curves, one panel per curriculum phase</h2>
{_image(figures["training_curves"], "training curves")}
<h2>Example recipes</h2>
<pre>{recipes}</pre>
</body></html>
"""


def _require_test_genomes(dataset: Dataset, dataset_dir) -> None:
    """The report judges the models on held-out genomes; without any it has nothing to say."""
    if (dataset.samples["split"] == "test").any():
        return
    counts = dataset.samples.groupby("organism_type")["species"].nunique()
    have = ", ".join(f"{organism_type} {n}" for organism_type, n in counts.items())
    raise MediagenError(
        f"{dataset_dir}: the dataset's test split holds no genome, so there is nothing to "
        f"evaluate the models on. A type needs at least 3 species with growth pairs before "
        f"one is held out (species per type: {have}). Add genomes and growth pairs, or build "
        f"the models alone: snakemake results/models/cvae_all.pt")


def write_report(
    model_path: str | Path, ranker_path: str | Path, dataset_dir: str | Path,
    embedding_table: str | Path, catalog_media: str | Path, out_dir: str | Path,
    settings: EvaluationSettings, *, phases: list[str] = (), catalog_quirks: dict | None = None,
    sheets: dict | None = None,
) -> tuple[Evaluation, RankingEvaluation]:
    """Evaluate both models and write the report; ``phases`` (the curriculum),
    ``catalog_quirks`` (build_catalog's quirks.json) and ``sheets`` (derive_sheets'
    summary.json) describe the training data."""
    out_dir = Path(out_dir)
    dataset = load_dataset(dataset_dir)
    _require_test_genomes(dataset, dataset_dir)
    model = ConditionalMediaVAE.load(model_path)
    data = data_summary(dataset, list(phases), catalog_quirks, sheets, model.record)
    ranker = MediaRanker.load(ranker_path)
    ranking = evaluate_ranking(ranker, load_ranking_data(dataset_dir, embedding_table,
                                                         catalog_media))
    evaluation = evaluate(model, dataset, settings, ranking.anchors)
    figures = {"latent_pca": latent_figure(evaluation),
               "training_curves": training_figure(model.record.history),
               "reliability": reliability_figure(ranking.reliability)}
    for name, png in figures.items():
        atomic_write_bytes(out_dir / f"{name}.png", png)
    tables = {"evaluation": ranking.summary, "reliability": ranking.reliability,
              "recommendations": ranking.recommendations, "generated": evaluation.generated,
              "reconstruction": evaluation.reconstruction, "proposals": evaluation.proposals,
              "proposal_summary": evaluation.proposal_summary}
    for name, frame in tables.items():
        with atomic_path(out_dir / f"{name}.tsv") as tmp:
            frame.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    with atomic_path(out_dir / "type_resemblance.tsv") as tmp:
        evaluation.type_resemblance.to_csv(tmp, sep="\t", float_format="%.6g")
    write_recipes(evaluation.examples, out_dir / "example_recipes")
    metrics = {
        "ranking_claims": ranking_claims(ranking.comparisons),
        "ranking_comparisons": ranking.comparisons.to_dict(orient="records"),
        "calibrated_on": ranking.calibrated_on,
        "recipe_claims": recipe_claims(evaluation),
        "comparisons": evaluation.comparisons,
        "calibration": ranking.calibration.to_dict(orient="records"),
        **{name: frame.to_dict(orient="records") for name, frame in tables.items()
           if name not in ("proposals", "recommendations", "reliability")},
        "latent_kl": evaluation.latent_usage.to_dict(orient="records"),
        "type_resemblance": evaluation.type_resemblance.to_dict(orient="index"),
        "dataset": {"embedding": dataset.info["embedding"],
                    "summary": dataset.info.get("summary", {})},
        "data": data,
    }
    atomic_write_text(out_dir / "metrics.json", json.dumps(metrics, indent=1) + "\n")
    atomic_write_text(out_dir / "report.html",
                      render_html(evaluation, ranking, model, dataset.info, figures, settings,
                                  data))
    return evaluation, ranking
