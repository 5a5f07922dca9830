"""Genome VAE architecture, loss and data handling, without training."""

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from genome_vae_support import TINY, write_window_files
from mediagen.errors import MediagenError
from mediagen.genome_vae import data as data_module
from mediagen.genome_vae.config import (
    PRESETS,
    GenomeVAEConfig,
    TrainingConfig,
    architecture_from_settings,
)
from mediagen.genome_vae.data import (
    WindowFiles,
    normalise_profiles,
    profile_normalisation,
    split_genomes,
    window_index,
)
from mediagen.genome_vae.loss import RECONSTRUCTION_SCALE, gate_metric_sums, genome_vae_loss
from mediagen.genome_vae.model import DecodedProfile, GenomeVAE, VAEOutput, count_parameters
from mediagen.kmers.layout import LOG_FLOOR, PROFILE_WIDTH

# Layer widths as the design states them: (in, out) of every dense block, and of the
# plain linear heads, per preset.
DESIGN = {
    "default": {
        "dense": [(8194, 1024), (1024, 512), (512, 256), (138, 128), (128, 64), (34, 64),
                  (64, 32), (352, 512),  # encoder
                  (512, 512), (512, 352), (352, 256), (256, 512), (512, 1024), (352, 64),
                  (64, 128), (352, 32), (32, 64)],  # decoder
        "linear": [(512, 512), (512, 512),  # z_mean, z_log_var
                   (1024, 8192), (1024, 8192), (1024, 1), (128, 136), (128, 1), (64, 32),
                   (64, 1)],
    },
    "wide": {
        "dense": [(8194, 4096), (4096, 2048), (138, 64), (64, 32), (34, 16), (16, 8),
                  (2088, 1024), (1024, 512),  # encoder
                  (512, 512), (512, 1024), (1024, 2088), (2088, 2048), (2048, 4096),
                  (2088, 32), (32, 64), (2088, 8), (8, 16)],  # decoder
        "linear": [(512, 512), (512, 512),
                   (4096, 8192), (4096, 8192), (4096, 1), (64, 136), (64, 1), (16, 32),
                   (16, 1)],
    },
}


def dense_parameters(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out + 2 * n_out  # Linear weight and bias, BatchNorm scale and shift


def linear_parameters(n_in: int, n_out: int) -> int:
    return n_in * n_out + n_out


@pytest.mark.parametrize("preset", ["default", "wide"])
def test_preset_parameter_counts_and_shapes(preset):
    design = DESIGN[preset]
    expected = (sum(dense_parameters(*layer) for layer in design["dense"])
                + sum(linear_parameters(*layer) for layer in design["linear"]))
    with torch.device("meta"):  # no memory for the weights: only shapes are checked
        model = GenomeVAE(PRESETS[preset]).eval()
        output = model(torch.zeros(5, PROFILE_WIDTH))
    assert count_parameters(model) == expected
    first = design["dense"][0]
    assert count_parameters(model.encoder.kmer7.dense1) == dense_parameters(*first)
    assert output.z_mean.shape == output.z_log_var.shape == output.z.shape == (5, 512)
    assert output.decoded.kmer7_values.shape == output.decoded.kmer7_gate_logits.shape
    assert output.decoded.kmer7_values.shape == (5, 8192)
    assert output.decoded.kmer4.shape == (5, 136)
    assert output.decoded.kmer3.shape == (5, 32)
    assert output.decoded.gc.shape == (5, 1)
    assert output.decoded.reconstruction().shape == (5, 8361)


def test_log_variance_is_clipped_and_training_samples_z():
    torch.manual_seed(0)
    model = GenomeVAE(TINY)
    with torch.no_grad():
        model.encoder.z_log_var.bias.fill_(50.0)
        inputs = torch.randn(6, PROFILE_WIDTH)
        sampled = model.train()(inputs, torch.Generator().manual_seed(1))
        mean_only = model.eval()(inputs)
    assert float(sampled.z_log_var.max()) == TINY.log_var_max
    assert not torch.equal(sampled.z, sampled.z_mean)
    assert torch.equal(mean_only.z, mean_only.z_mean)


def test_wrong_width_input_gets_a_clear_error(tmp_path):
    model = GenomeVAE(TINY).eval()
    with pytest.raises(MediagenError, match="8362"):
        model(torch.zeros(3, PROFILE_WIDTH - 1))
    bad = tmp_path / "short_rows.npy"
    np.save(bad, np.zeros((4, 100), np.float32))
    with pytest.raises(MediagenError, match="short_rows.npy"):
        WindowFiles([bad])
    truncated = tmp_path / "cut.npy"
    np.save(truncated, np.zeros((3, PROFILE_WIDTH), np.float32))
    truncated.write_bytes(truncated.read_bytes()[:-100])
    with pytest.raises(MediagenError, match="cut.npy: truncated"):
        WindowFiles([truncated])


def test_loss_parts_match_a_direct_computation():
    rng = np.random.default_rng(4)
    n, latent = 3, 5
    inputs = rng.normal(-3, 1, (n, PROFILE_WIDTH))
    present = rng.random((n, 8192)) < 0.4
    inputs[:, 1:8193] = np.where(present, rng.uniform(-9.5, -7, (n, 8192)), LOG_FLOOR)
    values, logits = rng.normal(-8, 1, (n, 8192)), rng.normal(0, 2, (n, 8192))
    kmer4, kmer3, gc = rng.normal(-5, 1, (n, 136)), rng.normal(-3.5, 1, (n, 32)), rng.normal(
        -0.7, 0.1, (n, 1))
    mean, log_var = rng.normal(0, 1, (n, latent)), rng.normal(-1, 0.5, (n, latent))

    def t(array):
        return torch.tensor(array, dtype=torch.float32)

    decoded = DecodedProfile(t(values), t(logits), t(kmer4), t(kmer3), t(gc))
    output = VAEOutput(t(mean), t(log_var), t(mean), decoded)
    parts = genome_vae_loss(output, t(inputs), beta=0.5, kl_weight=0.25)

    gate = 1 / (1 + np.exp(-logits))
    bce = -np.mean(present * np.log(gate) + (~present) * np.log(1 - gate))
    value_mse = np.sum(((values - inputs[:, 1:8193]) ** 2)[present]) / present.sum()
    mse4 = np.mean((kmer4 - inputs[:, 8193:8329]) ** 2)
    mse3 = np.mean((kmer3 - inputs[:, 8329:8361]) ** 2)
    mse_gc = np.mean((gc[:, 0] - inputs[:, 8361]) ** 2)
    reconstruction = 8361 / 4 * (bce + value_mse + mse4 + mse3 + mse_gc)
    kl = np.mean(-0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=1))
    expected = {"kmer7_bce": bce, "kmer7_value_mse": value_mse, "kmer4_mse": mse4,
                "kmer3_mse": mse3, "gc_mse": mse_gc, "reconstruction": reconstruction,
                "kl": kl, "total": reconstruction + 0.5 * 0.25 * kl}
    assert RECONSTRUCTION_SCALE == 8361 / 4
    for name, value in expected.items():
        assert float(parts[name]) == pytest.approx(value, rel=1e-4), name

    sums = gate_metric_sums(output, t(inputs))
    gated = gate * values + (1 - gate) * LOG_FLOOR
    squared = (gated - inputs[:, 1:8193]) ** 2
    assert sums["gate_correct"] == np.sum((gate > 0.5) == present)
    assert sums["present"] == present.sum()
    assert sums["present_sq_error"] == pytest.approx(squared[present].sum(), rel=1e-4)
    assert sums["absent_sq_error"] == pytest.approx(squared[~present].sum(), rel=1e-4)


def test_normalisation_scales_length_to_the_window_and_logs_the_rest():
    raw = np.zeros((2, PROFILE_WIDTH), np.float32)
    raw[:, 0] = [5000, 2500]
    raw[:, 1] = [0.0, 0.25]
    raw[:, -1] = 0.5
    inputs = normalise_profiles(raw, profile_normalisation(5000)).numpy()
    assert inputs[:, 0].tolist() == [1.0, 0.5]
    assert inputs[0, 1] == pytest.approx(LOG_FLOOR)
    assert inputs[1, 1] == pytest.approx(math.log(0.25 + 1e-6))
    assert inputs[0, -1] == pytest.approx(math.log(0.5 + 1e-6))


def test_split_is_by_genome_seeded_and_windows_are_capped(tmp_path):
    files = WindowFiles(write_window_files(tmp_path, n_genomes=10, windows_per_genome=10))
    train, val = split_genomes(files.genome_ids, 0.2, seed=5)
    assert sorted(train + val) == sorted(files.genome_ids) and not set(train) & set(val)
    assert len(val) == 2
    assert split_genomes(files.genome_ids, 0.2, seed=5) == (train, val)
    assert split_genomes(files.genome_ids, 0.2, seed=6) != (train, val)
    index = window_index(files, train, max_per_genome=7, seed=5)
    per_genome = np.bincount(index[:, 0], minlength=len(files))
    assert per_genome.max() == 7 and len(np.unique(index, axis=0)) == len(index)
    assert np.array_equal(index, window_index(files, train, max_per_genome=7, seed=5))
    rows = files.gather(index[::-1][:5])
    expected = [np.load(files.paths[f])[r] for f, r in index[::-1][:5]]
    assert np.array_equal(rows, np.stack(expected))
    with pytest.raises(MediagenError, match="at least 2 genomes"):
        split_genomes(["only"], 0.1, seed=1)


def resident_file_pages_mb() -> float:
    status = Path("/proc/self/status")
    for line in status.read_text().splitlines() if status.is_file() else []:
        if line.startswith("RssFile:"):
            return int(line.split()[1]) / 1024
    pytest.skip("no /proc/self/status RssFile here")


def test_window_files_map_a_bounded_number_and_keep_no_pages(tmp_path, monkeypatch):
    monkeypatch.setattr(data_module, "MAX_OPEN_FILES", 3)
    files = WindowFiles(write_window_files(tmp_path / "small", n_genomes=5,
                                           windows_per_genome=4))
    index = window_index(files, files.genome_ids, max_per_genome=10, seed=1)
    for _ in range(2):  # every file is mapped, unmapped and mapped again
        rows = files.gather(index[np.random.default_rng(0).permutation(len(index))])
        assert len(files._maps) == 3
    order = np.random.default_rng(0).permutation(len(index))
    expected = [np.load(files.paths[f])[r] for f, r in index[order]]
    np.testing.assert_array_equal(rows, np.stack(expected))

    big = tmp_path / "big.npy"
    np.save(big, np.ones((2000, PROFILE_WIDTH), np.float32))  # 67 MB
    files = WindowFiles([big])
    before = resident_file_pages_mb()
    read = sum(len(files.rows(0, slice(start, start + 256))) for start in range(0, 2000, 256))
    assert read == 2000 and resident_file_pages_mb() - before < 16


def test_settings_pick_a_preset_with_width_overrides():
    wide = architecture_from_settings({"preset": "wide", "latent_dim": 64})
    assert wide.kmer7_widths == (4096, 2048) and wide.latent_dim == 64
    custom = architecture_from_settings({"preset": "default", "widths": {"kmer7": [64, 32]}})
    assert custom.kmer7_widths == (64, 32) and custom.kmer4_widths == (128, 64)
    assert GenomeVAEConfig.from_dict(custom.to_dict()) == custom
    with pytest.raises(MediagenError, match="preset"):
        architecture_from_settings({"preset": "huge"})
    training = TrainingConfig.from_settings({"epochs": 3, "preset": "default"}, seed=9)
    assert (training.epochs, training.seed) == (3, 9)
    assert [training.kl_weight(e) for e in range(3)] == pytest.approx([0.05, 0.1, 0.15])


def test_a_bf16_autocast_training_step_works_as_on_a_gpu(tmp_path):
    """On CUDA, training runs under bf16 autocast; the same mixed precision on the CPU
    checks the loss and metrics take bf16 heads (no GPU needed)."""
    paths = write_window_files(tmp_path, n_genomes=2, windows_per_genome=8)
    files = WindowFiles(paths)
    inputs = normalise_profiles(files.gather(window_index(files, files.genome_ids, 8, 0)),
                                profile_normalisation(5000))
    torch.manual_seed(0)
    model = GenomeVAE(TINY).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        output = model(inputs)
    assert output.decoded.kmer7_gate_logits.dtype == torch.bfloat16
    parts = genome_vae_loss(output, inputs, beta=1.0, kl_weight=1.0)
    assert all(value.dtype == torch.float32 and torch.isfinite(value) for value in parts.values())
    parts["total"].backward()
    optimizer.step()
    assert all(p.grad.dtype == torch.float32 and torch.isfinite(p.grad).all()
               for p in model.parameters() if p.grad is not None)
    with torch.no_grad():  # as in evaluation
        sums = gate_metric_sums(output, inputs)
    assert 0 < sums["gate_correct"] <= sums["kmer7_fields"] == len(inputs) * 8192
