"""The composition ceiling of the gate accuracy, on windows whose answer is known by hand."""

import json

import numpy as np
import pytest
import torch
from cvae_support import single_thread
from genome_vae_support import TINY, WINDOWS, tiny_training, write_window_files
from mediagen.genome_vae.ceiling import composition_ceiling
from mediagen.genome_vae.data import WindowFiles
from mediagen.genome_vae.train import prepare_data, train_genome_vae
from mediagen.kmers.layout import KMER7, LENGTH_INDEX, PROFILE_WIDTH


def windows_with_7mers(kmer_sets: list[list[int]], length: int = 5000) -> np.ndarray:
    """One window per set: those canonical 7-mers present, in equal shares."""
    rows = np.zeros((len(kmer_sets), PROFILE_WIDTH), np.float32)
    rows[:, LENGTH_INDEX] = length
    for row, kmers in zip(rows, kmer_sets, strict=True):
        row[KMER7.start + np.array(kmers)] = 1 / len(kmers)
    return rows


def test_identical_windows_are_told_exactly(tmp_path):
    np.save(tmp_path / "same.npy", windows_with_7mers([list(range(0, 3000, 3))] * 4))
    files = WindowFiles([tmp_path / "same.npy"])
    ceiling = composition_ceiling(files, np.array([[0, 1], [0, 3]]))
    assert ceiling["val_gate_accuracy"] == 1.0
    assert ceiling["val_kmer7_zero_mse"] == 0.0
    # present 7-mers: the expected frequency is the window's own, and only the small chance
    # of absence (exp(-5)) pulls the gated value towards the floor
    assert 0 < ceiling["val_kmer7_nonzero_mse"] < 0.01


def test_a_window_is_predicted_from_the_other_windows_only(tmp_path):
    # window 0 holds 7-mers 0..999, windows 1 and 2 hold 4000..4499: predicting window 0
    # from the others gets its 1,000 7-mers and the others' 500 wrong
    np.save(tmp_path / "g.npy", windows_with_7mers(
        [list(range(1000)), list(range(4000, 4500)), list(range(4000, 4500))]))
    files = WindowFiles([tmp_path / "g.npy"])
    ceiling = composition_ceiling(files, np.array([[0, 0]]))
    assert ceiling["val_gate_accuracy"] == pytest.approx(1 - 1500 / 8192)
    # windows 1 and 2 are each predicted from window 0 and the other: the other's 7-mers
    # right, window 0's 1,000 wrong (at half weight, 2.5 expected counts: still present)
    both = composition_ceiling(files, np.array([[0, 1], [0, 2]]))
    assert both["val_gate_accuracy"] == pytest.approx(1 - 1000 / 8192)


one_thread = pytest.fixture(scope="module", autouse=True)(single_thread)


def test_training_records_the_ceiling_beside_the_gate_accuracy(tmp_path):
    paths = write_window_files(tmp_path / "windows", n_genomes=6, windows_per_genome=8)
    training = tiny_training(epochs=2)
    train_genome_vae(paths, TINY, training, WINDOWS, device=torch.device("cpu"),
                     model_path=tmp_path / "genome_vae.pt",
                     metrics_path=tmp_path / "metrics.jsonl", resume_path=tmp_path / "r.pt")
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    data = prepare_data(paths, training)
    expected = composition_ceiling(data.files, data.val_index)["val_gate_accuracy"]
    assert [row["val_gate_accuracy_ceiling"] for row in rows] == [expected, expected]
    assert 0.5 < expected < 1.0
