"""The ranking model's view of the dataset: genomes with their embeddings, taxa, split and
the catalog media they grow on.

It reads the dataset folder (``samples.parquet``: which genome grows on which medium, the
genome's organism type, genus, species and split), the genome embedding table the dataset
was built from, and the catalog's media matrix at full width, whose every medium is a
candidate.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..catalog.media_table import read_media_matrix
from ..cvae.transform import Embedding
from ..errors import MediagenError
from ..kmers.embedding_table import read_embedding_table
from .evidence import SHARE_RANKS, TAXA, MediaSets


@dataclass
class RankingData:
    genomes: pd.DataFrame  # index genome_id: organism_type, TAXA (species to phylum), split,
    #                        holdout
    embeddings: Embedding  # one row per genome, in the order of ``genomes``
    grown: dict[str, np.ndarray]  # genome_id -> catalog rows of the media it grows on
    media_ids: list[str]
    media_names: list[str]
    media: MediaSets

    def rows(self, split: str) -> pd.DataFrame:
        return self.genomes[self.genomes["split"] == split]

    def lineage_of(self, genome_id: str) -> dict[str, str]:
        """A genome's lineage keys, genus to class ('' where unknown)."""
        row = self.genomes.loc[genome_id]
        return {rank: str(row[rank]) for rank in SHARE_RANKS}

    def embedding_of(self, genome_ids) -> Embedding:
        positions = self.genomes.index.get_indexer(list(genome_ids))
        return Embedding(self.embeddings.method, self.embeddings.values[positions])


def load_ranking_data(dataset_dir: str | Path, embedding_table: str | Path,
                      catalog_media: str | Path) -> RankingData:
    samples_path = Path(dataset_dir) / "samples.parquet"
    if not samples_path.is_file():
        raise MediagenError(f"{samples_path}: dataset not found; run the build_dataset rule first")
    samples = pd.read_parquet(samples_path)
    catalog = read_media_matrix(catalog_media)
    row_of = {m: i for i, m in enumerate(catalog.media_ids)}
    unknown = sorted(set(samples["media_id"]) - set(row_of))
    if unknown:
        raise MediagenError(f"{samples_path}: media {', '.join(unknown[:5])} are not in "
                            f"{catalog_media}; rebuild the dataset from the current catalog")
    for rank in TAXA:  # a dataset built before lineages were kept knows none
        if rank not in samples.columns:
            samples[rank] = ""
    genomes = samples.drop_duplicates("genome_id").set_index("genome_id")[
        ["organism_type", *TAXA, "split", "holdout"]].sort_index()
    ids, matrix, meta = read_embedding_table(embedding_table)
    position = {g: i for i, g in enumerate(ids)}
    missing = [g for g in genomes.index if g not in position]
    if missing:
        raise MediagenError(f"{embedding_table}: no embedding for {', '.join(missing[:5])}; "
                            "re-run the embedding stage")
    embeddings = Embedding(str(meta.get("method", "")),
                           matrix[[position[g] for g in genomes.index]].astype(np.float64))
    grown = {g: np.array(sorted({row_of[m] for m in part["media_id"]}), dtype=np.int64)
             for g, part in samples.groupby("genome_id")}
    # the catalog's rows as they are stored, never dense: thousands of media by ingredients
    media_sets = MediaSets(catalog.indptr, catalog.indices.astype(np.int64),
                           len(catalog.ingredient_ids))
    return RankingData(genomes, embeddings, grown, list(catalog.media_ids),
                       list(catalog.media_names), media_sets)
