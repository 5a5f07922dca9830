"""A picture of the genome VAE: branches, widths and parameter counts per block (SVG).

Drawn from a built model, so the counts are those of the weights actually
trained: encoder branches side by side, where they meet, the latent, and the
decoder's shared trunk, branch projections and heads.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402
from torch import nn  # noqa: E402

from ..atomic import atomic_path  # noqa: E402
from .model import BRANCH_INPUTS, OUTPUT_WIDTH, GenomeVAE, count_parameters  # noqa: E402

COLUMNS = {"kmer7": 0.2, "kmer4": 0.5, "kmer3": 0.8, "trunk": 0.5}
BRANCH_NAMES = {"kmer7": "7-mers", "kmer4": "4-mers", "kmer3": "3-mers"}
COLOURS = {"input": "#e8e8e8", "encoder": "#cfe2f3", "latent": "#fce5cd",
           "decoder": "#d9ead3", "output": "#e8e8e8"}
ROW_HEIGHT = 0.62  # inches


def _count(module: nn.Module) -> str:
    n = count_parameters(module)
    if n >= 1e6:
        return f"{n / 1e6:.2f}M"
    return f"{n / 1e3:.1f}K" if n >= 1e3 else str(n)


def _dense_labels(stack: nn.Sequential) -> list[str]:
    labels = []
    for name, block in stack.named_children():
        linear = block[0]
        labels.append(f"{name}: {linear.in_features:,} → {linear.out_features:,}  "
                      f"({_count(block)} params)")
    return labels


def _layout(model: GenomeVAE) -> tuple[list[tuple[int, str, str, str]], list[tuple]]:
    """Boxes (row, column, label, kind) and edges between box indices."""
    config, encoder, decoder = model.config, model.encoder, model.decoder
    boxes, edges = [], []

    def add(row, column, label, kind, after=None):
        boxes.append((row, column, label, kind))
        for parent in (after if isinstance(after, list) else [after] if after is not None
                       else []):
            edges.append((parent, len(boxes) - 1))
        return len(boxes) - 1

    ends = []
    for branch in ("kmer7", "kmer4", "kmer3"):
        last = add(0, branch, f"{BRANCH_NAMES[branch]} + length + GC ({BRANCH_INPUTS[branch]:,}),"
                   " log, standardised", "input")
        for row, label in enumerate(_dense_labels(getattr(encoder, branch)), start=1):
            last = add(row, branch, label, "encoder", last)
        ends.append(last)
    row = 1 + max(len(config.kmer7_widths), len(config.kmer4_widths), len(config.kmer3_widths))
    last = add(row, "trunk", f"concatenate ({config.concat_width:,})", "encoder", ends)
    for label in _dense_labels(encoder.shared):
        row += 1
        last = add(row, "trunk", "shared " + label, "encoder", last)
    row += 1
    mean = add(row, "kmer4", f"z_mean: → {config.latent_dim:,} ({_count(encoder.z_mean)})",
               "latent", last)
    log_var = add(row, "kmer3", f"z_log_var: → {config.latent_dim:,}, clipped "
                  f"[{config.log_var_min:g}, {config.log_var_max:g}] ({_count(encoder.z_log_var)})",
                  "latent", last)
    row += 1
    last = add(row, "trunk", f"z = mean + exp(log_var / 2) · ε  ({config.latent_dim:,})",
               "latent", [mean, log_var])
    for label in _dense_labels(decoder.shared):
        row += 1
        last = add(row, "trunk", "shared " + label, "decoder", last)
    trunk_end, row = last, row + 1
    heads = {
        "kmer7": f"values 8,192 (linear, {_count(decoder.kmer7_values)}), gate 8,192 "
                 f"(sigmoid, {_count(decoder.kmer7_gate)}), GC ({_count(decoder.kmer7_gc)})",
        "kmer4": f"4-mers 136 ({_count(decoder.kmer4_values)}), GC ({_count(decoder.kmer4_gc)})",
        "kmer3": f"3-mers 32 ({_count(decoder.kmer3_values)}), GC ({_count(decoder.kmer3_gc)})",
    }
    depth = max(len(config.kmer7_widths), len(config.kmer4_widths), len(config.kmer3_widths))
    ends = []
    for branch in ("kmer7", "kmer4", "kmer3"):
        last = trunk_end
        for offset, label in enumerate(_dense_labels(getattr(decoder, branch))):
            last = add(row + offset, branch, f"{BRANCH_NAMES[branch]} {label}", "decoder",
                       last)
        ends.append(add(row + depth, branch, heads[branch], "decoder", last))
    add(row + depth + 1, "trunk",
        f"output {OUTPUT_WIDTH:,} = [gate·values + (1 − gate)·log(1e-6), 4-mers, 3-mers, "
        "GC = mean of the 3 heads]", "output", ends)
    return boxes, edges


def draw_model_diagram(model: GenomeVAE, path: str | Path, title: str = "genome VAE") -> None:
    """Write the diagram of ``model`` as SVG (or PNG when ``path`` ends in .png)."""
    boxes, edges = _layout(model)
    n_rows = 1 + max(row for row, *_ in boxes)
    figure = plt.figure(figsize=(17, ROW_HEIGHT * (n_rows + 1.5)))
    axis = figure.add_axes([0, 0, 1, 1])
    axis.set_xlim(0, 1)
    axis.set_ylim(-(n_rows + 0.3), 1.2)
    axis.axis("off")
    centres = []
    for row, column, label, kind in boxes:
        x, y = COLUMNS[column], -row
        width = 0.9 if kind == "output" else 0.28
        axis.add_patch(FancyBboxPatch((x - width / 2, y - 0.3), width, 0.6,
                                      boxstyle="round,pad=0.005,rounding_size=0.1",
                                      facecolor=COLOURS[kind], edgecolor="#555555"))
        axis.text(x, y, label, ha="center", va="center", fontsize=7.5)
        centres.append((x, y))
    for parent, child in edges:
        (x0, y0), (x1, y1) = centres[parent], centres[child]
        axis.annotate("", xy=(x1, y1 + 0.3), xytext=(x0, y0 - 0.3),
                      arrowprops={"arrowstyle": "->", "color": "#555555", "lw": 0.8})
    total = count_parameters(model)
    axis.text(0.5, 0.75, f"{title}: {total:,} parameters "
              f"(encoder {_count(model.encoder)}, decoder {_count(model.decoder)}); "
              "every dense block = Linear + BatchNorm + "
              f"LeakyReLU({model.config.leaky_relu_slope:g})",
              ha="center", va="center", fontsize=10, weight="bold")
    path = Path(path)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format=path.suffix.lstrip(".") or "svg")
    plt.close(figure)
