"""Rule fetch_mediadive: cache MediaDive's media, compositions, strains and ingredients."""

from pathlib import Path

from mediagen.rule_job import rule_job
from mediagen.sources.http_client import RetryPolicy
from mediagen.sources.mediadive import fetch_mediadive

job = snakemake  # noqa: F821 (set by Snakemake's script directive)

with rule_job(job) as log:
    params = job.params
    manifest = fetch_mediadive(
        params.base_url,
        Path(job.output[0]).parent,
        concurrency=params.concurrency,
        page_size=params.page_size,
        requests_per_second=params.requests_per_second,
        policy=RetryPolicy(params.retries, params.backoff_seconds, params.timeout_seconds),
    )
    log.info("MediaDive from %s: %d media, %d ingredients", params.base_url,
             len(manifest["media"]), len(manifest["ingredients"]))
