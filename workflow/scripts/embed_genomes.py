"""Rule embed_genomes: the ``vae`` genome table, one row per genome (mean window latent)."""

import torch
from mediagen.device import pick_device
from mediagen.genome_vae.embed import write_vae_table
from mediagen.rule_job import rule_job

with rule_job(snakemake) as log:  # noqa: F821
    torch.set_num_threads(snakemake.threads)  # noqa: F821
    write_vae_table(
        snakemake.input.model,  # noqa: F821
        list(snakemake.input.windows),  # noqa: F821
        snakemake.output[0],  # noqa: F821
        device=pick_device(snakemake.params.device),  # noqa: F821
    )
