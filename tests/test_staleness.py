"""Real Snakemake runs of the k-mer stage on a tiny sheet of local genomes.

One run with --keep-going over good and bad genomes, then dry runs that show
what a change to the sheet plans: a new genome plans its own jobs plus the
aggregation; a changed source re-runs only that genome.
"""

import re
from collections import Counter

import numpy as np
import pytest
from conftest import copy_workflow, run_snakemake
from kmer_support import random_sequence, write_fasta
from mediagen.kmers.profile import read_window_profiles

pytestmark = pytest.mark.slow

GOOD = ["alpha", "beta"]
BAD = {"short": "below the minimum"}  # other bad inputs stop at download_genome already
CONFIG = """\
genomes: sheet.tsv
growth: growth.tsv
kmers:
  min_genome_length: 2000
  window_length: 500
  window_stride: 400
  methods: [kmer_64, stats]
"""
AGGREGATE_OUTPUTS = ["profiles", "kmer_64", "stats"]


def write_sheet(workdir, sources: dict[str, str]) -> None:
    rows = ["genome_id\torganism_name\torganism_type\ttaxid\tsource"]
    rows += [f"{gid}\t{gid} test\tbacteria\t\t{source}" for gid, source in sources.items()]
    (workdir / "sheet.tsv").write_text("\n".join(rows) + "\n")


def targets(genome_ids) -> list[str]:
    return ["results/embeddings/profiles.parquet"] + [
        f"results/kmers/windows/{gid}.npy" for gid in genome_ids
    ]


def snakemake(workdir, genome_ids, *options, check=True):
    return run_snakemake(workdir, *targets(genome_ids), "--configfile", "test.yaml", *options,
                         check=check, timeout=300)


def planned_jobs(stdout: str) -> Counter:
    """(rule, genome_id or None) of every job a dry run plans."""
    jobs = Counter()
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", stdout):
        rule = re.match(r"(?:local)?rule (\w+):", block.strip())
        if rule:
            genome = re.search(r"wildcards: genome_id=(\S+)", block)
            jobs[rule.group(1), genome.group(1) if genome else None] += 1
    return jobs


def own_jobs(genome_id) -> Counter:
    return Counter({("download_genome", genome_id): 1, ("count_kmers", genome_id): 1,
                    ("aggregate_profiles", None): 1})


@pytest.fixture(scope="module")
def workflow_run(tmp_path_factory):
    """A workflow copy after a --keep-going run over good and bad genomes.

    The bad genomes are then taken off the sheet and the aggregation finished, so the
    dry runs start from an up-to-date workflow.
    """
    workdir = copy_workflow(tmp_path_factory.mktemp("staleness") / "wf")
    (workdir / "test.yaml").write_text(CONFIG)
    (workdir / "growth.tsv").write_text("genome_id\tmedia_id\tgrowth\tconfidence\tsource\n")
    data = workdir / "data"
    data.mkdir()
    sources = {}
    for number, gid in enumerate(GOOD):
        records = [("a", random_sequence(number, 1800)), ("b", random_sequence(number + 9, 1500))]
        sources[gid] = str(write_fasta(data / f"{gid}.fa", records).relative_to(workdir))
    write_fasta(data / "short.fa", [("a", random_sequence(7, 1500))])
    write_sheet(workdir, sources | {"short": "data/short.fa"})
    keep_going = snakemake(workdir, [*GOOD, *BAD], "--keep-going", check=False)
    write_sheet(workdir, sources)
    finish = snakemake(workdir, GOOD)
    return workdir, sources, keep_going, finish


def test_keep_going_finishes_good_genomes_and_names_bad_ones(workflow_run):
    workdir, _, keep_going, finish = workflow_run
    assert keep_going.returncode != 0
    kmers = workdir / "results" / "kmers"
    for gid in GOOD:
        assert (kmers / f"{gid}.npz").is_file()
        windows = np.load(kmers / "windows" / f"{gid}.npy")
        fasta = workdir / "resources" / "genomes" / f"{gid}.fna.gz"
        expected = read_window_profiles(fasta, window_length=500, stride=400, min_length=2000)
        np.testing.assert_array_equal(windows, expected)
        assert windows.shape == (8, 8362)  # records of 1800 and 1500 bases, joined
    for gid, problem in BAD.items():
        assert not (kmers / f"{gid}.npz").exists()
        assert not (kmers / "windows" / f"{gid}.npy").exists()
        log = (workdir / "results" / "logs" / "count_kmers" / f"{gid}.log").read_text()
        errors = [line for line in log.splitlines() if " ERROR " in line]
        assert len(errors) == 1, log
        assert f"resources/genomes/{gid}.fna.gz" in errors[0] and problem in errors[0]
    leftovers = [p.name for p in kmers.rglob("*") if p.name.startswith(".")]
    assert leftovers == []
    assert "aggregate_profiles" in finish.stdout + finish.stderr
    for name in AGGREGATE_OUTPUTS:
        assert (workdir / "results" / "embeddings" / f"{name}.parquet").is_file()


def test_new_genome_plans_only_its_jobs(workflow_run):
    workdir, sources, _, _ = workflow_run
    write_fasta(workdir / "data" / "delta.fa", [("a", random_sequence(40, 2500))])
    write_sheet(workdir, sources | {"delta": "data/delta.fa"})
    try:
        dry_run = snakemake(workdir, [*GOOD, "delta"], "-n")
    finally:
        write_sheet(workdir, sources)
    assert planned_jobs(dry_run.stdout) == own_jobs("delta"), dry_run.stdout


def test_changed_source_reruns_only_that_genome(workflow_run):
    workdir, sources, _, _ = workflow_run
    write_fasta(workdir / "data" / "beta_v2.fa", [("a", random_sequence(50, 2600))])
    write_sheet(workdir, sources | {"beta": "data/beta_v2.fa"})
    try:
        dry_run = snakemake(workdir, GOOD, "-n")
    finally:
        write_sheet(workdir, sources)
    assert planned_jobs(dry_run.stdout) == own_jobs("beta"), dry_run.stdout
