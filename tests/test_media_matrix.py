"""The media matrix stays sparse from the catalog to the dataset and the ranking model."""

import numpy as np
import pyarrow.parquet as pq
import pytest
from cvae_support import write_inputs
from mediagen.catalog.media_table import MediaMatrix, read_media_matrix, write_media_matrix
from mediagen.cvae.dataset import build_dataset
from mediagen.errors import MediagenError
from mediagen.ranking.data import load_ranking_data
from mediagen.ranking.evidence import MediaSets


def random_media(rng, n_media=40, n_ingredients=30) -> tuple[MediaMatrix, np.ndarray]:
    grams = rng.lognormal(0.0, 2.0, (n_media, n_ingredients))
    grams[rng.random(grams.shape) < 0.8] = 0.0
    grams[3] = 0.0  # a medium with no ingredient
    media = MediaMatrix.from_dense([f"m{i}" for i in range(n_media)],
                                   [f"medium {i}" for i in range(n_media)],
                                   [f"i{j}" for j in range(n_ingredients)],
                                   [f"ingredient {j}" for j in range(n_ingredients)], grams)
    return media, grams


def test_sparse_rows_hold_exactly_the_dense_matrix(tmp_path):
    rng = np.random.default_rng(0)
    media, grams = random_media(rng)
    assert len(media.values) == np.count_nonzero(grams)
    np.testing.assert_array_equal(media.dense(), grams)
    np.testing.assert_array_equal(media.sizes, (grams > 0).sum(axis=1))
    np.testing.assert_array_equal(media.media_per_ingredient(), (grams > 0).sum(axis=0))
    rows, columns = [5, 0, 5, 3], [7, 2, 29]
    np.testing.assert_array_equal(media.dense(rows), grams[rows])
    part = media.select(rows=rows, columns=columns)
    np.testing.assert_array_equal(part.dense(), grams[np.ix_(rows, columns)])
    assert part.media_ids == ["m5", "m0", "m5", "m3"]
    assert part.ingredient_ids == ["i7", "i2", "i29"]

    write_media_matrix(tmp_path / "media.parquet", media)
    table = pq.read_table(tmp_path / "media.parquet")
    assert table.column_names == ["media_id", "media_name", "ingredient", "g_l"]
    assert sum(len(row) for row in table.column("g_l").to_pylist()) == np.count_nonzero(grams)
    back = read_media_matrix(tmp_path / "media.parquet")
    np.testing.assert_array_equal(back.dense(), grams)
    assert (back.media_ids, back.ingredient_names) == (media.media_ids, media.ingredient_names)


def test_a_wide_media_table_of_an_older_version_is_refused_in_one_line(tmp_path):
    import pandas as pd
    pd.DataFrame({"media_id": ["1"], "media_name": ["LB"], "16": [5.0]}).to_parquet(
        tmp_path / "media.parquet")
    with pytest.raises(MediagenError, match="rebuild it with build_catalog"):
        read_media_matrix(tmp_path / "media.parquet")


def test_dataset_and_ranking_read_the_catalog_sparse(tmp_path):
    inputs = write_inputs(tmp_path, genomes_per_type=4)
    catalog_path = tmp_path / "results/catalog/media.parquet"
    catalog = read_media_matrix(catalog_path)
    grams = catalog.dense()
    build_dataset(catalog_path, tmp_path / "results/catalog/growth_pairs.parquet",
                  inputs["table"], inputs["genomes"], tmp_path / "out", val_fraction=0.2,
                  test_fraction=0.2, unseen_genus_fraction=0.2, min_confidence=0.5,
                  min_ingredient_media=2, seed=0)
    reference = read_media_matrix(tmp_path / "out" / "media.parquet")
    # the dataset's media: the catalog's filled rows at the model's columns, still sparse
    rows = [catalog.media_ids.index(m) for m in reference.media_ids]
    columns = [catalog.ingredient_ids.index(i) for i in reference.ingredient_ids]
    np.testing.assert_array_equal(reference.dense(), grams[np.ix_(rows, columns)])
    assert len(reference.values) == np.count_nonzero(reference.dense())

    data = load_ranking_data(tmp_path / "out", inputs["table"], catalog_path)
    expected = MediaSets.from_matrix(grams)
    np.testing.assert_array_equal(data.media.indptr, expected.indptr)
    np.testing.assert_array_equal(data.media.indices, expected.indices)
    assert data.media.n_ingredients == expected.n_ingredients
