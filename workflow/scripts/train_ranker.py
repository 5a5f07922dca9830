"""Rule train_ranker: dataset, genome embeddings and catalog -> the ranking model."""

from pathlib import Path

import torch
from mediagen.ranking.train import RankerSettings, train_ranker
from mediagen.rule_job import rule_job

job = snakemake  # noqa: F821 (set by Snakemake's script directive)

with rule_job(job) as log:
    torch.set_num_threads(job.threads)
    settings = RankerSettings.from_config(
        {**job.params.ranking, "device": job.config["ranking"]["device"]}, job.params.seed)
    train_ranker(Path(job.input.dataset[0]).parent, job.input.embeddings,
                 job.input.media, job.output.model, job.output.metrics, settings,
                 provenance={**job.params.provenance,
                             "embedding_table": str(job.input.embeddings)},
                 media_facts=job.input.facts)
