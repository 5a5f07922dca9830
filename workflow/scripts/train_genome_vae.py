"""Rule train_genome_vae: the genome VAE over every genome's window profiles.

Writes the best checkpoint by validation loss, the metrics JSONL, the model
diagram and the training curves; resumes from the resume state when a previous
run with the same settings and data was interrupted.
"""

import torch
from mediagen.device import pick_device
from mediagen.genome_vae.config import TrainingConfig, architecture_from_settings
from mediagen.genome_vae.curves import plot_training_curves
from mediagen.genome_vae.diagram import draw_model_diagram
from mediagen.genome_vae.train import train_genome_vae
from mediagen.rule_job import rule_job

with rule_job(snakemake) as log:  # noqa: F821
    params, output = snakemake.params, snakemake.output  # noqa: F821
    torch.set_num_threads(snakemake.threads)  # noqa: F821
    architecture = architecture_from_settings(params.settings)
    training = TrainingConfig.from_settings(params.settings, seed=params.seed)
    model, history = train_genome_vae(
        list(snakemake.input.windows),  # noqa: F821
        architecture,
        training,
        dict(params.windows),
        device=pick_device(training.device),
        model_path=output.model,
        metrics_path=output.metrics,
        resume_path=params.resume_state,
    )
    draw_model_diagram(model, output.diagram,
                       title=f"genome VAE ({params.settings['preset']} preset)")
    plot_training_curves(history, output.curves)
