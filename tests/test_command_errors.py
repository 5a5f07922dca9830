"""Bad arguments to the ``mediagen`` command: one line naming the thing and the fix, an exit
status, nothing written over, never a traceback."""

import json
import os
import pickle
import re

import pytest
import torch
from cvae_support import keep_logging, single_thread, train_tiny_model
from kmer_support import random_sequence, write_fasta
from mediagen.cli import main

one_thread = pytest.fixture(scope="module", autouse=True)(single_thread)
restore_logging = pytest.fixture(autouse=True)(keep_logging)

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING) ")


def refused(capsys, *argv: str, status: int = 1) -> str:
    """Run the command; return its one error line, checking the exit status and that
    stderr holds nothing else but log lines."""
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line and not LOG_LINE.match(line)]
    assert len(errors) == 1, err
    assert code == status, err
    assert errors[0].startswith(f"mediagen {argv[0]}: error: "), errors[0]
    return errors[0]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """A tiny media model conditioned on ``stats`` embeddings (no genome VAE needed)."""
    root = tmp_path_factory.mktemp("model")
    _, _, inputs = train_tiny_model(root, method="stats", dim=4, genomes_per_type=6)
    return root / "cvae.pt", sorted(inputs["genome_types"])[0]


@pytest.fixture
def genome(tmp_path):
    return write_fasta(tmp_path / "victim.fna", [("chr", random_sequence(5, 3000))])


# -- numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(("option", "value"), [
    ("--temperature", "1e30"), ("--temperature", "nan"), ("--temperature", "inf"),
    ("--temperature", "-1"), ("--temperature", "warm"), ("-n", "0"), ("-n", "2.5"),
])
def test_non_finite_negative_or_huge_numbers_are_refused(model, tmp_path, capsys, option,
                                                         value):
    path, _ = model
    line = refused(capsys, "generate", "--model", path, "--organism-type", "fungi",
                   f"{option}={value}", "-o", tmp_path / "out", status=2)
    assert option in line and repr(value) in line
    assert not list(tmp_path.iterdir())


def test_recipes_written_are_valid_json_at_the_highest_temperature(model, tmp_path, capsys):
    path, _ = model
    assert main(["generate", "--model", str(path), "--organism-type", "fungi", "-n", "3",
                 "--temperature", "10", "-o", str(tmp_path / "hot")]) == 0

    def refuse_constant(name):
        raise AssertionError(f"{name} in the JSON output")

    records = json.loads((tmp_path / "hot.json").read_text(), parse_constant=refuse_constant)
    assert len(records) == 3


@pytest.mark.parametrize(("argv", "expected"), [
    (["-n", "10001"], "-n"), (["-n", "0"], "-n"),
    (["--seed", "99999999999999999999"], "--seed"), (["--seed", "-1"], "--seed"),
])
def test_counts_and_seeds_out_of_range_are_refused(model, tmp_path, capsys, argv, expected):
    path, _ = model
    line = refused(capsys, "generate", "--model", path, "--organism-type", "fungi", *argv,
                   "-o", tmp_path / "out", status=2)
    assert f"argument {expected}" in line
    assert not list(tmp_path.iterdir())


def test_interpolation_steps_are_capped(model, tmp_path, capsys):
    path, genome_id = model
    line = refused(capsys, "interpolate", "--model", path, "--from", genome_id, "--to",
                   genome_id, "--steps", "10001", "-o", tmp_path / "out", status=2)
    assert "--steps" in line and "10,000" in line


# -- outputs --------------------------------------------------------------------------


def test_an_output_that_is_an_input_is_refused(genome, tmp_path, capsys):
    before = genome.read_bytes()
    line = refused(capsys, "profile", genome, "-o", genome)
    assert str(genome) in line and "input" in line
    link = tmp_path / "link.fna"
    os.link(genome, link)  # another name for the same file
    line = refused(capsys, "profile", genome, "-o", link)
    assert str(link) in line
    assert genome.read_bytes() == before


def test_embed_and_generate_refuse_to_write_over_their_inputs(model, genome, tmp_path,
                                                               capsys):
    path, _ = model
    before = path.read_bytes()
    refused(capsys, "embed", "--model", path, genome, "-o", path)
    assert path.read_bytes() == before
    table = tmp_path / "table.json"  # -o table writes table.tsv and table.json
    table.write_text("{}")
    line = refused(capsys, "generate", "--model", path, "--genome-id", "x", "--embeddings",
                   table, "-o", tmp_path / "table")
    assert str(table) in line
    assert table.read_text() == "{}"


@pytest.mark.parametrize("where", ["/proc/nope/x.parquet", "folder", "file/x.parquet"])
def test_an_output_that_cannot_be_written_is_refused(genome, tmp_path, capsys, where):
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("")
    output = where if where.startswith("/") else str(tmp_path / where)
    line = refused(capsys, "profile", genome, "-o", output, "--min-length", "100")
    assert line.startswith(f"mediagen profile: error: -o {output}: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "folder", "victim.fna"]
    assert not list((tmp_path / "folder").iterdir())


@pytest.mark.parametrize("command", ["profile", "generate"])
def test_an_empty_output_name_is_refused(model, genome, tmp_path, capsys, command):
    argv = ([genome] if command == "profile"
            else ["--model", model[0], "--organism-type", "fungi"])
    line = refused(capsys, command, *argv, "-o", "", status=2)
    assert "argument -o/--output: '' is not a file name" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["victim.fna"]


# -- inputs ---------------------------------------------------------------------------


def test_an_embedding_table_that_is_not_parquet_is_named(model, tmp_path, capsys):
    path, genome_id = model
    table = tmp_path / "random.bin"
    table.write_bytes(os.urandom(1000))
    line = refused(capsys, "generate", "--model", path, "--genome-id", genome_id,
                   "--embeddings", table, "-o", tmp_path / "out")
    assert str(table) in line and "Parquet" in line


@pytest.mark.parametrize(("device", "expected"), [
    ("cuda", "no CUDA GPU"), ("bogus", "cpu, cuda or auto"), ("mps", "cpu, cuda or auto"),
])
def test_an_unusable_device_is_refused(genome, tmp_path, capsys, device, expected):
    if device == "cuda" and torch.cuda.is_available():
        pytest.skip("a CUDA GPU is present here")
    line = refused(capsys, "embed", "--model", tmp_path / "any.pt", genome, "-o",
                   tmp_path / "out.parquet", "--device", device)
    assert repr(device) in line and expected in line


@pytest.mark.parametrize(("command", "kind"), [("generate", "cvae"), ("embed", "genome_vae")])
def test_a_checkpoint_missing_its_fields_is_named(genome, tmp_path, capsys, command, kind):
    bare = tmp_path / "bare.pt"
    torch.save({"format_version": 1, "kind": kind}, bare)
    argv = (["--organism-type", "fungi", "-o", tmp_path / "out"] if command == "generate"
            else [genome, "-o", tmp_path / "out.parquet"])
    line = refused(capsys, command, "--model", bare, *argv)
    assert str(bare) in line and "not a complete" in line


class Foreign:
    """Any Python object: a model file holding one would run code to be loaded."""


@pytest.mark.parametrize("content", ["object", "random", "empty", "truncated"])
def test_a_foreign_or_damaged_checkpoint_never_suggests_loading_it_unsafely(
        model, tmp_path, capsys, content):
    path, _ = model
    bad = tmp_path / "bad.pt"
    if content == "object":
        torch.save({"format_version": 1, "kind": "cvae", "x": Foreign()}, bad,
                   pickle_protocol=pickle.HIGHEST_PROTOCOL)
    elif content == "random":
        bad.write_bytes(os.urandom(4000))
    elif content == "truncated":
        bad.write_bytes(path.read_bytes()[:3000])
    else:
        bad.write_bytes(b"")
    line = refused(capsys, "generate", "--model", bad, "--organism-type", "fungi", "-o",
                   tmp_path / "out")
    assert str(bad) in line and "not a mediagen model file" in line
    assert "weights_only" not in line and "False" not in line


def test_a_missing_fasta_is_not_taken_for_a_genome_id(model, tmp_path, capsys):
    path, genome_id = model
    missing = tmp_path / "missing.fna"
    line = refused(capsys, "interpolate", "--model", path, "--from", missing, "--to",
                   genome_id, "-o", tmp_path / "out")
    assert f"{missing}: FASTA file not found" in line
    line = refused(capsys, "interpolate", "--model", path, "--from", "nobody", "--to",
                   genome_id, "-o", tmp_path / "out")
    assert "no genome 'nobody'" in line and "--genome" not in line


def test_a_folder_given_as_fasta_is_named(tmp_path, capsys):
    line = refused(capsys, "profile", tmp_path, "-o", tmp_path / "out.parquet")
    assert f"{tmp_path}: is a folder" in line and "not found" not in line
