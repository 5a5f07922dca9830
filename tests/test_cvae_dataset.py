"""The CVAE's dataset: filtering, the split by genome, the files and their agreement."""

import json
import logging

import numpy as np
import pandas as pd
import pytest
from cvae_support import build_tiny_dataset, write_inputs
from mediagen.catalog.media_table import MediaMatrix, read_media_matrix, write_media_matrix
from mediagen.cvae.dataset import (
    SPLITS,
    build_dataset,
    genome_taxa,
    load_dataset,
    split_genomes,
)
from mediagen.cvae.transform import MediaTransform
from mediagen.errors import MediagenError


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_tiny_dataset(tmp_path_factory.mktemp("dataset"))


def test_no_genome_in_two_splits_and_each_type_in_every_split(tiny):
    folder, inputs = tiny
    samples = pd.read_parquet(folder / "samples.parquet")
    assert (samples.groupby("genome_id")["split"].nunique() == 1).all()
    for organism_type, part in samples.groupby("organism_type"):
        assert set(part["split"]) == set(SPLITS), organism_type
    assert samples["organism_type"].tolist() == samples["genome_id"].map(
        inputs["genome_types"]).tolist()
    assert load_dataset(folder).dropped.empty  # every genome has samples


def named_genomes(n_genera: int, species_per_genus: int, organism_type="bacteria"):
    rows = [{"genome_id": f"g{i}_{j}", "organism_name": f"Genus{i} species{j} strain 1",
             "organism_type": organism_type}
            for i in range(n_genera) for j in range(species_per_genus)]
    return genome_taxa(pd.DataFrame(rows).set_index("genome_id"))


def test_split_is_by_species_and_genus_seeded_and_stratified():
    taxa = pd.concat([named_genomes(10, 4), named_genomes(10, 4, "fungi")
                      .rename(lambda g: "f" + g)])
    first = split_genomes(taxa, 0.1, 0.15, 0.1, seed=1)
    pd.testing.assert_frame_equal(first, split_genomes(taxa, 0.1, 0.15, 0.1, seed=1))
    assert not first.equals(split_genomes(taxa, 0.1, 0.15, 0.1, seed=2))
    joined = taxa.join(first)
    for organism_type, part in joined.groupby("organism_type"):
        # 40 species: whole genera (4 species) held out, then 6 test and 4 val species
        unseen = part[part["holdout"] == "unseen_genus"]
        assert len(unseen) == 4 and unseen["genus"].nunique() == 1, organism_type
        assert set(unseen["genus"]).isdisjoint(part.loc[part["split"] == "train", "genus"])
        seen = part[part["holdout"] == "seen_genus"]
        assert len(seen) == 6 and (part["split"] == "val").sum() == 4
        trained = set(part.loc[part["split"] == "train", "genus"])
        assert set(seen["genus"]) <= trained
        assert set(part.loc[part["split"] == "val", "genus"]) <= trained
    # every genome of a species shares its split; a small type trains only
    twice = pd.concat([taxa, taxa.rename(lambda g: g + "_bis")])
    split = twice.join(split_genomes(twice, 0.1, 0.15, 0.1, seed=1))
    assert (split.groupby(["organism_type", "species"])["split"].nunique() == 1).all()
    small = named_genomes(1, 2, "virus")
    assert set(split_genomes(small, 0.3, 0.3, 0.3, seed=0)["split"]) == {"train"}


def test_genomes_nobody_named_are_held_out_whole():
    unnamed = genome_taxa(pd.DataFrame({
        "organism_name": [""] * 20, "organism_type": ["bacteria"] * 20},
        index=pd.Index([f"x{i}" for i in range(20)], name="genome_id")))
    split = split_genomes(unnamed, 0.1, 0.15, 0.1, seed=0)
    assert (split["holdout"] != "seen_genus").all()  # no genus has a relative in training
    assert (split["holdout"] == "unseen_genus").sum() == 2 and (split["split"] == "val").sum() == 2


def test_only_confident_growth_pairs_become_samples(tiny):
    folder, inputs = tiny
    pairs = inputs["pairs"]
    expected = pairs[pairs["growth"] & (pairs["confidence"] >= 0.5)]
    samples = pd.read_parquet(folder / "samples.parquet")
    assert set(zip(samples["genome_id"], samples["media_id"], strict=True)) == set(
        zip(expected["genome_id"], expected["media_id"], strict=True))
    assert len(samples) == len(expected)


def test_arrays_agree_with_samples_catalog_and_embeddings(tiny):
    folder, inputs = tiny
    dataset = load_dataset(folder)
    info = json.loads((folder / "dataset.json").read_text())
    media = inputs["media"]
    columns = [media.ingredient_ids.index(i) for i in info["ingredient_ids"]]
    transform = MediaTransform.from_dict(info["media_transform"])
    for split in SPLITS:
        rows = dataset.samples[dataset.samples["split"] == split]
        arrays = dataset.splits[split]
        assert len(arrays) == len(rows)
        assert arrays.y.tolist() == rows["organism_type"].tolist()
        grams = media.grams_per_litre[[media.media_ids.index(m) for m in rows["media_id"]]]
        np.testing.assert_allclose(transform.inverse(arrays.x), grams[:, columns], rtol=1e-5)
    assert info["embedding"]["method"] == "vae"
    assert dataset.splits["train"].c.shape[1] == info["embedding"]["dim"] == 16


def test_rare_ingredients_leave_the_width_but_not_the_catalog(tiny):
    folder, inputs = tiny
    info = json.loads((folder / "dataset.json").read_text())
    samples = pd.read_parquet(folder / "samples.parquet")
    media = inputs["media"]
    used = media.grams_per_litre[[media.media_ids.index(m) for m in set(samples["media_id"])]]
    kept = {media.ingredient_ids[j] for j in np.flatnonzero((used > 0).sum(axis=0) >= 2)}
    assert set(info["ingredient_ids"]) == kept
    assert 0 < len(kept) < len(media.ingredient_ids)
    reference = read_media_matrix(folder / "media.parquet")
    filled = [m for m, row in zip(media.media_ids, media.grams_per_litre[:, [
        media.ingredient_ids.index(i) for i in info["ingredient_ids"]]], strict=True)
        if row.any()]
    assert reference.media_ids == filled  # every catalog medium with a recipe at the width
    assert reference.ingredient_ids == info["ingredient_ids"]


def test_media_empty_at_the_models_width_leave_matching_and_samples(tmp_path):
    """A medium holding only ingredients the model does not use is no candidate for the
    nearest known medium (an empty proposal would match it at distance 0), and its growth
    pairs leave the samples."""
    inputs = write_inputs(tmp_path, genomes_per_type=4)
    media = inputs["media"]
    rare = media.grams_per_litre.copy()
    rare[media.media_ids.index("bac0")] = 0.0
    rare[media.media_ids.index("bac0"), -1] = 3.0  # one ingredient, used by no other medium
    rare[:, -1][[i for i, m in enumerate(media.media_ids) if m != "bac0"]] = 0.0
    write_media_matrix(tmp_path / "results/catalog/media.parquet",
                       MediaMatrix.from_dense(media.media_ids, media.media_names,
                                              media.ingredient_ids, media.ingredient_names,
                                              rare))
    pairs = inputs["pairs"]
    on_bac0 = int(((pairs["media_id"] == "bac0") & pairs["growth"]
                   & (pairs["confidence"] >= 0.5)).sum())
    assert on_bac0 > 0
    summary = build_dataset(
        tmp_path / "results/catalog/media.parquet",
        tmp_path / "results/catalog/growth_pairs.parquet", inputs["table"],
        inputs["genomes"], tmp_path / "out", val_fraction=0.2, test_fraction=0.2,
        unseen_genus_fraction=0.2, min_confidence=0.5, min_ingredient_media=2, seed=0)
    reference = read_media_matrix(tmp_path / "out" / "media.parquet")
    assert "bac0" not in reference.media_ids
    assert reference.grams_per_litre.any(axis=1).all()
    assert summary.n_media_empty_at_width == 1
    assert summary.n_samples_on_empty_media == on_bac0
    samples = pd.read_parquet(tmp_path / "out" / "samples.parquet")
    assert "bac0" not in set(samples["media_id"])
    info = json.loads((tmp_path / "out" / "dataset.json").read_text())
    assert info["summary"]["n_samples_on_empty_media"] == on_bac0


def test_genomes_and_species_that_lose_every_pair_are_named(tmp_path, caplog):
    """One genome's only medium has no ingredient at the model's width, another's only
    medium the catalog left out, a third only failed to grow: each leaves training and is
    named, with the reason and its media, in dropped.tsv and the log. A genome that loses
    one medium but keeps others is not."""
    inputs = write_inputs(tmp_path, genomes_per_type=4)
    media = inputs["media"]
    rare = np.zeros((len(media.media_ids) + 1, len(media.ingredient_ids) + 1))
    rare[:-1, :-1] = media.grams_per_litre
    rare[-1, -1] = 5.0  # EMJH-like: its one ingredient is used by no other medium
    write_media_matrix(tmp_path / "results/catalog/media.parquet", MediaMatrix.from_dense(
        [*media.media_ids, "1113"], [*media.media_names, "EMJH"],
        [*media.ingredient_ids, "rare"], [*media.ingredient_names, "rare ingredient"], rare))
    genomes = pd.concat([inputs["genomes"], pd.DataFrame({
        "organism_name": ["Leptospira interrogans L1", "Leptospira biflexa B1", "Sulky one"],
        "organism_type": "bacteria"},
        index=pd.Index(["lepto_i", "lepto_b", "sulky"], name="genome_id"))])
    pairs = pd.concat([inputs["pairs"], pd.DataFrame({
        "genome_id": ["lepto_i", "sulky"], "media_id": ["1113", "bac0"],
        "growth": [True, False], "confidence": 1.0, "source": "x"})])
    pairs.to_parquet(tmp_path / "pairs.parquet", index=False)
    pd.DataFrame({"genome_id": ["lepto_b", "bacteria_00"], "media_id": ["1114", "1115"],
                  "growth": True, "confidence": 1.0, "source": "x",
                  "reason": ["no usable g/L composition", "not in catalog.media"]}).to_csv(
        tmp_path / "excluded.tsv", sep="\t", index=False)
    with caplog.at_level(logging.WARNING, logger="mediagen.cvae.dataset"):
        build_dataset(tmp_path / "results/catalog/media.parquet", tmp_path / "pairs.parquet",
                      inputs["table"], genomes, tmp_path / "out", val_fraction=0.2,
                      test_fraction=0.2, unseen_genus_fraction=0.2, min_confidence=0.5,
                      min_ingredient_media=2, seed=0,
                      excluded_pairs_path=tmp_path / "excluded.tsv")
    dropped = load_dataset(tmp_path / "out").dropped
    assert dropped.to_dict(orient="records") == [
        {"genome_id": "lepto_b", "species": "leptospira biflexa", "organism_type": "bacteria",
         "reason": "no usable g/L composition", "media_ids": "1114", "species_kept": False},
        {"genome_id": "lepto_i", "species": "leptospira interrogans",
         "organism_type": "bacteria", "reason": "no ingredient at the model's width",
         "media_ids": "1113", "species_kept": False},
        {"genome_id": "sulky", "species": "sulky one", "organism_type": "bacteria",
         "reason": "no growth=true pair with confidence >= 0.5", "media_ids": "bac0",
         "species_kept": False},
    ]
    assert "bacteria_00" in set(load_dataset(tmp_path / "out").samples["genome_id"])
    warning = next(r.getMessage() for r in caplog.records if "leave training" in r.getMessage())
    assert warning.startswith("3 genome(s) leave training")
    assert ("lepto_i (leptospira interrogans, bacteria: no ingredient at the model's width "
            "on 1113)") in warning
    assert "Species left with no genome in training: leptospira biflexa, leptospira " \
           "interrogans, sulky one." in warning
    assert "bacteria_00" not in warning and str(tmp_path / "out" / "dropped.tsv") in warning


def test_media_transform_round_trip_keeps_absent_ingredients_at_zero():
    grams = np.array([[0.0, 1e-5, 250.0], [2.0, 0.0, 0.5], [0.0, 3e-5, 0.0]])
    transform = MediaTransform.fit(grams)
    transformed = transform.forward(grams)
    assert (transformed[grams == 0] == 0).all() and (transformed[grams > 0] > 0).all()
    np.testing.assert_allclose(transform.inverse(transformed), grams, rtol=1e-5)


def test_a_genome_without_embedding_is_an_error(tmp_path):
    inputs = write_inputs(tmp_path, genomes_per_type=4)
    genomes = pd.concat([inputs["genomes"], pd.DataFrame(
        [{"organism_name": "Stranger x", "organism_type": "fungi"}],
        index=pd.Index(["stranger"], name="genome_id"))])
    pairs = pd.concat([inputs["pairs"], pd.DataFrame([{
        "genome_id": "stranger", "media_id": "fun0", "growth": True, "confidence": 1.0,
        "source": "x"}])])
    pairs.to_parquet(tmp_path / "pairs.parquet", index=False)
    with pytest.raises(MediagenError, match=r"stranger.*re-run the embedding stage"):
        build_dataset(tmp_path / "results/catalog/media.parquet", tmp_path / "pairs.parquet",
                      inputs["table"], genomes, tmp_path / "out", val_fraction=0.2,
                      test_fraction=0.2, unseen_genus_fraction=0.2, min_confidence=0.5,
                      min_ingredient_media=2, seed=0)
    assert not (tmp_path / "out" / "dataset.json").exists()


def test_the_report_explains_a_dataset_without_test_genomes(tmp_path):
    from mediagen.cvae.evaluate import EvaluationSettings
    from mediagen.report.page import write_report

    folder, _ = build_tiny_dataset(tmp_path, genomes_per_type=2)  # too few to hold one out
    assert not (load_dataset(folder).samples["split"] == "test").any()
    settings = EvaluationSettings(threshold=1e-6, n_generated=3, temperature=0.5, n_examples=2,
                                  seed=0)
    with pytest.raises(MediagenError, match=r"test split holds no genome.*"
                                            r"species per type: archaea 2, bacteria 2"):
        write_report(tmp_path / "cvae.pt", tmp_path / "ranker.pt", folder,
                     tmp_path / "vae.parquet", tmp_path / "media.parquet", tmp_path / "reports",
                     settings)
    assert not (tmp_path / "reports").exists()
