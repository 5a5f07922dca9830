"""The conditional media VAE: loss, checkpoint round trip, generation, refusing conditions."""

import numpy as np
import pytest
import torch
from cvae_support import TINY_CVAE, build_tiny_dataset, single_thread
from mediagen.cvae.config import TrainingSettings
from mediagen.cvae.dataset import load_dataset
from mediagen.cvae.model import ConditionalMediaVAE, cvae_loss
from mediagen.cvae.train import fit, new_model
from mediagen.cvae.transform import ConditionTransform, Embedding
from mediagen.errors import MediagenError

one_thread = pytest.fixture(scope="module", autouse=True)(single_thread)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("model")
    folder, inputs = build_tiny_dataset(root)
    dataset = load_dataset(folder)
    model = new_model(dataset, TINY_CVAE, {"min_genome_length": 100})
    settings = TrainingSettings.from_config(TINY_CVAE, seed=1)
    fit(model, dataset.splits["train"], dataset.splits["val"], settings, label="all")
    return model, dataset, inputs, root


def test_loss_parts_match_a_direct_computation():
    x = torch.tensor([[0.0, 0.7, 1.5], [0.2, 0.0, 0.0]])
    logits = torch.tensor([[-1.0, 2.0, 0.5], [0.3, -0.2, -3.0]])
    amount = torch.tensor([[0.4, 0.5, 1.0], [0.1, 0.9, 0.0]])
    mu = torch.tensor([[0.5, -1.0], [0.0, 2.0]])
    log_var = torch.tensor([[0.0, -0.5], [0.3, 0.1]])
    parts = cvae_loss(logits, amount, x, mu, log_var, beta=0.5)
    present = (x > 0).float()
    p = torch.sigmoid(logits)
    bce = -(present * p.log() + (1 - present) * (1 - p).log()).mean()
    amount_error = (((amount - x) ** 2) * present).sum() / 2 / 3
    kl = 0.5 * (-0.5 * (1 + log_var - mu**2 - log_var.exp()).sum() / 2 / 3)
    assert torch.isclose(parts["presence"], bce)
    assert torch.isclose(parts["amount"], amount_error)
    assert torch.isclose(parts["kl"], kl)
    assert torch.isclose(parts["loss"], parts["recon"] + parts["kl"])
    assert torch.isclose(parts["recon"], bce + amount_error)


def test_architecture_follows_the_config(trained):
    model, dataset, _, _ = trained
    first = model.encoder.body[0][0]
    assert first.in_features == model.config.n_ingredients + model.config.condition_dim
    assert [block[0].out_features for block in model.encoder.body] == [32, 16]
    assert [block[0].out_features for block in model.decoder.body] == [16, 16]
    assert model.decoder.body[0][0].in_features == 4 + model.config.condition_dim
    assert model.decoder.presence.out_features == len(dataset.info["ingredient_ids"])


def test_checkpoint_round_trip(trained, tmp_path):
    model, dataset, _, _ = trained
    path = tmp_path / "cvae.pt"
    model.save(path)
    raw = torch.load(path, weights_only=True)
    assert raw["kind"] == "cvae"
    assert raw["embedding"] == {"method": "vae", "dim": 16}
    assert raw["ingredient_ids"] == dataset.info["ingredient_ids"]
    assert raw["media_transform"] == dataset.info["media_transform"]
    assert len(raw["history"]) == 3 and raw["history"][0]["phase"] == "all"
    loaded = ConditionalMediaVAE.load(path)
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, loaded.state_dict()[name]), name
    test = dataset.splits["test"]
    grams = model.media_transform.inverse(test.x)
    condition = Embedding("vae", test.c)
    np.testing.assert_array_equal(model.predict(grams, condition),
                                  loaded.predict(grams, condition))
    assert loaded.record.reference_media.media_ids == model.record.reference_media.media_ids
    np.testing.assert_array_equal(loaded.record.reference_media.grams_per_litre,
                                  model.record.reference_media.grams_per_litre)
    assert loaded.record.provenance["min_genome_length"] == 100


def test_generated_media_are_non_negative_at_the_models_width(trained):
    model, dataset, inputs, _ = trained
    condition = Embedding("vae", dataset.splits["test"].c[0])
    grams = model.generate(25, condition, seed=4)
    assert grams.shape == (25, len(dataset.info["ingredient_ids"]))
    assert grams.shape[1] == model.record.reference_media.grams_per_litre.shape[1]
    assert np.isfinite(grams).all() and (grams >= 0).all()
    assert (grams > 0).any(axis=1).all()  # every proposal holds ingredients
    np.testing.assert_array_equal(grams, model.generate(25, condition, seed=4))


def test_a_condition_of_another_method_or_width_is_refused(trained):
    model, dataset, _, _ = trained
    values = dataset.splits["test"].c[0]
    with pytest.raises(MediagenError, match=r"trained on 'vae'.*given a 'kmer_64'"):
        model.generate(2, Embedding("kmer_64", values))
    with pytest.raises(MediagenError, match=r"width 16 but was given width 15"):
        model.generate(2, Embedding("vae", values[:15]))


def test_condition_transform_keeps_the_embeddings_geometry():
    rng = np.random.default_rng(0)
    signal = rng.normal(size=(30, 3)) @ rng.normal(size=(3, 40)) * 5
    embeddings = signal + rng.normal(scale=0.01, size=(30, 40))  # near-constant noise columns
    transform = ConditionTransform.fit("vae", embeddings, max_components=16)
    out = transform.apply(Embedding("vae", embeddings))
    assert out.shape == (30, 16) and transform.dim == 40
    assert out[:, 0].std(ddof=1) == pytest.approx(1.0, rel=1e-4)

    def distances(values):
        return np.linalg.norm(values[:, None] - values[None], axis=-1)[np.triu_indices(30, 1)]

    ratio = distances(out) / distances(embeddings)
    assert ratio.std() / ratio.mean() < 1e-3  # one scale for every direction: no noise blown up


def test_stats_columns_are_scaled_to_their_own_units():
    rng = np.random.default_rng(1)
    gc = rng.normal(50, 10, 25)
    stats = np.column_stack([gc, 100 - gc, rng.normal(12, 0.5, 25), rng.poisson(500, 25)])
    transform = ConditionTransform.fit("stats", stats, max_components=16)
    np.testing.assert_allclose(transform.column_scale, stats.std(axis=0))
    assert transform.n_components == 3  # GC % and AT % are one direction
    with pytest.raises(MediagenError, match="negative values"):
        ConditionTransform.fit("kmer_64", -np.ones((3, 4)), max_components=2)
