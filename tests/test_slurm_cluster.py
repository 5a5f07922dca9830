"""The demo on a real Slurm: .ci/slurm/check_demo_on_slurm.py against a running cluster.

Needs a Slurm whose default partition and a partition named ``gpu`` offer a node with
gres gpu:1, as ``.ci/slurm/start_cluster.sh`` sets up (as root, on Debian):

    .ci/slurm/start_cluster.sh && .venv/bin/pytest -m slurm; .ci/slurm/stop_cluster.sh

Skipped where sbatch is absent or no controller answers. The thinned demo of ``--quick``
(three genomes per organism type, short training) keeps it to minutes; the full proof is
the script without ``--quick``.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHECK = REPO / ".ci" / "slurm" / "check_demo_on_slurm.py"


def slurm_skip_reason() -> str | None:
    if shutil.which("sbatch") is None:
        return "Slurm is not installed (.ci/slurm/start_cluster.sh installs and starts one)"
    if subprocess.run(["scontrol", "ping"], capture_output=True).returncode != 0:
        return "no Slurm controller answers (start one with .ci/slurm/start_cluster.sh)"
    partitions = subprocess.run(["sinfo", "-h", "-o", "%R %G"], capture_output=True,
                                text=True).stdout.split("\n")
    if not any(line.startswith("gpu ") and "gpu:" in line for line in partitions):
        return "the running Slurm has no partition 'gpu' with gres gpu (see start_cluster.sh)"
    return None


pytestmark = [
    pytest.mark.slurm,
    pytest.mark.slow,
    pytest.mark.skipif(slurm_skip_reason() is not None, reason=str(slurm_skip_reason())),
]


@pytest.fixture(scope="module")
def proof(tmp_path_factory) -> dict:
    workdir = tmp_path_factory.mktemp("slurm_proof")
    result = subprocess.run(
        [sys.executable, str(CHECK), "--use-running-cluster", "--workdir", str(workdir),
         "--quick", "--kill-after-epochs", "2"],
        capture_output=True, text=True,
    )
    summary_path = workdir / "summary.json"
    assert summary_path.is_file(), result.stdout[-4000:] + result.stderr[-4000:]
    summary = json.loads(summary_path.read_text())
    summary["returncode"] = result.returncode
    return summary


def test_every_job_ran_on_slurm_and_training_got_a_gpu(proof):
    run = proof["slurm_run"]
    assert run["problems"] == []
    assert run["local_jobs"] and set(run["local_jobs"]) <= {
        "download_genome", "synthesize_demo_genome", "fetch_mediadive", "all"}
    # the demo's genomes counted in group jobs of up to 50 (profiles/slurm), not one each
    assert run["group_submissions"] == -(-run["genomes_counted"] // 50)
    assert run["submitted_to_slurm"] == run["jobs"] - sum(
        run["jobs_per_rule"][rule] for rule in run["local_jobs"])
    assert set(run["gpu_jobs"]) >= {"train_genome_vae", "train_cvae_all"}
    for record in run["gpu_jobs"].values():
        assert record["JOB_GRES"].startswith("gpu:1") and record["Partition"] == "gpu"


def test_slurm_results_equal_the_local_run(proof):
    assert proof["comparison"]["files_compared"] > 10
    assert proof["comparison"]["differences"] == []


def test_a_new_genome_is_counted_alone_and_training_resumes(proof):
    incremental = proof["incremental"]
    assert incremental["problems"] == []
    added = incremental["added_genome"]
    counted = [job for job in incremental["jobs_after_adding"] + incremental["jobs_of_rerun"]
               if job.startswith("count_kmers")]
    assert [job.split(" ")[0] for job in counted] == [f"count_kmers[genome_id={added}]"]
    assert incremental["cancelled"]["epochs_logged"] >= 2
    assert incremental["resumed_from_epoch"] >= 1
    assert incremental["first_epoch_after_resume"] == incremental["resumed_from_epoch"] + 1
    assert proof["returncode"] == 0
