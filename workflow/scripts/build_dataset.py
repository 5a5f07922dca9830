"""Rule build_dataset: growth pairs, media and genome embeddings -> split arrays."""

from pathlib import Path

from mediagen.catalog.sheets import load_genome_sheet
from mediagen.cvae.dataset import build_dataset
from mediagen.rule_job import rule_job

job = snakemake  # noqa: F821 (set by Snakemake's script directive)

with rule_job(job) as log:
    sheet = load_genome_sheet(job.input.genomes)
    summary = build_dataset(
        job.input.media,
        job.input.pairs,
        job.input.embeddings,
        sheet,
        Path(job.output.info).parent,
        val_fraction=job.params.val_fraction,
        test_fraction=job.params.test_fraction,
        unseen_genus_fraction=job.params.unseen_genus_fraction,
        unseen_family_fraction=job.params.unseen_family_fraction,
        min_confidence=job.params.min_confidence,
        min_ingredient_media=job.params.min_ingredient_media,
        seed=job.params.seed,
        excluded_pairs_path=job.input.excluded_pairs,
    )
    log.info("samples per split %s, genomes per split %s, %d media, %d ingredients "
             "(%d rare ones left out)", summary.n_samples, summary.n_genomes, summary.n_media,
             summary.n_ingredients, summary.n_ingredients_dropped)
