"""Rule download_genome: the sheet's source -> resources/genomes/{genome_id}.fna.gz."""

import os

from mediagen.rule_job import rule_job
from mediagen.sources.genome_download import DownloadSettings, fetch_genome

job = snakemake  # noqa: F821 (set by Snakemake's script directive)

with rule_job(job):
    settings = DownloadSettings.from_config(
        job.config["download"], rate_limit_file=job.params.rate_limit_file
    )
    # A local source is the rule's input, resolved by Snakemake; others come as params.
    source = job.input[0] if len(job.input) else job.params.source
    fetch_genome(job.wildcards.genome_id, source, job.output[0], settings,
                 api_key=os.environ.get("NCBI_API_KEY") or None)
