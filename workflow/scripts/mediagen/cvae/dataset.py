"""Growth pairs -> the CVAE's split arrays.

Every (genome, medium) pair with growth becomes one sample: X is the medium's
composition (transformed, see :mod:`mediagen.cvae.transform`), C the genome's
embedding (raw; the model transforms it), y the genome's organism type. The
split is by genome, so a held-out genome's media are never seen with its
embedding during training; it is stratified by organism type and seeded per
type, so adding genomes of one type leaves the other types' splits unchanged.

Files in the dataset folder:

- ``{X,C,y}_{train,val,test}.npy``: float32, float32 and unicode arrays;
- ``samples.parquet``: genome_id, media_id, organism_type, split, one row per
  sample, rows of each split in the order of that split's arrays;
- ``media.parquet``: every catalog medium at the model's ingredient width that holds at
  least one of its ingredients (the candidates for "nearest known medium");
- ``dropped.tsv``: every genome that leaves training because none of its growth
  pairs became a sample, one row per genome and reason: genome_id, species,
  organism_type, reason, media_ids (comma-separated), species_kept (whether another
  genome of the species is in the samples);
- ``dataset.json``: ingredient ids and names, the media transform, the
  embedding method and dimension, the mean embedding of each organism type,
  and counts.

A growth pair leaves the samples when the genome does not grow on the medium with enough
confidence, when the catalog left the medium out (``growth_pairs_excluded.tsv``: not
selected, no usable composition, too few growth pairs), or when the medium holds no
ingredient at the model's width. A genome losing some pairs is counted in the log; a
genome losing all of them, and a species losing all its genomes, is named there and in
``dropped.tsv``.
"""

import json
import logging
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import atomic_path, atomic_write_text
from ..catalog.lineage import taxon_key
from ..catalog.media_table import MediaMatrix, read_media_matrix, write_media_matrix
from ..catalog.taxonomy import taxon_keys
from ..errors import MediagenError
from ..kmers.embedding_table import read_embedding_table
from .transform import MediaTransform

SPLITS = ("train", "val", "test")
HOLDOUTS = ("seen_genus", "unseen_genus", "unseen_family")
LINEAGE_RANKS = ("family", "order", "class", "phylum")  # above the genus, nearest first
SAMPLE_COLUMNS = ("genome_id", "media_id", "organism_type", "genus", "species",
                  *LINEAGE_RANKS, "split", "holdout")
PAIR_COLUMNS = ("genome_id", "media_id", "growth", "confidence")
DROPPED_COLUMNS = ("genome_id", "species", "organism_type", "reason", "media_ids",
                   "species_kept")
NOT_IN_MATRIX = "medium not in the catalog's media matrix"
EMPTY_AT_WIDTH = "no ingredient at the model's width"

log = logging.getLogger(__name__)


def dataset_files(folder: str) -> list[str]:
    """Every file ``build_dataset`` writes into ``folder``."""
    arrays = [f"{folder}/{kind}_{split}.npy" for kind in "XCy" for split in SPLITS]
    return [*arrays, f"{folder}/samples.parquet", f"{folder}/media.parquet",
            f"{folder}/dropped.tsv", f"{folder}/dataset.json"]


def genome_taxa(genomes: pd.DataFrame) -> pd.DataFrame:
    """organism_type, genus and species (see :mod:`mediagen.catalog.taxonomy`) and the ranks
    above the genus (``LINEAGE_RANKS``, lower case; '' where the sheet does not say) per
    genome."""
    keys = [taxon_keys(g, n) for g, n in zip(genomes.index, genomes["organism_name"],
                                             strict=True)]
    above = {rank: ([taxon_key(v) for v in genomes[rank]] if rank in genomes.columns
                    else [""] * len(genomes)) for rank in LINEAGE_RANKS}
    return pd.DataFrame({"organism_type": genomes["organism_type"].to_numpy(),
                         "genus": [k[0] for k in keys], "species": [k[1] for k in keys],
                         **above}, index=genomes.index.rename("genome_id"))


def split_genomes(
    genomes: pd.DataFrame, val_fraction: float, test_fraction: float,
    unseen_genus_fraction: float, seed: int, unseen_family_fraction: float = 0.0,
) -> pd.DataFrame:
    """Split genomes by species, genus and family; ``genomes`` has organism_type, genus,
    species and (optional) family and order.

    Returns a frame indexed like ``genomes`` with ``split`` (train, val, test) and
    ``holdout`` (for test genomes: ``seen_genus``, ``unseen_genus`` or ``unseen_family``;
    else empty). Per organism type, seeded per type (adding genomes of one type leaves the
    others alone):

    - whole families holding up to ``unseen_family_fraction`` of the type's species go to
      test as ``unseen_family``, each only where its order keeps another family in training;
    - whole genera holding up to ``unseen_genus_fraction`` go to test as ``unseen_genus``,
      each only where its family keeps another genus in training (where the type's genomes
      have no family at all, any genus);
    - of the genera left with two or more species, about ``test_fraction`` of the
      species go to test as ``seen_genus`` and ``val_fraction`` to validation, never a
      genus' last species, so every such genus keeps one in training;
    - where no genus has two species (every genome named on its own), validation takes
      whole genera instead.

    Whole families and genera are held out only where the type has at least three of them,
    and at most half of them. A species' genomes always share one split; an unknown family
    or order is no shared name. A type with fewer than three species trains only.
    """
    assignment = pd.DataFrame({"split": "train", "holdout": ""}, index=genomes.index)
    for organism_type, part in sorted(genomes.groupby("organism_type"), key=lambda kv: kv[0]):
        held: dict[str, tuple[str, str]] = {}  # species -> (split, holdout)
        rng = np.random.default_rng([seed, zlib.crc32(str(organism_type).encode())])
        tree = _Tree(part)
        if tree.n_species < 3:
            continue
        families = tree.shuffled("family", rng)
        for family in tree.whole_groups("family", families, unseen_family_fraction):
            held.update(dict.fromkeys(tree.species_of("family", family),
                                      ("test", "unseen_family")))
        genera = tree.shuffled("genus", rng)
        for genus in tree.whole_groups("genus", genera, unseen_genus_fraction):
            held.update(dict.fromkeys(tree.species_of("genus", genus), ("test", "unseen_genus")))
        kept = [g for g in genera
                if set(tree.species_of("genus", g)) - tree.removed_species]
        members = {g: tree.species_of("genus", g) for g in kept}
        left_in_train = {g: len(members[g]) for g in kept}
        candidates = sorted(s for g in kept if len(members[g]) >= 2 for s in members[g])
        candidates = [candidates[i] for i in rng.permutation(len(candidates))]
        genus_of = {s: g for g in kept for s in members[g]}
        for split, holdout, fraction in (("test", "seen_genus", test_fraction),
                                         ("val", "", val_fraction)):
            wanted = _held_out_count(tree.n_species, fraction)
            for species in candidates:
                if wanted and species not in held and left_in_train[genus_of[species]] > 1:
                    held[species] = (split, holdout)
                    left_in_train[genus_of[species]] -= 1
                    wanted -= 1
        if not candidates:  # nobody shares a genus: validation takes whole genera
            for genus in tree.whole_groups("genus", kept[::-1], val_fraction, anywhere=True):
                held.update(dict.fromkeys(members[genus], ("val", "")))
        for species, (split, holdout) in held.items():
            rows = part.index[part["species"] == species]
            assignment.loc[rows, ["split", "holdout"]] = [split, holdout]
    return assignment


class _Tree:
    """One organism type's species by genus and family, and the groups already held out."""

    PARENT = {"genus": "family", "family": "order"}

    def __init__(self, part: pd.DataFrame):
        self.species = {}  # species -> {rank: key}
        for row in part.drop_duplicates("species").itertuples(index=False):
            self.species[row.species] = {
                "genus": row.genus, "family": getattr(row, "family", ""),
                "order": getattr(row, "order", "")}
        self.n_species = len(self.species)
        self.has_families = any(t["family"] for t in self.species.values())
        self.removed_species: set[str] = set()  # of genera and families held out whole

    def shuffled(self, rank: str, rng: np.random.Generator) -> list[str]:
        groups = sorted({t[rank] for t in self.species.values() if t[rank]})
        return [groups[i] for i in rng.permutation(len(groups))] if groups else []

    def species_of(self, rank: str, group: str) -> list[str]:
        return sorted(s for s, t in self.species.items() if t[rank] == group)

    def _parent_keeps_another(self, rank: str, group: str) -> bool:
        """Does the group's parent (its family, its order) keep a species of another group
        in training?"""
        parent = self.PARENT[rank]
        key = next(t[parent] for t in self.species.values() if t[rank] == group)
        if not key:
            return rank == "genus" and not self.has_families
        return any(t[parent] == key and t[rank] != group and s not in self.removed_species
                   for s, t in self.species.items())

    def whole_groups(self, rank: str, order: list[str], fraction: float,
                     anywhere: bool = False) -> list[str]:
        """Groups of a rank, in the order given, that together hold at most ``fraction`` of
        the species (about that many where groups are small), each with its parent kept in
        training unless ``anywhere``; at most half the groups, none where there are fewer
        than three."""
        room = _held_out_count(self.n_species, fraction) if len(order) >= 3 else 0
        chosen = []
        for group in order:
            if len(chosen) >= len(order) // 2 or room == 0:
                break
            members = [s for s in self.species_of(rank, group) if s not in self.removed_species]
            if (members and len(members) <= room
                    and (anywhere or self._parent_keeps_another(rank, group))):
                chosen.append(group)
                room -= len(members)
                if not anywhere:
                    self.removed_species.update(members)
        return chosen


def _held_out_count(n: int, fraction: float) -> int:
    if fraction <= 0 or n < 3:
        return 0
    return max(1, round(n * fraction))


def usable_pairs(pairs: pd.DataFrame, min_confidence: float, path) -> pd.DataFrame:
    """Growth-true pairs at or above ``min_confidence``, one row per genome and medium."""
    missing = [c for c in PAIR_COLUMNS if c not in pairs.columns]
    if missing:
        raise MediagenError(
            f"{path}: missing column(s) {', '.join(missing)}; rebuild it with build_catalog"
        )
    kept = pairs[pairs["growth"].astype(bool) & (pairs["confidence"] >= min_confidence)]
    kept = kept.astype({"genome_id": str, "media_id": str})
    return kept.drop_duplicates(["genome_id", "media_id"])[["genome_id", "media_id"]]


def read_catalog_exclusions(path: str | Path | None) -> pd.DataFrame:
    """The growth pairs ``build_catalog`` left out, with its reason
    (``growth_pairs_excluded.tsv``); none without the file."""
    if path is None:
        return pd.DataFrame(columns=[*PAIR_COLUMNS, "reason"])
    excluded = pd.read_csv(path, sep="\t", dtype={"genome_id": str, "media_id": str})
    if "reason" not in excluded.columns:
        raise MediagenError(f"{path}: no reason column; rebuild it with build_catalog")
    return excluded


def left_out_before_matching(observed: pd.DataFrame, excluded: pd.DataFrame,
                             min_confidence: float, paths) -> pd.DataFrame:
    """genome_id, media_id, reason of the pairs that never reach the media: usable pairs
    on media the catalog left out, and every pair of a genome with no usable pair at all.
    ``paths`` name the growth pairs' and the exclusions' files for errors."""
    usable = usable_pairs(observed, min_confidence, paths[0])
    on_excluded = usable_pairs(excluded, min_confidence, paths[1]).merge(
        excluded.drop_duplicates(["genome_id", "media_id"])[["genome_id", "media_id",
                                                             "reason"]])
    every = pd.concat([observed, excluded])[["genome_id", "media_id"]].astype(str)
    unconfident = every[~every["genome_id"].isin(set(usable["genome_id"])
                                                 | set(on_excluded["genome_id"]))]
    return pd.concat([on_excluded, unconfident.assign(
        reason=f"no growth=true pair with confidence >= {min_confidence}")],
        ignore_index=True)


def dropped_genomes(left_out: pd.DataFrame, samples: pd.DataFrame,
                    genomes: pd.DataFrame) -> pd.DataFrame:
    """The table ``dropped.tsv`` holds (see the module's docstring): the genomes of
    ``left_out`` (genome_id, media_id, reason) with no row in ``samples``."""
    gone = left_out[~left_out["genome_id"].isin(set(samples["genome_id"]))]
    if gone.empty:
        return pd.DataFrame(columns=list(DROPPED_COLUMNS))
    table = (gone.groupby(["genome_id", "reason"], sort=True)["media_id"]
             .agg(lambda media: ",".join(sorted(set(media)))).rename("media_ids")
             .reset_index())
    table = table.join(genome_taxa(genomes.loc[sorted(set(table["genome_id"]))]),
                       on="genome_id")
    table["species_kept"] = table["species"].isin(set(samples["species"]))
    return table[list(DROPPED_COLUMNS)]


def warn_dropped(dropped: pd.DataFrame, path: Path) -> None:
    """Name every genome, and every species, that leaves training."""
    if dropped.empty:
        log.info("every genome with growth pairs has samples (%s lists none)", path)
        return
    named = "; ".join(
        f"{genome_id} ({part['species'].iloc[0]}, {part['organism_type'].iloc[0]}: "
        + "; ".join(f"{r} on {m}" for r, m in zip(part["reason"], part["media_ids"],
                                                  strict=True)) + ")"
        for genome_id, part in dropped.groupby("genome_id", sort=True))
    species = sorted(set(dropped.loc[~dropped["species_kept"], "species"]))
    log.warning("%d genome(s) leave training, none of their growth pairs made a sample: %s. "
                "Species left with no genome in training: %s. Listed in %s",
                dropped["genome_id"].nunique(), named, ", ".join(species) or "none", path)


def frequent_ingredients(media: MediaMatrix, min_media: int) -> np.ndarray:
    """Indices of the ingredients present (g/L > 0) in at least ``min_media`` of ``media``."""
    return np.flatnonzero(media.media_per_ingredient() >= min_media)


@dataclass
class DatasetSummary:
    n_samples: dict[str, int]
    n_genomes: dict[str, int]
    n_media: int
    n_ingredients: int
    n_ingredients_dropped: int
    n_media_empty_at_width: int = 0  # catalog media with no ingredient the model uses
    n_samples_on_empty_media: int = 0  # growth pairs on them, left out


def build_dataset(
    media_path: str | Path,
    pairs_path: str | Path,
    embedding_path: str | Path,
    genomes: pd.DataFrame,
    out_dir: str | Path,
    *,
    val_fraction: float,
    test_fraction: float,
    unseen_genus_fraction: float,
    unseen_family_fraction: float = 0.0,
    min_confidence: float,
    min_ingredient_media: int,
    seed: int,
    excluded_pairs_path: str | Path | None = None,
) -> DatasetSummary:
    """Write the dataset folder from the catalog, the growth pairs and the embeddings.

    ``genomes`` is the genome sheet (index genome_id; organism_type, organism_name);
    ``excluded_pairs_path`` the catalog's ``growth_pairs_excluded.tsv``, whose genomes
    ``dropped.tsv`` names where they have no sample.
    """
    out_dir = Path(out_dir)
    media = read_media_matrix(media_path)
    observed = pd.read_parquet(pairs_path)
    excluded = read_catalog_exclusions(excluded_pairs_path)
    pairs = usable_pairs(observed, min_confidence, pairs_path)
    left_out = [left_out_before_matching(observed, excluded, min_confidence,
                                         (pairs_path, excluded_pairs_path))]
    genome_ids, embeddings, meta = read_embedding_table(embedding_path)
    method = str(meta.get("method", ""))

    _require_known(pd.concat([pairs["genome_id"], left_out[0]["genome_id"]]), genomes.index,
                   "the genome sheet", pairs_path, "rebuild the catalog from the current sheets")
    media_row = {media_id: i for i, media_id in enumerate(media.media_ids)}
    unknown_media = sorted(set(pairs["media_id"]) - set(media_row))
    if unknown_media:
        log.warning(
            "left out %d growth pair(s) whose medium is not in %s (catalog.media selection): "
            "%s", int(pairs["media_id"].isin(unknown_media).sum()), media_path,
            ", ".join(unknown_media[:10]),
        )
        on_unknown = pairs["media_id"].isin(unknown_media)
        left_out.append(pairs[on_unknown].assign(reason=NOT_IN_MATRIX))
        pairs = pairs[~on_unknown]
    if pairs.empty:
        raise MediagenError(
            f"{pairs_path}: no growth=true pairs with confidence >= {min_confidence} and a "
            "medium in the catalog; add growth observations or lower dataset.min_confidence"
        )

    dataset_media = sorted(set(pairs["media_id"]), key=media_row.__getitem__)
    columns = frequent_ingredients(
        media.select(rows=[media_row[m] for m in dataset_media]), min_ingredient_media
    )
    if columns.size == 0:
        raise MediagenError(
            f"{media_path}: no ingredient is used by {min_ingredient_media} or more of the "
            f"{len(dataset_media)} media with growth pairs; lower catalog.min_ingredient_media"
        )
    n_catalog_ingredients = len(media.ingredient_ids)
    at_width = media.select(columns=columns)
    # A medium with no ingredient at the model's width is no recipe: it would match an empty
    # proposal at distance 0 and teach the model "nothing". It leaves the candidates for the
    # nearest known medium, and its growth pairs leave the samples.
    filled = at_width.sizes > 0
    empty = {m for m, f in zip(media.media_ids, filled, strict=True) if not f}
    on_empty = pairs["media_id"].isin(empty)
    if empty:
        log.warning("%d catalog media have no ingredient at the model's width (%d ingredients)"
                    " and are left out of nearest-medium matching; %d growth pair(s) on them "
                    "are left out of the samples", len(empty), columns.size,
                    int(on_empty.sum()))
    left_out.append(pairs[on_empty].assign(reason=EMPTY_AT_WIDTH))
    pairs = pairs[~on_empty]
    if pairs.empty:
        raise MediagenError(
            f"{pairs_path}: every growth pair is on a medium with no ingredient among the "
            f"{columns.size} the model uses; lower catalog.min_ingredient_media")
    genome_row = {genome_id: i for i, genome_id in enumerate(genome_ids)}
    _require_known(pairs["genome_id"], genome_row, str(embedding_path), pairs_path,
                   "re-run the embedding stage for these genomes")
    dataset_media = [m for m in dataset_media if m not in empty]
    # kept sparse: the reference media are every filled catalog medium, thousands of rows
    media = at_width.select(rows=np.flatnonzero(filled))
    media_row = {media_id: i for i, media_id in enumerate(media.media_ids)}
    media_transform = MediaTransform.fit(media.dense([media_row[m] for m in dataset_media]))

    taxa = genome_taxa(genomes.loc[sorted(set(pairs["genome_id"]))])
    split_of = split_genomes(taxa, val_fraction, test_fraction, unseen_genus_fraction, seed,
                             unseen_family_fraction)
    pairs = pairs.join(taxa, on="genome_id").join(split_of, on="genome_id")
    pairs = pairs.sort_values(["genome_id", "media_id"], kind="stable")
    samples = pd.concat([pairs[pairs["split"] == split] for split in SPLITS], ignore_index=True)

    for split in SPLITS:
        rows = samples[samples["split"] == split]
        x = media_transform.forward(media.dense([media_row[m] for m in rows["media_id"]]))
        c = embeddings[[genome_row[g] for g in rows["genome_id"]]].astype(np.float32)
        y = rows["organism_type"].to_numpy(dtype=str)
        for kind, array in (("X", x), ("C", c), ("y", y)):
            with atomic_path(out_dir / f"{kind}_{split}.npy") as tmp, open(tmp, "wb") as handle:
                np.save(handle, array)
    with atomic_path(out_dir / "samples.parquet") as tmp:
        samples[list(SAMPLE_COLUMNS)].to_parquet(tmp, index=False)
    write_media_matrix(out_dir / "media.parquet", media)
    dropped = dropped_genomes(pd.concat(left_out, ignore_index=True), samples, genomes)
    with atomic_path(out_dir / "dropped.tsv") as tmp:
        dropped.to_csv(tmp, sep="\t", index=False)
    warn_dropped(dropped, out_dir / "dropped.tsv")

    summary = DatasetSummary(
        n_samples={s: int((samples["split"] == s).sum()) for s in SPLITS},
        n_genomes={s: int((split_of["split"] == s).sum()) for s in SPLITS},
        n_media=len(dataset_media),
        n_ingredients=int(columns.size),
        n_ingredients_dropped=n_catalog_ingredients - int(columns.size),
        n_media_empty_at_width=len(empty),
        n_samples_on_empty_media=int(on_empty.sum()),
    )
    info = {
        "ingredient_ids": media.ingredient_ids,
        "ingredient_names": media.ingredient_names,
        "media_transform": media_transform.to_dict(),
        "embedding": {"method": method, "dim": int(embeddings.shape[1]),
                      "table": str(embedding_path)},
        "type_conditions": _type_means(samples, embeddings, genome_row),
        "seed": seed,
        "summary": summary.__dict__,
    }
    atomic_write_text(out_dir / "dataset.json", json.dumps(info, indent=1) + "\n")
    return summary


def _require_known(genome_ids: pd.Series, known, where: str, pairs_path, fix: str) -> None:
    unknown = sorted(set(genome_ids) - set(known))
    if unknown:
        raise MediagenError(
            f"{pairs_path}: {len(unknown)} genome(s) with growth pairs are missing from "
            f"{where} ({', '.join(unknown[:5])}); {fix}"
        )


def _type_means(samples: pd.DataFrame, embeddings: np.ndarray, genome_row: dict) -> dict:
    """Mean raw embedding per organism type over the dataset's genomes (every split)."""
    genomes = samples.drop_duplicates("genome_id")
    return {
        organism_type: [float(v) for v in
                        embeddings[[genome_row[g] for g in group["genome_id"]]].mean(axis=0)]
        for organism_type, group in genomes.groupby("organism_type")
    }


@dataclass
class Split:
    """One split's arrays: X transformed media, C raw embeddings, y organism types."""

    x: np.ndarray
    c: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)

    def of_types(self, types) -> "Split":
        keep = np.isin(self.y, list(types))
        return Split(self.x[keep], self.c[keep], self.y[keep])


@dataclass
class Dataset:
    info: dict
    splits: dict[str, Split]
    samples: pd.DataFrame
    media: MediaMatrix
    dropped: pd.DataFrame  # genomes that leave training, see the module's docstring


def load_dataset(folder: str | Path) -> Dataset:
    folder = Path(folder)
    missing = [f for f in dataset_files(str(folder)) if not Path(f).is_file()]
    if missing:
        raise MediagenError(f"{missing[0]}: dataset file not found; run the build_dataset "
                            "rule")
    info = json.loads((folder / "dataset.json").read_text())
    splits = {
        split: Split(*(np.load(folder / f"{kind}_{split}.npy") for kind in "XCy"))
        for split in SPLITS
    }
    dropped = pd.read_csv(folder / "dropped.tsv", sep="\t",
                          dtype={"genome_id": str, "media_ids": str})
    return Dataset(info, splits, pd.read_parquet(folder / "samples.parquet"),
                   read_media_matrix(folder / "media.parquet"), dropped)
