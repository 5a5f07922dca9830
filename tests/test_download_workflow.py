"""A real Snakemake run of download_genome in a copy of the workflow, NCBI on loopback."""

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_workflow
from download_support import download_path, genome_fasta, ncbi_package_zip
from loopback_http import Response

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
ACCESSION = "GCF_000005845.2"
UNKNOWN = "GCA_999999999.1"

pytestmark = pytest.mark.slow


def write_sheet(path: Path, sources: dict) -> None:
    rows = ["genome_id\torganism_name\torganism_type\ttaxid\tsource"]
    rows += [f"{gid}\t{gid} test genome\tbacteria\t\t{src}" for gid, src in sources.items()]
    path.write_text("\n".join(rows) + "\n")


def snakemake(workdir: Path, server_url: str, *targets: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NCBI_API_KEY"}
    command = [
        str(SNAKEMAKE), "--cores", "2", "--keep-going",
        *targets,
        "--config", "genomes=sheet.tsv", "growth=growth.tsv",
        f"download={{ncbi_base_url: '{server_url}'}}",
    ]
    return subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=120)


def fasta_of(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes())


def test_download_genome_rule_fetches_each_kind_of_source(loopback_server, tmp_path):
    copy_workflow(tmp_path)
    ncbi_fasta, url_fasta, local_fasta = genome_fasta(21), genome_fasta(22), genome_fasta(23)
    loopback_server.route(download_path(ACCESSION),
                          Response(body=ncbi_package_zip(ACCESSION, ncbi_fasta)))
    loopback_server.route("/files/url_genome.fa.gz", Response(body=gzip.compress(url_fasta)))
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "local.fa").write_bytes(local_fasta)
    (tmp_path / "growth.tsv").write_text("genome_id\tmedia_id\tgrowth\tconfidence\tsource\n")
    sources = {
        "ncbi_one": ACCESSION,
        "url_one": loopback_server.url + "/files/url_genome.fa.gz",
        "local_one": "data/local.fa",
        "unknown_one": UNKNOWN,
    }
    write_sheet(tmp_path / "sheet.tsv", sources)
    outputs = {gid: tmp_path / "resources" / "genomes" / f"{gid}.fna.gz" for gid in sources}
    targets = [str(path.relative_to(tmp_path)) for path in outputs.values()]

    run = snakemake(tmp_path, loopback_server.url, *targets)
    assert run.returncode != 0, "the unknown accession must fail its job"
    assert fasta_of(outputs["ncbi_one"]) == ncbi_fasta
    assert fasta_of(outputs["url_one"]) == url_fasta
    assert fasta_of(outputs["local_one"]) == local_fasta
    assert not outputs["unknown_one"].exists()
    unknown_log = (tmp_path / "results/logs/download_genome/unknown_one.log").read_text()
    assert UNKNOWN in unknown_log and "404" in unknown_log
    for gid in ("ncbi_one", "url_one", "local_one"):  # the job's time ends its log
        log = (tmp_path / f"results/logs/download_genome/{gid}.log").read_text()
        assert "s CPU in its thread" in log.splitlines()[-1]
    assert sorted(p.name for p in outputs["ncbi_one"].parent.iterdir()) == [
        "local_one.fna.gz", "ncbi_one.fna.gz", "url_one.fna.gz"]
    del sources["unknown_one"], outputs["unknown_one"]
    targets = targets[:3]

    # A changed source (url_one) and an edited local file (local_one) re-run those two only.
    before = {gid: path.stat().st_mtime_ns for gid, path in outputs.items()}
    new_url_fasta, new_local_fasta = genome_fasta(24), genome_fasta(25)
    loopback_server.route("/files/moved.fa", Response(body=new_url_fasta))
    sources["url_one"] = loopback_server.url + "/files/moved.fa"
    write_sheet(tmp_path / "sheet.tsv", sources)
    (tmp_path / "data" / "local.fa").write_bytes(new_local_fasta)
    run = snakemake(tmp_path, loopback_server.url, *targets)
    assert run.returncode == 0, run.stderr[-3000:]
    assert fasta_of(outputs["url_one"]) == new_url_fasta
    assert fasta_of(outputs["local_one"]) == new_local_fasta
    assert outputs["ncbi_one"].stat().st_mtime_ns == before["ncbi_one"]
    assert len(loopback_server.requests_for(download_path(ACCESSION))) == 1
