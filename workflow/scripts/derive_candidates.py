"""Rule derive_candidates: candidate genome and growth sheets from MediaDive strains."""

import os
from pathlib import Path

from mediagen.errors import MediagenError
from mediagen.rule_job import rule_job
from mediagen.sources.candidates import NcbiSettings, derive_candidates, write_sheet
from mediagen.sources.http_client import RetryPolicy
from mediagen.sources.mediadive import load_snapshot

job = snakemake  # noqa: F821 (set by Snakemake's script directive)

with rule_job(job):
    params = job.params
    if not params.enabled:
        raise MediagenError("catalog.derive_candidates is false; set it to true in your "
                            "config to derive candidate sheets")
    settings = NcbiSettings(
        base_url=params.ncbi_base_url,
        policy=RetryPolicy(params.retries, params.backoff_seconds, params.timeout_seconds),
        requests_per_second=params.requests_per_second,
        api_key=os.environ.get("NCBI_API_KEY") or None,
    )
    genomes, growth = derive_candidates(
        load_snapshot(job.input.manifest), settings,
        Path(job.input.manifest).parent / "ncbi_reference", params.confidence,
    )
    write_sheet(job.output.genomes, genomes)
    write_sheet(job.output.growth, growth)
