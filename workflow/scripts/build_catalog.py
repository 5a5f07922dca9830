"""Rule build_catalog: the SQLite catalog, the media matrix and the growth pairs."""

from pathlib import Path

from mediagen.catalog.build import CatalogOutputs, CatalogSettings, build_catalog_files
from mediagen.rule_job import rule_job

job = snakemake  # noqa: F821 (set by Snakemake's script directive)

with rule_job(job):
    build_catalog_files(
        job.input.manifest, job.input.genomes, job.input.growth,
        CatalogSettings(media=job.params.media, min_growth_pairs=job.params.min_growth_pairs,
                        min_ingredient_media=job.params.min_ingredient_media,
                        max_g_per_l=job.params.max_g_per_l,
                        include_optional=job.params.include_optional),
        CatalogOutputs(Path(job.output.catalog), Path(job.output.media),
                       Path(job.output.growth_pairs), Path(job.output.excluded_pairs),
                       Path(job.output.quirks), Path(job.output.facts)),
    )
