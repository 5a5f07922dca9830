"""Small synthetic inputs for the conditional media VAE's tests.

A toy catalog whose media belong to organism types (a type's media share a
core of ingredients and draw extras from the type's own pool, amounts
log-normal around each ingredient's typical concentration), genomes whose
embeddings carry their type plus a per-genome "preference" that decides which
of its type's media a genome grows on (and its genus: a third of the preference
range each), and the growth pairs between them
(with some growth=false and low-confidence rows that must be left out).
"""

from pathlib import Path

import numpy as np
import pandas as pd
from mediagen.catalog.media_facts import MEDIADIVE_PAGE, write_media_facts
from mediagen.catalog.media_table import MediaMatrix, write_media_matrix
from mediagen.kmers.embedding_table import write_embedding_table

TYPES = ("bacteria", "archaea", "fungi", "protist")


def synthetic_media(rng, *, media_per_type: int, n_extra_media: int, n_ingredients: int):
    typical = 10 ** rng.uniform(-4, 1.5, size=n_ingredients)
    pools = np.array_split(rng.permutation(n_ingredients), len(TYPES) + 1)
    shared = pools[-1]
    rows, ids, names, media_types = [], [], [], []
    for t, organism_type in enumerate(TYPES):
        core, extras = pools[t][:6], pools[t][6:]
        for m in range(media_per_type):
            used = set(rng.choice(core, size=5, replace=False))
            used |= set(rng.choice(extras, size=int(rng.integers(3, 7)), replace=False))
            used |= set(rng.choice(shared, size=2, replace=False))
            row = np.zeros(n_ingredients)
            for j in used:
                row[j] = typical[j] * np.exp(rng.normal(0, 0.5))
            rows.append(row)
            ids.append(f"{organism_type[:3]}{m}")
            names.append(f"{organism_type} medium {m}")
            media_types.append(organism_type)
    for m in range(n_extra_media):
        row = np.zeros(n_ingredients)
        used = rng.choice(n_ingredients, size=8, replace=False)
        row[used] = typical[used]
        rows.append(row)
        ids.append(f"other{m}")
        names.append(f"unpaired medium {m}")
        media_types.append("")
    media = MediaMatrix.from_dense(
        media_ids=ids, media_names=names,
        ingredient_ids=[f"ing{j}" for j in range(n_ingredients)],
        ingredient_names=[f"ingredient {j}" for j in range(n_ingredients)],
        grams_per_litre=np.array(rows),
    )
    return media, media_types


def write_inputs(
    root: Path,
    *,
    genomes_per_type: int = 12,
    media_per_type: int = 6,
    n_ingredients: int = 60,
    dim: int = 16,
    method: str = "vae",
    seed: int = 0,
    genome_types: tuple[str, ...] = TYPES,
) -> dict:
    """Write media.parquet, growth_pairs.parquet (and the catalog's empty list of pairs left
    out), media_facts.tsv, {method}.parquet and a genome sheet; genomes of ``genome_types``
    only, media of every type."""
    rng = np.random.default_rng(seed)
    media, media_types = synthetic_media(rng, media_per_type=media_per_type, n_extra_media=3,
                                         n_ingredients=n_ingredients)
    centres = rng.normal(0, 2.0, size=(len(TYPES), dim))
    genome_rows, embeddings, pairs = [], [], []
    for t, organism_type in enumerate(TYPES):
        if organism_type not in genome_types:
            continue
        type_media = [m for m, mt in zip(media.media_ids, media_types, strict=True)
                      if mt == organism_type]
        for g in range(genomes_per_type):
            genome_id = f"{organism_type}_{g:02d}"
            preference = rng.uniform(0, 1)
            vector = centres[t] + rng.normal(0, 0.5, size=dim)
            vector[0] = 4 * preference
            embeddings.append(vector)
            # three genera per type, by preference: relatives grow on similar media
            genus = f"{organism_type.capitalize()}genus{int(3 * preference)}"
            genome_rows.append({"genome_id": genome_id, "organism_name": f"{genus} sp{g:02d}",
                                "organism_type": organism_type, "taxid": "",
                                "source": f"resources/{genome_id}.fna.gz"})
            centre = preference * (len(type_media) - 1)
            grows = sorted(range(len(type_media)), key=lambda i, c=centre: abs(i - c))[:3]
            for i in grows:
                pairs.append((genome_id, type_media[i], True, 1.0, "synthetic"))
            not_grown = next(i for i in range(len(type_media)) if i not in grows)
            pairs.append((genome_id, type_media[not_grown], False, 1.0, "synthetic"))
            pairs.append((genome_id, "other0", True, 0.1, "synthetic low confidence"))
    matrix = np.array(embeddings)
    if method != "vae" and method != "stats":
        matrix = np.exp(matrix - 8)  # frequency-like: positive
    results = root / "results"
    write_media_matrix(results / "catalog" / "media.parquet", media)
    write_media_facts(results / "catalog" / "media_facts.tsv", pd.DataFrame({
        "media_id": media.media_ids, "link": [MEDIADIVE_PAGE.format(m) for m in media.media_ids],
        "min_ph": 7.0, "max_ph": 7.5, "complex": pd.array([True] * len(media.media_ids),
                                                         "boolean"),
        "salt_g_l": 0.5, "anaerobic": False, "anaerobic_because": ""}))
    frame = pd.DataFrame(pairs, columns=["genome_id", "media_id", "growth", "confidence",
                                         "source"])
    (results / "catalog").mkdir(parents=True, exist_ok=True)
    frame.to_parquet(results / "catalog" / "growth_pairs.parquet", index=False)
    frame.head(0).assign(reason="").to_csv(results / "catalog" / "growth_pairs_excluded.tsv",
                                           sep="\t", index=False)
    table = results / "embeddings" / ("profiles.parquet" if method == "profile"
                                      else f"{method}.parquet")
    write_embedding_table(table, [r["genome_id"] for r in genome_rows], matrix, method)
    sheet = root / "genomes.tsv"
    pd.DataFrame(genome_rows).to_csv(sheet, sep="\t", index=False)
    genomes = pd.DataFrame(genome_rows).set_index("genome_id", drop=False)
    return {"media": media, "media_types": media_types, "pairs": frame, "sheet": sheet,
            "table": table, "genomes": genomes,
            "genome_types": genomes["organism_type"].to_dict()}


TINY_CVAE = {
    "phases": ["bacteria", "archaea"],
    "encoder_dims": [32, 16],
    "decoder_dims": [16, 16],
    "condition_components": 8,
    "latent_dim": 4,
    "beta": 1.0,
    "learning_rate": 0.003,
    "weight_decay": 0.0,
    "batch_size": 16,
    "epochs": 3,
    "patience": 5,
    "device": "cpu",
    "threads": 1,
    "resume_every_seconds": 0,
}


def build_tiny_dataset(root: Path, **kwargs) -> tuple[Path, dict]:
    """Synthetic inputs and the dataset folder built from them."""
    from mediagen.cvae.dataset import build_dataset

    inputs = write_inputs(root, **kwargs)
    folder = root / "results" / "datasets" / "cvae"
    build_dataset(
        root / "results" / "catalog" / "media.parquet",
        root / "results" / "catalog" / "growth_pairs.parquet",
        inputs["table"], inputs["genomes"], folder,
        val_fraction=0.2, test_fraction=0.2, unseen_genus_fraction=0.2, min_confidence=0.5,
        min_ingredient_media=2, seed=3,
        excluded_pairs_path=root / "results" / "catalog" / "growth_pairs_excluded.tsv",
    )
    return folder, inputs


def train_tiny_model(root: Path, **dataset_options):
    """(model, dataset folder, dataset inputs): a tiny media model trained in one phase
    on a tiny dataset (``build_tiny_dataset`` options); the model is ``root/cvae.pt``."""
    from mediagen.cvae.train import train_phase

    folder, inputs = build_tiny_dataset(root, **dataset_options)
    model = train_phase(folder, root / "cvae.pt", root / "cvae.tsv", phase="all", types=None,
                        previous_model=None, cvae_config=TINY_CVAE, seed=0, resume_path=None,
                        provenance={"min_genome_length": 1000})
    return model, folder, inputs


def single_thread():
    """Tiny models train fastest on one thread on a shared machine; restore afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def keep_logging():
    """The ``mediagen`` command reconfigures logging onto the captured stderr; put it back."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
