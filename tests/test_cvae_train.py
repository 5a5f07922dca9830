"""Curriculum training: epoch lines, early stopping, phases and resuming a killed job."""

import logging
import os
import re
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import torch
from cvae_support import TINY_CVAE, build_tiny_dataset, single_thread
from mediagen.cvae.config import TrainingSettings
from mediagen.cvae.dataset import load_dataset
from mediagen.cvae.model import ConditionalMediaVAE
from mediagen.cvae.train import fit, new_model, train_phase
from mediagen.cvae.transform import Embedding
from mediagen.errors import MediagenError

EPOCH_LINE = re.compile(
    r"^Epoch (\d+)/(\d+) loss=(\d+\.\d{4}) recon=(\d+\.\d{4}) kl=(\d+\.\d{4}) \[(\w+)\]$")


one_thread = pytest.fixture(scope="module", autouse=True)(single_thread)


@pytest.fixture(scope="module")
def dataset_folder(tmp_path_factory):
    return build_tiny_dataset(tmp_path_factory.mktemp("train"))[0]


def test_epoch_lines_have_the_documented_form(dataset_folder, caplog):
    dataset = load_dataset(dataset_folder)
    model = new_model(dataset, TINY_CVAE, {})
    settings = TrainingSettings.from_config(TINY_CVAE, seed=0)
    with caplog.at_level(logging.INFO, logger="mediagen.cvae.train"):
        history = fit(model, dataset.splits["train"], dataset.splits["val"], settings,
                      label="bacteria")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Epoch ")]
    assert len(lines) == 3
    for epoch, (line, row) in enumerate(zip(lines, history, strict=True), start=1):
        match = EPOCH_LINE.match(line)
        assert match, line
        assert match.group(1, 2, 6) == (str(epoch), "3", "bacteria")
        loss, recon, kl = (float(v) for v in match.group(3, 4, 5))
        assert loss == pytest.approx(recon + kl, abs=2e-4)
        assert loss == pytest.approx(row["loss"], abs=1e-4)


def test_early_stopping_keeps_the_best_epoch(dataset_folder):
    dataset = load_dataset(dataset_folder)
    torch.manual_seed(0)
    model = new_model(dataset, TINY_CVAE, {})
    settings = TrainingSettings.from_config(
        {**TINY_CVAE, "epochs": 100, "patience": 2, "learning_rate": 0.05}, seed=0)
    history = fit(model, dataset.splits["train"], dataset.splits["val"], settings, label="all")
    best = min(history, key=lambda row: row["val_loss"])
    assert len(history) < 100
    assert history[-1]["epoch"] - best["epoch"] == 2
    val = dataset.splits["val"]
    model.eval()
    with torch.no_grad():
        parts = model(torch.from_numpy(val.x), model.condition_tensor(Embedding("vae", val.c)))
    assert float(parts["loss"]) == pytest.approx(best["val_loss"], rel=1e-5)


def test_phases_chain_their_history_and_types(dataset_folder, tmp_path):
    first = train_phase(dataset_folder, tmp_path / "b.pt", tmp_path / "b.tsv", phase="bacteria",
                        types=["bacteria"], previous_model=None, cvae_config=TINY_CVAE, seed=0,
                        resume_path=tmp_path / "b.state.pt", provenance={})
    second = train_phase(dataset_folder, tmp_path / "a.pt", tmp_path / "a.tsv", phase="archaea",
                         types=["bacteria", "archaea"], previous_model=tmp_path / "b.pt",
                         cvae_config=TINY_CVAE, seed=0, resume_path=None, provenance={})
    assert first.record.types_seen == ["bacteria"]
    loaded = ConditionalMediaVAE.load(tmp_path / "a.pt")
    assert loaded.record.phase == "archaea"
    assert loaded.record.types_seen == ["archaea", "bacteria"]
    assert [row["phase"] for row in loaded.record.history] == ["bacteria"] * 3 + ["archaea"] * 3
    assert len(second.record.history) == 6
    assert not (tmp_path / "b.state.pt").exists()  # removed once the model is saved
    metrics = (tmp_path / "a.tsv").read_text().splitlines()
    assert metrics[0].startswith("phase\tepoch\tloss\trecon\tkl") and len(metrics) == 4


def test_a_phase_without_genomes_of_its_type_passes_the_model_before_it_on(tmp_path, caplog):
    folder, _ = build_tiny_dataset(tmp_path, genome_types=("bacteria", "archaea", "protist"))
    with pytest.raises(MediagenError, match=r"\[fungi\] 0 training sample\(s\)"):
        train_phase(folder, tmp_path / "first.pt", tmp_path / "first.tsv", phase="fungi",
                    types=["fungi"], previous_model=None, cvae_config=TINY_CVAE, seed=0,
                    resume_path=None, provenance={})  # a first phase has nothing to pass on
    train_phase(folder, tmp_path / "a.pt", tmp_path / "a.tsv", phase="archaea",
                types=["bacteria", "archaea"], previous_model=None, cvae_config=TINY_CVAE,
                seed=0, resume_path=None, provenance={})
    stale = tmp_path / "f.state.pt"
    stale.write_bytes(b"a resume state of an earlier run")
    with caplog.at_level(logging.INFO, logger="mediagen.cvae.train"):
        train_phase(folder, tmp_path / "f.pt", tmp_path / "f.tsv", phase="fungi",
                    types=["bacteria", "archaea", "fungi"], previous_model=tmp_path / "a.pt",
                    cvae_config=TINY_CVAE, seed=0, resume_path=stale, provenance={})
    archaea = torch.load(tmp_path / "a.pt", weights_only=True)
    fungi = torch.load(tmp_path / "f.pt", weights_only=True)
    assert fungi["state_dict"].keys() == archaea["state_dict"].keys()
    for name, weights in archaea["state_dict"].items():
        assert torch.equal(fungi["state_dict"][name], weights), name
    assert fungi["phase"] == "fungi"
    passed_on = {"fungi": {"from": "archaea", "reason": "no training genomes of type fungi"}}
    assert fungi["passed_on"] == passed_on and archaea["passed_on"] == {}
    assert fungi["history"] == archaea["history"]  # no epoch ran for fungi
    assert pd.read_csv(tmp_path / "f.tsv", sep="\t").empty
    assert not [r for r in caplog.records if r.getMessage().startswith("Epoch ")]
    assert ("[fungi] no training genomes of type fungi: the archaea phase's model is passed "
            "on unchanged, without training") in caplog.text
    assert not stale.exists()

    protist = train_phase(folder, tmp_path / "p.pt", tmp_path / "p.tsv", phase="protist",
                          types=["bacteria", "archaea", "fungi", "protist"],
                          previous_model=tmp_path / "f.pt", cvae_config=TINY_CVAE, seed=0,
                          resume_path=None, provenance={})
    assert [row["phase"] for row in protist.record.history] == ["archaea"] * 3 + ["protist"] * 3
    assert protist.record.passed_on == passed_on
    assert protist.record.types_seen == ["archaea", "bacteria", "protist"]


TRAIN_FOREVER = """
import sys
from mediagen.cvae.train import train_phase
from cvae_support import TINY_CVAE
folder, out = sys.argv[1], sys.argv[2]
train_phase(folder, out + "/m.pt", out + "/m.tsv", phase="bacteria", types=["bacteria"],
            previous_model=None, cvae_config={**TINY_CVAE, "epochs": 100000,
            "patience": 100000}, seed=0, resume_path=out + "/m.state.pt", provenance={})
"""


def test_a_killed_training_resumes_where_it_stopped(dataset_folder, tmp_path, caplog):
    state = tmp_path / "m.state.pt"
    env = {**os.environ, "PYTHONPATH": os.path.dirname(__file__)}
    process = subprocess.Popen([sys.executable, "-c", TRAIN_FOREVER, str(dataset_folder),
                                str(tmp_path)], env=env, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        epoch = 0
        while epoch < 3 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
            if state.exists():
                epoch = torch.load(state, weights_only=True)["epoch"]
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert epoch >= 3, "the training job never wrote its resume state"
    stopped_at = torch.load(state, weights_only=True)["epoch"]
    assert not (tmp_path / "m.pt").exists()
    with caplog.at_level(logging.INFO, logger="mediagen.cvae.train"):
        model = train_phase(dataset_folder, tmp_path / "m.pt", tmp_path / "m.tsv",
                            phase="bacteria", types=["bacteria"], previous_model=None,
                            cvae_config={**TINY_CVAE, "epochs": stopped_at + 2,
                                         "patience": 100000},
                            seed=0, resume_path=state, provenance={})
    assert f"[bacteria] resuming from epoch {stopped_at}" in caplog.text
    assert [row["epoch"] for row in model.record.history] == list(range(1, stopped_at + 3))
    assert not state.exists()
