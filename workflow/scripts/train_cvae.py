"""Rules train_cvae_{phase} and train_cvae_all: one curriculum phase of the media CVAE."""

import os
from pathlib import Path

import torch
from mediagen.cvae.train import train_phase
from mediagen.rule_job import rule_job

job = snakemake  # noqa: F821 (set by Snakemake's script directive)

with rule_job(job):
    torch.set_num_threads(job.threads)
    provenance = dict(job.params.provenance)
    if provenance.get("genome_vae_model"):
        provenance["genome_vae_model"] = os.path.abspath(provenance["genome_vae_model"])
    # params hold what shapes the model; where and how fast it trains comes from the config
    runtime = {key: job.config["cvae"][key] for key in ("device", "resume_every_seconds")}
    train_phase(
        Path(job.input.dataset[0]).parent,
        job.output.model,
        job.output.metrics,
        phase=job.params.phase,
        types=job.params.types,
        previous_model=job.input.previous[0] if job.input.previous else None,
        cvae_config={**job.params.cvae, **runtime},
        seed=job.params.seed,
        resume_path=job.params.resume,
        provenance=provenance,
    )
