"""The per-genome k-mer job: what it writes, and that it imports only what counting needs."""

import json
import subprocess
import sys

import numpy as np
from kmer_support import random_sequence, write_fasta
from mediagen.kmers.genome_job import count_genome_files
from mediagen.kmers.profile import count_genome, load_counts_npz, read_window_profiles

# What a count job may not pull in: each costs a tenth of a second to seconds per process.
HEAVY = ("pandas", "pyarrow", "torch", "matplotlib", "snakemake", "Bio", "jsonschema",
         "tqdm", "scipy")


def test_a_count_job_imports_no_heavy_library():
    """A fresh interpreter that imports the count job's module holds none of the heavy
    libraries (what is imported, not how long it takes)."""
    probe = ("import json, sys; import mediagen.kmers.genome_job; "
             "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", probe], capture_output=True,
                                       text=True, check=True).stdout)
    assert not set(loaded) & set(HEAVY), set(loaded) & set(HEAVY)
    assert {"numpy", "numba"} <= set(loaded)  # the probe saw the job's real imports


def test_the_job_writes_the_counts_and_the_windows_of_its_genome(tmp_path):
    fasta = write_fasta(tmp_path / "g.fna.gz", [("c1", random_sequence(5, 7000)),
                                                ("c2", random_sequence(6, 3000))])
    line = count_genome_files(fasta, tmp_path / "out" / "g.npz", tmp_path / "w" / "g.npy",
                              min_length=1000, window_length=2000, stride=1500)
    counts = load_counts_npz(tmp_path / "out" / "g.npz")
    expected = count_genome(fasta, min_length=1000)
    np.testing.assert_array_equal(counts.all8, expected.all8)
    np.testing.assert_array_equal(counts.counts7, expected.counts7)
    windows = np.load(tmp_path / "w" / "g.npy")
    np.testing.assert_array_equal(windows, read_window_profiles(
        fasta, window_length=2000, stride=1500, min_length=1000))
    assert f"{len(windows)} windows" in line and "2 records" in line
