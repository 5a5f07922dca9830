"""The Snakemake profiles plan the demo: profiles/slurm for Slurm, profiles/default locally.

Dry runs (``snakemake -n``) in a copy of the workflow; the Slurm profile needs the
executor plugin installed (the project's ``slurm`` extra), not a running Slurm.
"""

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
SLURM_PROFILE = REPO / "profiles" / "slurm" / "config.yaml"
# a job block; inside a group job's listing the blocks are indented
BLOCK = re.compile(r"^( *)(localrule|rule) (\S+):\n((?:\1    .*\n?)+)", re.MULTILINE)

needs_plugin = pytest.mark.skipif(
    importlib.util.find_spec("snakemake_executor_plugin_slurm") is None,
    reason="snakemake-executor-plugin-slurm is not installed (pip install -e '.[slurm]')",
)


@pytest.fixture(scope="module")
def workflow_copy(tmp_path_factory) -> Path:
    """The workflow, its config and profiles, outside the repository's own .snakemake/."""
    dest = tmp_path_factory.mktemp("workflow")
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", ".snakemake")
    for part in ("workflow", "config", "profiles", "envs"):
        shutil.copytree(REPO / part, dest / part, ignore=ignore)
    shutil.copy2(REPO / "Snakefile", dest / "Snakefile")
    return dest


def dry_run(workdir: Path, *args: str) -> str:
    result = subprocess.run(
        [str(SNAKEMAKE), "-n", *args, "--configfile", "config/demo.yaml"],
        cwd=workdir, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout + result.stderr


def planned_jobs(output: str) -> dict[str, list[dict[str, str]]]:
    """rule -> the resources (name -> value) of each of its planned jobs."""
    jobs: dict[str, list[dict[str, str]]] = {}
    for match in BLOCK.finditer(output):
        lines = dict(line.strip().split(": ", 1) for line in match.group(4).splitlines()
                     if ": " in line)
        resources = dict(item.split("=", 1) for item in lines.get("resources", "").split(", ")
                         if "=" in item)
        jobs.setdefault(match.group(3), []).append(resources)
    return jobs


@needs_plugin
def test_slurm_profile_sends_training_to_the_gpu_partition(workflow_copy):
    jobs = planned_jobs(dry_run(workflow_copy, "--profile", "profiles/slurm"))
    training = [rule for rule in jobs if rule.startswith("train_") and rule != "train_ranker"]
    assert "train_genome_vae" in training and "train_cvae_all" in training
    for rule in training:
        for resources in jobs[rule]:
            assert resources["slurm_partition"] == "gpu", rule
            assert resources["gpu"] == "1", rule
    for rule in ("count_kmers", "build_dataset", "train_ranker", "report"):
        for resources in jobs[rule]:
            assert resources["slurm_partition"] == "main", rule
            assert "gpu" not in resources, rule


def test_slurm_profile_names_only_rules_of_the_workflow(workflow_copy):
    profile = yaml.safe_load(SLURM_PROFILE.read_text())
    listed = subprocess.run(
        [str(SNAKEMAKE), "--list-rules", "--configfile", "config/demo.yaml"],
        cwd=workflow_copy, capture_output=True, text=True, check=True,
    ).stdout.split()
    assert set(profile["set-resources"]) <= set(listed)
    gpu_rules = {rule for rule in listed if rule.startswith("train_")} - {"train_ranker"}
    assert gpu_rules <= set(profile["set-resources"]), "a training rule misses its partition"


def test_slurm_profile_settings_are_the_plugins(workflow_copy):
    """Every slurm-* key is an option of the installed plugin (a typo would stop the run)."""
    profile = yaml.safe_load(SLURM_PROFILE.read_text())
    if importlib.util.find_spec("snakemake_executor_plugin_slurm") is None:
        pytest.skip("snakemake-executor-plugin-slurm is not installed")
    help_text = subprocess.run([str(SNAKEMAKE), "--help"], capture_output=True, text=True,
                               check=True).stdout
    assert profile["executor"] == "slurm"
    for key in profile:
        if key.startswith("slurm-"):
            assert f"--{key}" in help_text, key


def test_local_runs_use_the_default_profile(workflow_copy):
    output = dry_run(workflow_copy)
    assert "Using workflow specific profile profiles/default" in output
    jobs = planned_jobs(output)
    demo = yaml.safe_load((workflow_copy / "config" / "demo.yaml").read_text())
    n_genomes = len((workflow_copy / demo["genomes"]).read_text().strip().splitlines()) - 1
    assert "train_cvae_all" in jobs and len(jobs["count_kmers"]) == n_genomes
    assert "Group job" not in output  # groups are for Slurm; locally every job runs alone


@needs_plugin
def test_slurm_profile_sends_the_genomes_in_groups_of_50(workflow_copy):
    """Every count_kmers job of the plan is in a group job of the kmers group, at most 50
    genomes to a group and as few groups as that allows; no other job is grouped."""
    output = dry_run(workflow_copy, "--profile", "profiles/slurm")
    groups = re.split(r"^.*Group job ", output, flags=re.MULTILINE)[1:]
    members = [planned_jobs(re.split(r"^\[", group, maxsplit=1, flags=re.MULTILINE)[0])
               for group in groups]
    demo = yaml.safe_load((workflow_copy / "config" / "demo.yaml").read_text())
    n_genomes = len((workflow_copy / demo["genomes"]).read_text().strip().splitlines()) - 1
    assert all(group.startswith("kmers ") for group in groups)
    assert [set(jobs) for jobs in members] == [{"count_kmers"}] * len(groups)
    sizes = sorted(len(jobs["count_kmers"]) for jobs in members)
    assert sum(sizes) == n_genomes and max(sizes) <= 50
    assert len(groups) == -(-n_genomes // 50)
