"""The evaluation report: figures, tables and one HTML page a person opens.

``write_report`` evaluates a trained model on its dataset (see
:mod:`mediagen.cvae.evaluate`) and writes, into one folder:

- ``report.html``: the page, self-contained (figures embedded);
- ``latent_pca.png``, ``training_curves.png``: the figures, also as files;
- ``metrics.json``: every number on the page;
- ``reconstruction.tsv``, ``proposals.tsv`` (per held-out genome and method),
  ``proposal_summary.tsv``, ``type_resemblance.tsv``, ``example_recipes.tsv``
  and ``.json``.
"""

import base64
import html
import io
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen first)
import pandas as pd  # noqa: E402

from ..atomic import atomic_path, atomic_write_bytes, atomic_write_text  # noqa: E402
from ..errors import MediagenError  # noqa: E402
from .data_summary import data_html, data_summary  # noqa: E402
from .dataset import Dataset, load_dataset  # noqa: E402
from .evaluate import Evaluation, EvaluationSettings, evaluate  # noqa: E402
from .generate import write_recipes  # noqa: E402
from .model import ConditionalMediaVAE, parameter_count  # noqa: E402

TYPE_COLOURS = {"bacteria": "#1f77b4", "archaea": "#d62728", "fungi": "#2ca02c",
                "protist": "#9467bd", "virus": "#8c564b"}
METHOD_NAMES = {"model": "model proposals",
                "nearest_genome": "media of the nearest training genome",
                "type_prior": "most common medium of the type"}


def report_files(folder: str) -> dict[str, str]:
    """Every file ``write_report`` writes into ``folder``, by name."""
    names = ["report.html", "latent_pca.png", "training_curves.png", "metrics.json",
             "reconstruction.tsv", "proposals.tsv", "proposal_summary.tsv",
             "type_resemblance.tsv", "example_recipes.tsv", "example_recipes.json"]
    return {name.replace(".", "_"): f"{folder}/{name}" for name in names}


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _colour(organism_type: str) -> str:
    return TYPE_COLOURS.get(organism_type, "#7f7f7f")


def latent_figure(evaluation: Evaluation) -> bytes:
    """Left: latent means by type. Right: held-out proposals among the training media."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.8))
    for organism_type, part in evaluation.latent.groupby("organism_type"):
        left.scatter(part["pc1"], part["pc2"], s=14, alpha=0.7, color=_colour(organism_type),
                     label=organism_type)
    left.set(title="latent means of every sample (PCA)", xlabel="PC1", ylabel="PC2")
    left.legend(fontsize=8)
    points = evaluation.proposal_points
    for (kind, organism_type), part in points.groupby(["kind", "organism_type"]):
        real = kind == "training medium"
        right.scatter(part["pc1"], part["pc2"], s=60 if real else 14,
                      marker="*" if real else "o", alpha=0.9 if real else 0.45,
                      color=_colour(organism_type), edgecolors="black" if real else "none",
                      linewidths=0.5, label=f"{organism_type} {kind}")
    right.set(title="held-out genomes' proposals (dots) and training media (stars)",
              xlabel="PC1 of transformed media", ylabel="PC2")
    right.legend(fontsize=7, ncol=2)
    return _png(figure)


def training_figure(history: list[dict]) -> bytes:
    frame = pd.DataFrame(history)
    phases = list(dict.fromkeys(frame["phase"])) if not frame.empty else []
    figure, axes = plt.subplots(1, max(1, len(phases)), figsize=(3.2 * max(1, len(phases)), 3.4),
                                sharey=True, squeeze=False)
    for axis, phase in zip(axes[0], phases, strict=False):
        part = frame[frame["phase"] == phase]
        axis.plot(part["epoch"], part["loss"], label="training loss")
        if "val_loss" in part:
            axis.plot(part["epoch"], part["val_loss"], label="validation loss")
        axis.plot(part["epoch"], part["kl"], ":", label="kl (training)")
        axis.set(title=phase, xlabel="epoch")
    axes[0][0].set_ylabel("loss per ingredient")
    axes[0][0].legend(fontsize=7)
    return _png(figure)


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
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; }
img { max-width: 100%; }
"""


def render_html(evaluation: Evaluation, model: ConditionalMediaVAE, info: dict,
                figures: dict[str, bytes], settings: EvaluationSettings, data: dict) -> str:
    threshold = settings.threshold
    summary = info.get("summary", {})
    claims = "".join(
        f'<li><span class="{"holds" if c["holds"] else "fails"}">'
        f'{"yes" if c["holds"] else "no"}</span>: {html.escape(c["claim"])}: '
        f'{c["value"]:.3f} against {c["other"]:.3f}</li>'
        for c in evaluation.comparisons
    )
    proposal_summary = evaluation.proposal_summary.assign(
        method=evaluation.proposal_summary["method"].map(METHOD_NAMES))
    recipes = "\n\n".join(html.escape(r.as_text()) for r in evaluation.examples)
    phases = ", ".join(dict.fromkeys(row["phase"] for row in model.record.history))
    intro = html.escape(
        f"Model trained through the phases {phases} on {model.embedding_method} genome "
        f"embeddings ({model.condition_transform.dim} values, seen through "
        f"{model.config.condition_dim} principal components), {model.config.n_ingredients} "
        f"ingredients ({summary.get('n_ingredients_dropped', 0)} rare ones left out), "
        f"{parameter_count(model):,} parameters. Samples (genome, medium) per split: "
        f"{_counts(summary.get('n_samples', {}))}; genomes per split: "
        f"{_counts(summary.get('n_genomes', {}))}; "
        f"{summary.get('n_media', '?')} media with growth pairs. Test genomes were never seen "
        "in training."
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>mediagen evaluation report</title>
<style>{STYLE}</style></head><body>
<h1>mediagen: conditional media VAE evaluation</h1>
<p>{intro}</p>
<h2>Training data</h2>
{data_html(data)}
<h2>Does it work?</h2><ul>{claims or "<li>no held-out genomes to judge</li>"}</ul>
<p>{_within_type_note(evaluation)}</p>
<h2>Reconstruction of the test split</h2>
<p>Media of held-out genomes through encoder and decoder. MSE and Pearson r in the
transformed space (log1p of g/L over each ingredient's median); ingredient match = share of
the ingredients present (above {threshold:g} g/L) in either medium that are present in
both.</p>
{_table(evaluation.reconstruction)}
<h2>Proposals for held-out genomes, against two baselines</h2>
<p>Jaccard: ingredient sets of a proposal and the closest of the genome's true media (higher
is better). Rank: position of the genome's best placed true medium among all
{len(model.record.reference_media.media_ids)} catalog media ordered by distance to the proposal
(1 = the nearest catalog medium is one the genome grows on; lower is better). Scores are
averaged over a genome's proposals, then over genomes.</p>
{_table(proposal_summary)}
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


def _within_type_note(evaluation: Evaluation) -> str:
    """What the baselines say about the data: can anything beat a type-level guess?"""
    overall = evaluation.proposal_summary
    overall = overall[overall["group"] == "all"].set_index("method")
    if not {"nearest_genome", "type_prior"} <= set(overall.index):
        return ""
    if overall.loc["nearest_genome", "jaccard"] > overall.loc["type_prior", "jaccard"]:
        return ("The nearest training genome's media beat the type's most common medium: in "
                "these data a genome's media depend on more than its organism type, which is "
                "what a conditional model can learn beyond the type.")
    return ("The nearest training genome's media do not beat the type's most common medium: "
            "these data hold no sign that a genome's media depend on more than its organism "
            "type, and then the type's most common medium is the best single guess any method "
            "can make on these scores; what the model can show here is the type "
            "resemblance below.")


def _require_test_genomes(dataset: Dataset, dataset_dir) -> None:
    """The report judges the model on held-out genomes; without any it has nothing to say."""
    if (dataset.samples["split"] == "test").any():
        return
    counts = dataset.samples.groupby("organism_type")["genome_id"].nunique()
    have = ", ".join(f"{organism_type} {n}" for organism_type, n in counts.items())
    raise MediagenError(
        f"{dataset_dir}: the dataset's test split holds no genome, so there is nothing to "
        f"evaluate the model on. A type needs at least 3 genomes with growth pairs before one "
        f"is held out (genomes per type: {have}). Add genomes and growth pairs, or build the "
        f"model alone: snakemake results/models/cvae_all.pt")


def write_report(
    model_path: str | Path, dataset_dir: str | Path, out_dir: str | Path,
    settings: EvaluationSettings, *, phases: list[str] = (), catalog_quirks: dict | None = None,
    sheets: dict | None = None,
) -> Evaluation:
    """Evaluate and write the report; ``phases`` (the curriculum), ``catalog_quirks``
    (build_catalog's quirks.json) and ``sheets`` (derive_sheets' summary.json) describe
    the training data."""
    out_dir = Path(out_dir)
    dataset = load_dataset(dataset_dir)
    _require_test_genomes(dataset, dataset_dir)
    data = data_summary(dataset, list(phases), catalog_quirks, sheets)
    model = ConditionalMediaVAE.load(model_path)
    evaluation = evaluate(model, dataset, settings)
    figures = {"latent_pca": latent_figure(evaluation),
               "training_curves": training_figure(model.record.history)}
    for name, png in figures.items():
        atomic_write_bytes(out_dir / f"{name}.png", png)
    tables = {"reconstruction": evaluation.reconstruction, "proposals": evaluation.proposals,
              "proposal_summary": evaluation.proposal_summary}
    for name, frame in tables.items():
        with atomic_path(out_dir / f"{name}.tsv") as tmp:
            frame.to_csv(tmp, sep="\t", index=False, float_format="%.6g")
    with atomic_path(out_dir / "type_resemblance.tsv") as tmp:
        evaluation.type_resemblance.to_csv(tmp, sep="\t", float_format="%.6g")
    write_recipes(evaluation.examples, out_dir / "example_recipes")
    metrics = {
        "comparisons": evaluation.comparisons,
        **{name: frame.to_dict(orient="records") for name, frame in tables.items()
           if name != "proposals"},
        "type_resemblance": evaluation.type_resemblance.to_dict(orient="index"),
        "dataset": {"embedding": dataset.info["embedding"],
                    "summary": dataset.info.get("summary", {})},
        "data": data,
    }
    atomic_write_text(out_dir / "metrics.json", json.dumps(metrics, indent=1) + "\n")
    atomic_write_text(out_dir / "report.html",
                      render_html(evaluation, model, dataset.info, figures, settings, data))
    return evaluation

