"""``mediagen profile``: the real command on small FASTA files."""

import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from kmer_support import random_sequence, reference_counts, write_fasta
from mediagen.cli import main
from mediagen.kmers.embedding_table import read_embedding_table
from mediagen.kmers.layout import profile_column_names

MEDIAGEN = str(Path(sys.executable).with_name("mediagen"))
# What profiling may not pull in: each costs a tenth of a second to seconds per process.
HEAVY = ("pandas", "torch", "matplotlib", "snakemake", "scipy")


def mediagen(*args, cwd) -> subprocess.CompletedProcess:
    """The installed command in a fresh process, as a user runs it."""
    return subprocess.run([MEDIAGEN, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def mediagen_in_process(*args, capsys) -> tuple[int, str]:
    """The same entry point in this process (no interpreter start): exit code and stderr."""
    code = main(list(args))
    return code, capsys.readouterr().err


def test_profile_writes_one_row_per_file(tmp_path, capsys):
    files = [
        write_fasta(tmp_path / "GCF_000005845.2.fna.gz", [("a", random_sequence(1, 900))],
                    compress=True),
        write_fasta(tmp_path / "strain_b.fasta", [("b1", random_sequence(2, 500)),
                                                  ("b2", random_sequence(3, 700))], width=33),
        write_fasta(tmp_path / "c.fa", [("c", random_sequence(4, 1200, "ACGTacgtN"))],
                    newline="\r\n"),
    ]
    out = tmp_path / "profiles.parquet"
    code, stderr = mediagen_in_process("profile", *map(str, files), "-o", str(out),
                                       "--min-length", "100", capsys=capsys)
    assert code == 0, stderr
    ids, matrix, meta = read_embedding_table(out)
    assert ids == ["GCF_000005845.2", "strain_b", "c"]
    assert meta == {"method": "profile", "dim": 8362}
    assert pq.read_schema(out).names == ["genome_id", *profile_column_names()]
    table = pq.read_table(out).to_pandas()
    for row, path in enumerate(files):
        text = path.read_bytes()
        text = gzip.decompress(text) if path.suffix == ".gz" else text
        expected = reference_counts(text)["profile"]
        np.testing.assert_allclose(table.iloc[row, 1:].to_numpy(float), expected, rtol=1e-12)


def test_bad_file_fails_in_one_line_and_writes_nothing(tmp_path):
    good = write_fasta(tmp_path / "good.fa", [("a", random_sequence(1, 900))])
    protein = write_fasta(tmp_path / "prot.fa", [("p", "MKLVEEFPQ" * 50)])
    out = tmp_path / "out.parquet"
    run = mediagen("profile", str(good), str(protein), "-o", str(out), "--min-length", "100",
                   cwd=tmp_path)
    assert run.returncode != 0
    error_lines = [line for line in run.stderr.splitlines() if "error" in line.lower()]
    assert len(error_lines) == 1
    assert str(protein) in error_lines[0] and "protein" in error_lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.fa", "prot.fa"]


def test_short_genome_and_duplicate_ids_are_refused(tmp_path, capsys):
    short = write_fasta(tmp_path / "short.fa", [("a", random_sequence(1, 900))])
    out = tmp_path / "x.parquet"
    code, stderr = mediagen_in_process("profile", str(short), "-o", str(out), capsys=capsys)
    assert code != 0 and "below the minimum of 10,000" in stderr  # the workflow's default
    twin = write_fasta(tmp_path / "short.fna.gz", [("a", random_sequence(1, 900))], compress=True)
    code, stderr = mediagen_in_process("profile", str(short), str(twin), "-o", str(out),
                                       "--min-length", "10", capsys=capsys)
    assert code != 0 and "rename one" in stderr
    assert not out.exists()


def test_a_profile_process_imports_neither_pandas_nor_torch(tmp_path):
    """A fresh process that profiles a genome holds none of the heavy libraries (what is
    imported, not how long it takes), nor the module of another subcommand, though the
    FASTA file is named like one; and it leaves its objects frozen for a quick exit."""
    write_fasta(tmp_path / "embed", [("a", random_sequence(1, 900))])
    probe = ("import gc, json, sys; from mediagen.cli import main; "
             "sys.argv = ['mediagen', 'profile', 'embed', '-o', 'out.parquet', "
             "'--min-length', '100']; code = main(); "
             "print(json.dumps([code, sorted(sys.modules), gc.get_freeze_count()]))")
    code, modules, frozen = json.loads(subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
        check=True, timeout=120).stdout)
    assert code == 0 and (tmp_path / "out.parquet").is_file()
    packages = {module.split(".")[0] for module in modules}
    assert not packages & set(HEAVY), packages & set(HEAVY)
    assert "mediagen.commands.embed" not in modules
    assert {"numpy", "numba", "pyarrow"} <= packages  # the probe saw the command's real imports
    assert frozen > 0
