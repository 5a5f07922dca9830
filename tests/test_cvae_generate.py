"""Recipes, conditions and the ``mediagen generate`` / ``interpolate`` commands."""

import json

import numpy as np
import pytest
import torch
from cvae_support import keep_logging, single_thread, train_tiny_model
from mediagen.cli import main
from mediagen.cvae.generate import genome_condition, interpolate, recipes_for
from mediagen.demo.genomes import synthesize_genome, write_fasta_gz
from mediagen.errors import MediagenError
from mediagen.kmers.embedding_methods import embed_counts
from mediagen.kmers.profile import count_genome

one_thread = pytest.fixture(scope="module", autouse=True)(single_thread)
restore_logging = pytest.fixture(autouse=True)(keep_logging)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    return train_tiny_model(tmp_path_factory.mktemp("generate"))


def test_recipes_list_every_ingredient_largest_first(trained):
    model, _, _ = trained
    reference = model.record.reference_media
    recipes = recipes_for(model, reference.grams_per_litre[:3], ["a", "b", "c"],
                          {reference.media_ids[0]: 0.75})
    for row, recipe in enumerate(recipes):
        amounts = [grams for _, _, grams in recipe.ingredients]
        assert amounts == sorted(amounts, reverse=True) and min(amounts) > 0
        assert len(amounts) == int((reference.grams_per_litre[row] > 0).sum())
        # a catalog medium's nearest known medium is itself
        assert recipe.nearest_media_id == reference.media_ids[row]
        assert recipe.distance == pytest.approx(0.0, abs=1e-6)
    assert [r.probability for r in recipes] == [0.75, None, None]


def test_no_recipe_is_empty_at_any_temperature(trained):
    model, folder, inputs = trained
    condition = genome_condition(model, sorted(inputs["genome_types"])[0])
    catalog = (model.record.reference_media.grams_per_litre > 0).sum(axis=1)
    catalog = catalog[catalog > 0]
    for temperature in (0.0, 0.5, 1.0, 3.0, 10.0):
        sizes = (model.generate(200, condition, seed=1, temperature=temperature) > 0).sum(1)
        assert sizes.min() >= 1 and sizes.min() >= catalog.min()
        assert sizes.max() <= catalog.max()
    at_zero = (model.generate(5, condition, temperature=0.0) > 0).sum(axis=1)
    assert set(at_zero) == {int(np.quantile(catalog, 0.5, method="inverted_cdf"))}
    # sizes spread like the catalog's at temperature 1
    wide = (model.generate(2000, condition, seed=2, temperature=1.0) > 0).sum(axis=1)
    assert abs(np.median(wide) - np.median(catalog)) <= 1
    assert np.percentile(wide, 90) == pytest.approx(np.percentile(catalog, 90), abs=1.5)


def test_anchored_recipes_are_variations_of_their_media(trained):
    model, _, inputs = trained
    condition = genome_condition(model, sorted(inputs["genome_types"])[0])
    reference = model.record.reference_media
    sizes = (reference.grams_per_litre > 0).sum(axis=1)
    anchors = reference.grams_per_litre[[0, 5]]
    grams = model.generate(4, condition, temperature=0.0, anchors=anchors)
    # recipe i varies anchor i modulo 2, at the anchor's size; at temperature 0 twice the same
    assert list((grams > 0).sum(axis=1)) == [sizes[0], sizes[5], sizes[0], sizes[5]]
    np.testing.assert_allclose(grams[0], grams[2])
    with pytest.raises(MediagenError, match="no anchor medium"):
        model.generate(2, condition, anchors=np.zeros((0, model.config.n_ingredients)))


def test_interpolation_runs_from_one_genome_to_the_other(trained):
    model, folder, inputs = trained
    genomes = sorted(inputs["genome_types"])
    start, end = genome_condition(model, genomes[0]), genome_condition(model, genomes[-1])
    fractions, grams = interpolate(model, start, end, 4)
    np.testing.assert_allclose(fractions, [0, 1 / 3, 2 / 3, 1])
    assert grams.shape == (4, model.config.n_ingredients) and (grams >= 0).all()
    ends = model.decode_conditions(np.concatenate([
        model.condition_transform.apply(start), model.condition_transform.apply(end)]))
    np.testing.assert_allclose(grams[[0, -1]], ends, rtol=1e-5)
    with pytest.raises(MediagenError, match="at least 2 steps"):
        interpolate(model, start, end, 1)


def test_generate_command_writes_recipes(trained, tmp_path, capsys):
    model, folder, inputs = trained
    genome_id = sorted(inputs["genome_types"])[0]
    prefix = tmp_path / "out"
    code = main(["generate", "--model", str(folder.parents[2] / "cvae.pt"),
                 "--genome-id", genome_id, "-n", "3", "-o", str(prefix)])
    assert code == 0
    printed = capsys.readouterr().out
    assert printed.count(f"{genome_id} proposal") == 3 and "nearest known medium" in printed
    records = json.loads(prefix.with_suffix(".json").read_text())
    assert [r["label"] for r in records] == [f"{genome_id} proposal {i}" for i in (1, 2, 3)]
    tsv = prefix.with_suffix(".tsv").read_text().splitlines()
    assert tsv[0].split("\t")[:4] == ["recipe", "ingredient_id", "ingredient", "g_per_l"]
    assert len(tsv) - 1 == sum(len(r["ingredients"]) for r in records)

    code = main(["generate", "--model", str(folder.parents[2] / "cvae.pt"),
                 "--organism-type", "fungi", "-n", "2", "-o", str(prefix)])
    assert code == 0 and "average fungi genome proposal 2" in capsys.readouterr().out


def test_generate_command_explains_an_unknown_genome(trained, tmp_path, capsys):
    _, folder, _ = trained
    code = main(["generate", "--model", str(folder.parents[2] / "cvae.pt"),
                 "--genome-id", "nobody", "-o", str(tmp_path / "x")])
    assert code == 1
    assert "no genome 'nobody'" in capsys.readouterr().err
    assert not (tmp_path / "x.tsv").exists()


def test_interpolate_command(trained, tmp_path, capsys):
    _, folder, inputs = trained
    a, b = sorted(inputs["genome_types"])[:2]
    code = main(["interpolate", "--model", str(folder.parents[2] / "cvae.pt"), "--from", a,
                 "--to", b, "--steps", "3", "-o", str(tmp_path / "path")])
    assert code == 0
    assert len(json.loads((tmp_path / "path.json").read_text())) == 3
    assert f"{a} -> {b} at 0.50" in capsys.readouterr().out


def test_a_new_fasta_is_embedded_with_the_models_method(tmp_path, capsys):
    model, folder, _ = train_tiny_model(tmp_path, method="stats", dim=4, genomes_per_type=6)
    fasta = tmp_path / "new.fna.gz"
    with open(fasta, "wb") as handle:
        write_fasta_gz(synthesize_genome("new", "fungi", seed=1)[:1], handle)
    expected = embed_counts("stats", count_genome(fasta, min_length=1000).arrays())
    from mediagen.cvae.generate import fasta_condition

    condition = fasta_condition(model, fasta)
    assert condition.method == "stats"
    np.testing.assert_allclose(condition.values, expected)
    code = main(["generate", "--model", str(tmp_path / "cvae.pt"), "--genome", str(fasta),
                 "-n", "2", "-o", str(tmp_path / "new")])
    assert code == 0 and "new.fna.gz proposal 2" in capsys.readouterr().out
    assert torch.load(tmp_path / "cvae.pt", weights_only=True)["embedding"]["method"] == "stats"
