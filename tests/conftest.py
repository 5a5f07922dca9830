"""Fixtures shared by the test modules: a private copy of the workflow to run."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["loopback_http", "world_support"]  # loopback_server, real_snapshot

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")


def copy_workflow(destination: Path) -> Path:
    """Copy the Snakefile, rules, schemas, configs and profiles (not results) into
    ``destination``; Snakemake picks up profiles/default there as it does for users."""
    destination.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "Snakefile", destination / "Snakefile")
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(REPO / "workflow", destination / "workflow", ignore=ignore)
    shutil.copytree(REPO / "config", destination / "config", ignore=ignore)
    shutil.copytree(REPO / "envs", destination / "envs")  # the rules' conda environment
    shutil.copytree(REPO / "profiles", destination / "profiles")
    return destination


def run_snakemake(workdir: Path, *args: str, check: bool = True, timeout: float = 600):
    """Run the real ``snakemake`` in ``workdir``; returns the CompletedProcess."""
    result = subprocess.run(
        [SNAKEMAKE, "--cores", "2", *args],
        cwd=workdir, capture_output=True, text=True, timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result


KILLED_WRITER = """
import os, signal, sys
from mediagen.atomic import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_bytes(b"the first half of a file")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def kill_during_atomic_write(destination: Path) -> None:
    """What a job killed while writing ``destination`` leaves: its temporary file."""
    result = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(destination)],
                            capture_output=True, timeout=60)
    assert result.returncode == -9, result.stderr


@pytest.fixture
def workflow_copy(tmp_path) -> Path:
    return copy_workflow(tmp_path / "workflow_copy")
