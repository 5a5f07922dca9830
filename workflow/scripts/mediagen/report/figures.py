"""The report's figures, as PNG bytes."""

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen first)
import pandas as pd  # noqa: E402

from ..cvae.evaluate import Evaluation  # noqa: E402

TYPE_COLOURS = {"bacteria": "#1f77b4", "archaea": "#d62728", "fungi": "#2ca02c",
                "protist": "#9467bd", "virus": "#8c564b"}
SPLIT_COLOURS = {"seen_genus": "#1f77b4", "unseen_genus": "#ff7f0e",
                 "unseen_family": "#2ca02c"}


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


def reliability_figure(reliability: pd.DataFrame) -> bytes:
    """Predicted growth probability against the observed rate, per held-out split."""
    figure, axis = plt.subplots(figsize=(4.6, 4.4))
    axis.plot([0, 1], [0, 1], ":", color="grey", label="perfect calibration")
    for split, part in reliability.groupby("split", sort=True):
        axis.plot(part["predicted"], part["observed"], "o-",
                  color=SPLIT_COLOURS.get(split, "#7f7f7f"), label=split.replace("_", " "))
        for _, row in part.iterrows():
            axis.annotate(str(int(row["n"])), (row["predicted"], row["observed"]), fontsize=6,
                          textcoords="offset points", xytext=(3, -8))
    axis.set(xlim=(0, 1), ylim=(0, 1), xlabel="predicted growth probability",
             ylabel="share that grows", title="reliability of the ten best-ranked media")
    axis.legend(fontsize=7)
    return _png(figure)
