"""Proposed media as recipes: conditions in, ingredient lists out.

A condition is a genome embedding made the way the model was trained: read
from the workflow's embedding table (a known genome), averaged over an
organism type, or computed from a new FASTA with the model's own method. A
proposal becomes a recipe: its ingredients, largest first, the nearest known
catalog medium with its distance (Euclidean, in the model's transformed media
space, over the model's ingredients) and, where a ranking model speaks for the
genome, the probability it gives that nearest medium.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import atomic_path, atomic_write_text
from ..errors import MediagenError
from ..kmers.embedding_table import read_embedding_table
from .model import ConditionalMediaVAE
from .transform import Embedding


@dataclass
class Recipe:
    label: str
    ingredients: list[tuple[str, str, float]]  # (id, name, g/L), largest first
    nearest_media_id: str
    nearest_media_name: str
    distance: float
    probability: float | None = None  # the ranking's growth probability of the nearest medium

    def as_text(self) -> str:
        grows = ("" if self.probability is None else
                 f", growth probability {self.probability:.2f}")
        lines = [f"{self.label}: {len(self.ingredients)} ingredients; nearest known medium "
                 f"{self.nearest_media_id} ({self.nearest_media_name}), "
                 f"distance {self.distance:.3f}{grows}"]
        lines += [f"  {grams:12.6g} g/L  {name}" for _, name, grams in self.ingredients]
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "label": self.label,
            "ingredients": [{"ingredient_id": i, "name": n, "g_per_l": g}
                            for i, n, g in self.ingredients],
            "nearest_medium": {"media_id": self.nearest_media_id,
                               "name": self.nearest_media_name, "distance": self.distance,
                               "growth_probability": self.probability},
        }


def reference_distances(model: ConditionalMediaVAE, grams_per_litre: np.ndarray) -> np.ndarray:
    """(n proposals, n catalog media) distances in the model's transformed media space."""
    proposals = model.media_transform.forward(np.atleast_2d(grams_per_litre)).astype(np.float64)
    reference = model.media_transform.forward(
        model.record.reference_media.grams_per_litre).astype(np.float64)
    squared = ((proposals ** 2).sum(1)[:, None] + (reference ** 2).sum(1)[None, :]
               - 2 * proposals @ reference.T)
    return np.sqrt(np.clip(squared, 0.0, None))


def recipes_for(
    model: ConditionalMediaVAE, grams_per_litre: np.ndarray, labels: list[str],
    probabilities: dict[str, float] | None = None,
) -> list[Recipe]:
    """Recipes of proposals; ``probabilities`` (media id -> growth probability, from a
    ranking of the genome) labels each with its nearest medium's."""
    grams_per_litre = np.atleast_2d(grams_per_litre)
    unrepresentable = [label for label, row in zip(labels, grams_per_litre, strict=True)
                       if not np.isfinite(row).all()]
    if unrepresentable:
        raise MediagenError(
            f"{unrepresentable[0]}: the model decoded amounts too large to represent; its "
            "condition or latent sample lies far outside the training data (lower "
            "--temperature, or check the genome)")
    distances = reference_distances(model, grams_per_litre)
    nearest = distances.argmin(axis=1)
    reference = model.record.reference_media
    ids, names = model.record.ingredient_ids, model.record.ingredient_names
    recipes = []
    for row, label in enumerate(labels):
        amounts = grams_per_litre[row]
        order = [j for j in np.argsort(-amounts, kind="stable") if amounts[j] > 0]
        nearest_id = reference.media_ids[nearest[row]]
        recipes.append(Recipe(
            label=label,
            ingredients=[(ids[j], names[j], float(amounts[j])) for j in order],
            nearest_media_id=nearest_id,
            nearest_media_name=reference.media_names[nearest[row]],
            distance=float(distances[row, nearest[row]]),
            probability=None if probabilities is None else probabilities.get(nearest_id),
        ))
    return recipes


def recipe_files(prefix: str | Path) -> tuple[Path, Path]:
    """The files ``write_recipes`` writes: ``PREFIX.tsv`` and ``PREFIX.json``."""
    prefix = Path(prefix)
    if prefix.name in ("", ".."):
        raise MediagenError(f"{prefix}: is a folder; give a file name prefix, for example "
                            f"{prefix / 'recipes'}")
    return prefix.with_name(prefix.name + ".tsv"), prefix.with_name(prefix.name + ".json")


def write_recipes(recipes: list[Recipe], prefix: str | Path) -> tuple[Path, Path]:
    """``PREFIX.tsv`` (one row per ingredient) and ``PREFIX.json`` (one object per recipe)."""
    rows = [
        {"recipe": r.label, "ingredient_id": i, "ingredient": n, "g_per_l": g,
         "nearest_media_id": r.nearest_media_id, "nearest_media_name": r.nearest_media_name,
         "distance": r.distance, "growth_probability": r.probability}
        for r in recipes for i, n, g in r.ingredients
    ]
    columns = ["recipe", "ingredient_id", "ingredient", "g_per_l", "nearest_media_id",
               "nearest_media_name", "distance", "growth_probability"]
    tsv, json_path = recipe_files(prefix)
    with atomic_path(tsv) as tmp:
        pd.DataFrame(rows, columns=columns).to_csv(tmp, sep="\t", index=False)
    atomic_write_text(json_path, json.dumps([r.as_dict() for r in recipes], indent=1) + "\n")
    return tsv, json_path


# -- conditions ------------------------------------------------------------------------


def genome_condition(
    model: ConditionalMediaVAE, genome_id: str, table: str | Path | None = None
) -> Embedding:
    """A known genome's embedding from the table the model was trained with (or ``table``)."""
    return table_embedding(table or model.record.provenance.get("embedding_table", ""),
                           genome_id)


def table_embedding(table: str | Path, genome_id: str) -> Embedding:
    """One genome's row of an embedding table."""
    table = Path(table)
    ids, matrix, meta = read_embedding_table(table)
    if genome_id not in ids:
        raise MediagenError(
            f"{table}: no genome {genome_id!r}; give a genome id of the workflow's genome "
            "sheet, or the genome's FASTA file"
        )
    return Embedding(str(meta.get("method", "")), matrix[ids.index(genome_id)])


def type_condition(model: ConditionalMediaVAE, organism_type: str) -> Embedding:
    """The mean embedding of the model's genomes of one organism type."""
    means = model.record.type_conditions
    if organism_type not in means:
        raise MediagenError(
            f"the model has no genomes of type {organism_type!r}; "
            f"choose one of {', '.join(sorted(means))}"
        )
    return Embedding(model.embedding_method, np.asarray(means[organism_type]))


def fasta_condition(
    model: ConditionalMediaVAE, fasta: str | Path, *, genome_vae: str | Path | None = None
) -> Embedding:
    """Embed a new genome the way the model's training genomes were embedded."""
    return fasta_embedding(fasta, model.embedding_method, model.record.provenance,
                           genome_vae=genome_vae)


def fasta_embedding(fasta: str | Path, method: str, provenance: dict, *,
                    genome_vae: str | Path | None = None) -> Embedding:
    """Embed a genome FASTA with ``method``, as the workflow did (``provenance``: the
    genome VAE file and minimum genome length a model was trained with)."""
    if method == "vae":
        from ..genome_vae.embed import embed_fasta

        vae_path = genome_vae or provenance.get("genome_vae_model")
        if not vae_path or not Path(vae_path).is_file():
            raise MediagenError(
                f"the genome VAE {vae_path or '(not recorded)'} this model was trained with is "
                "not there; give its checkpoint with --genome-vae"
            )
        return Embedding(method, np.asarray(embed_fasta(vae_path, fasta)).reshape(-1))
    from ..kmers.embedding_methods import embed_counts
    from ..kmers.profile import count_genome

    counts = count_genome(fasta, min_length=int(provenance.get("min_genome_length", 0)))
    return Embedding(method, embed_counts(method, counts.arrays()))


def interpolate(
    model: ConditionalMediaVAE, start: Embedding, end: Embedding, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Media (g/L) at ``steps`` evenly spaced conditions from ``start`` to ``end``.

    The path is a straight line between the two transformed conditions, decoded
    at the latent origin, so the only thing that changes along it is the genome.
    """
    if steps < 2:
        raise MediagenError(f"--steps {steps}: an interpolation needs at least 2 steps")
    a, b = model.condition_transform.apply(start), model.condition_transform.apply(end)
    fractions = np.linspace(0.0, 1.0, steps)
    conditions = (1 - fractions)[:, None] * a + fractions[:, None] * b
    return fractions, model.decode_conditions(conditions)
