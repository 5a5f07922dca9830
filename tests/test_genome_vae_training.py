"""Genome VAE training, checkpoints, resume and embeddings, on tiny widths and drawn data."""

import json
import logging

import numpy as np
import pytest
import torch
import yaml
from conftest import copy_workflow, kill_during_atomic_write, run_snakemake
from genome_vae_support import TINY, WINDOWS, tiny_training, write_window_files
from mediagen.cli import main
from mediagen.demo.genomes import synthesize_genome, write_fasta_gz
from mediagen.errors import MediagenError
from mediagen.genome_vae.data import normalise_profiles
from mediagen.genome_vae.embed import embed_fasta, load_genome_vae, write_vae_table
from mediagen.genome_vae.train import train_genome_vae
from mediagen.kmers.embedding_table import read_embedding_table
from mediagen.kmers.profile import read_window_profiles

METRIC_KEYS = {
    "train_reconstruction", "train_kl", "kl_weight", "val_loss", "val_kmer7_bce",
    "val_kmer7_value_mse", "val_gate_accuracy", "val_kmer7_nonzero_mse", "val_kmer7_zero_mse",
    "val_kmer7_nonzero_percent", "val_kmer4_mse", "val_kmer3_mse", "val_gc_mse",
    "val_gate_accuracy_ceiling",
}


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tiny models run fastest on one thread, above all on a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def window_files(tmp_path_factory):
    return write_window_files(tmp_path_factory.mktemp("windows"), n_genomes=8,
                              windows_per_genome=10)


def train(out, window_files, **overrides):
    model, history = train_genome_vae(
        window_files, TINY, tiny_training(**overrides), WINDOWS, device=torch.device("cpu"),
        model_path=out / "genome_vae.pt", metrics_path=out / "metrics.jsonl",
        resume_path=out / "resume" / "genome_vae.state.pt",
    )
    return model, history


class Killed(Exception):
    """Stands for the signal that stops a training job."""


class KillAtEpoch(logging.Handler):
    """Stops the training loop when it logs the end of epoch ``epoch``'s training pass,
    before that epoch's resume state is written, as a kill during the epoch would."""

    def __init__(self, epoch: int):
        super().__init__()
        self.line_start = f"epoch {epoch}/"

    def emit(self, record):
        if record.getMessage().startswith(self.line_start):
            raise Killed


def train_until_killed(out, window_files, epochs_done: int, **overrides) -> None:
    """A run killed during epoch ``epochs_done + 1``: its resume state holds
    ``epochs_done`` epochs, and no model is written."""
    logger = logging.getLogger("mediagen.genome_vae.train")
    handler, level = KillAtEpoch(epochs_done + 1), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with pytest.raises(Killed):
            train(out, window_files, **overrides)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert not (out / "genome_vae.pt").exists()


def same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[key], b[key]) for key in a)


def test_short_training_lowers_validation_loss_and_saves_a_plain_checkpoint(
        tmp_path, window_files):
    model, history = train(tmp_path, window_files, epochs=8)
    assert history[-1]["val_loss"] < history[0]["val_loss"]
    rows = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert rows == history and set(rows[0]) >= METRIC_KEYS

    record = torch.load(tmp_path / "genome_vae.pt", weights_only=True)
    best = min(range(len(history)), key=lambda i: history[i]["val_loss"]) + 1
    assert record["kind"] == "genome_vae" and record["best_epoch"] == best
    assert record["architecture"] == TINY.to_dict() and record["windows"] == WINDOWS
    assert record["normalisation"]["window_length"] == WINDOWS["window_length"]
    assert record["embedding"] == {"method": "vae", "dim": TINY.latent_dim}
    assert len(record["history"]) == 8 and record["best_metrics"] == history[best - 1]
    loaded, meta = load_genome_vae(tmp_path / "genome_vae.pt")
    assert not loaded.training and meta["best_epoch"] == best
    assert same_weights(loaded.state_dict(), record["state_dict"])
    assert same_weights(model.state_dict(), record["state_dict"])


def test_killed_run_resumes_to_the_same_weights_as_an_uninterrupted_one(
        tmp_path, window_files, caplog):
    straight, straight_history = train(tmp_path / "straight", window_files, epochs=4)
    again, _ = train(tmp_path / "again", window_files, epochs=4)
    assert same_weights(straight.state_dict(), again.state_dict())  # deterministic

    interrupted = tmp_path / "interrupted"
    train_until_killed(interrupted, window_files, epochs_done=2, epochs=4)
    with caplog.at_level(logging.INFO, logger="mediagen.genome_vae.train"):
        resumed, history = train(interrupted, window_files, epochs=4)
    assert "resuming from epoch 2" in caplog.text
    assert same_weights(resumed.state_dict(), straight.state_dict())
    for row, expected in zip(history, straight_history, strict=True):
        assert row["val_loss"] == expected["val_loss"]
    saved = torch.load(interrupted / "genome_vae.pt", weights_only=True)["state_dict"]
    assert same_weights(saved, straight.state_dict())

    other_seed, _ = train(tmp_path / "other_seed", window_files, epochs=4, seed=4)
    assert not same_weights(other_seed.state_dict(), straight.state_dict())


def test_changed_settings_start_afresh(tmp_path, window_files, caplog):
    train_until_killed(tmp_path, window_files, epochs_done=2, epochs=4)
    with caplog.at_level(logging.INFO, logger="mediagen.genome_vae.train"):
        _, history = train(tmp_path, window_files, epochs=3, learning_rate=1e-3)
    assert "starting fresh" in caplog.text and "resuming" not in caplog.text
    assert [row["epoch"] for row in history] == [1, 2, 3]
    caplog.clear()
    train_until_killed(tmp_path / "longer", window_files, epochs_done=3, epochs=4)
    with caplog.at_level(logging.INFO, logger="mediagen.genome_vae.train"):
        _, history = train(tmp_path / "longer", window_files, epochs=2)
    assert "more than the 2 asked for; starting fresh" in caplog.text and len(history) == 2


def test_the_resume_state_and_a_killed_writers_leftover_go_once_the_model_is_written(
        tmp_path, window_files):
    state = tmp_path / "resume" / "genome_vae.state.pt"
    train_until_killed(tmp_path, window_files, epochs_done=1, epochs=2)
    kill_during_atomic_write(state)  # a kill while the state was being written
    assert len(list(state.parent.iterdir())) == 2
    train(tmp_path, window_files, epochs=2)
    assert (tmp_path / "genome_vae.pt").is_file()
    assert not list(state.parent.iterdir())


def test_embedding_table_has_one_row_per_genome(tmp_path, window_files):
    train(tmp_path, window_files, epochs=2)
    write_vae_table(tmp_path / "genome_vae.pt", window_files, tmp_path / "vae.parquet")
    ids, matrix, meta = read_embedding_table(tmp_path / "vae.parquet")
    assert ids == [path.stem for path in window_files]
    assert matrix.shape == (len(window_files), TINY.latent_dim)
    assert meta["method"] == "vae"
    model, checkpoint = load_genome_vae(tmp_path / "genome_vae.pt")
    with torch.no_grad():
        inputs = normalise_profiles(np.load(window_files[3]), checkpoint["normalisation"])
        expected = model.encode(inputs)[0].mean(dim=0).numpy()
    np.testing.assert_allclose(matrix[3], expected, rtol=1e-5, atol=1e-6)

    empty = tmp_path / "empty_genome.npy"
    np.save(empty, np.zeros((0, 8362), np.float32))
    with pytest.raises(MediagenError, match="empty_genome.npy"):
        write_vae_table(tmp_path / "genome_vae.pt", [empty], tmp_path / "none.parquet")
    assert not (tmp_path / "none.parquet").exists()


def test_embed_command_embeds_fasta_files_like_the_workflow(tmp_path, window_files, capsys):
    train(tmp_path, window_files, epochs=2)
    model_path = tmp_path / "genome_vae.pt"
    fastas = []
    for name, organism_type in (("first.fna.gz", "bacteria"), ("second.fa.gz", "archaea")):
        fastas.append(tmp_path / name)
        with open(fastas[-1], "wb") as handle:
            write_fasta_gz(synthesize_genome(name, organism_type, seed=3), handle)
    out = tmp_path / "new.parquet"
    assert main(["embed", "--model", str(model_path), *map(str, fastas), "-o", str(out)]) == 0
    ids, matrix, meta = read_embedding_table(out)
    assert ids == ["first", "second"] and meta == {"method": "vae", "dim": TINY.latent_dim}

    model, checkpoint = load_genome_vae(model_path)
    windows = read_window_profiles(fastas[1], window_length=5000, stride=5000, min_length=10000)
    with torch.no_grad():
        inputs = normalise_profiles(windows, checkpoint["normalisation"])
        expected = model.encode(inputs)[0].mean(dim=0).numpy()
    np.testing.assert_allclose(matrix[1], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(embed_fasta(model_path, fastas[0]), matrix[0], rtol=1e-6)

    missing = tmp_path / "no_model.pt"
    assert main(["embed", "--model", str(missing), str(fastas[0]), "-o", str(out)]) == 1
    assert "no_model.pt" in capsys.readouterr().err


@pytest.mark.slow
def test_snakemake_trains_and_embeds(tmp_path):
    """A real Snakemake run of train_genome_vae and embed_genomes on drawn window files."""
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "Snakefile.genome_vae").write_text(
        'configfile: "config/config.yaml"\n'
        'include: "workflow/rules/common.smk"\n'
        'include: "workflow/rules/genome_vae.smk"\n'
    )
    paths = write_window_files(workdir / "results/kmers/windows", n_genomes=6,
                               windows_per_genome=6)
    (workdir / "sheet.tsv").write_text(
        "genome_id\torganism_name\torganism_type\ttaxid\tsource\n"
        + "".join(f"{p.stem}\tdrawn {p.stem}\tbacteria\t\tresources/{p.stem}.fna\n"
                  for p in paths))
    (workdir / "growth.tsv").write_text(
        "genome_id\tmedia_id\tgrowth\tconfidence\tsource\n"
        f"{paths[0].stem}\t1\ttrue\t1.0\ttest\n")
    (workdir / "tiny.yaml").write_text(yaml.safe_dump({
        "genomes": "sheet.tsv", "growth": "growth.tsv",
        "genome_vae": {"widths": {"kmer7": [16], "kmer4": [8], "kmer3": [8], "shared": [8]},
                       "latent_dim": 3, "epochs": 2, "batch_size": 8, "kl_warmup_epochs": 1,
                       "val_fraction": 0.3, "device": "cpu"},
    }))
    target = "results/embeddings/vae.parquet"
    run_snakemake(workdir, "-s", "Snakefile.genome_vae", target, "--configfile",
                  "config/config.yaml", "tiny.yaml",
                  "--set-threads", "train_genome_vae=1", "embed_genomes=1")

    ids, matrix, _ = read_embedding_table(workdir / target)
    assert ids == [p.stem for p in paths] and matrix.shape == (6, 3)
    models = workdir / "results/models"
    assert (models / "genome_vae_diagram.svg").read_text().lstrip().startswith("<?xml")
    assert (models / "genome_vae_curves.png").read_bytes()[:4] == b"\x89PNG"
    assert len((models / "genome_vae_metrics.jsonl").read_text().splitlines()) == 2
    # the resume state lives outside the declared outputs and goes once the model is written
    assert not list((models / "resume").glob("*genome_vae.state.pt"))
    log = (workdir / "results/logs/train_genome_vae.log").read_text()
    assert "epoch 2/2" in log
