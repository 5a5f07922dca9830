"""Checkpoint derive_sheets: the genome and growth sheets to train on, from MediaDive's
strain records, NCBI reference genomes and NCBI's taxonomy, merged with the user's own
sheets."""

import os

from mediagen.catalog.growth_pairs import check_growth_pairs
from mediagen.catalog.sheets import load_genome_sheet, load_growth_sheet
from mediagen.rule_job import rule_job
from mediagen.sources.genome_download import DownloadSettings
from mediagen.sources.mediadive import load_strain_records
from mediagen.sources.ncbi_reference import reference_reports
from mediagen.sources.ncbi_taxonomy import taxonomy_lineages
from mediagen.sources.strain_sheets import training_sheets, write_summary, write_table

job = snakemake  # noqa: F821 (set by Snakemake's script directive)

with rule_job(job) as log:
    params = job.params
    # how to reach NCBI comes from the config, not params: tuning it must not re-derive
    settings = DownloadSettings.from_config(job.config["download"],
                                            rate_limit_file=params.rate_limit_file)
    api_key = os.environ.get("NCBI_API_KEY") or None
    strains = load_strain_records(job.input.manifest)
    user_genomes = load_genome_sheet(job.input.genomes, allow_empty=True)
    user_growth = load_growth_sheet(job.input.growth)
    concurrency = job.config["download"]["lookup_concurrency"]
    genomes, growth, unresolved, counts = training_sheets(
        strains, user_genomes, user_growth,
        lambda species: reference_reports(species, settings, params.cache, api_key=api_key,
                                          concurrency=concurrency),
        lambda taxids: taxonomy_lineages(taxids, settings, params.taxonomy_cache,
                                         api_key=api_key, concurrency=concurrency),
        params.confidence,
    )
    check_growth_pairs(user_growth, set(genomes["genome_id"]), set(strains), job.input.growth)
    write_table(job.output.genomes, genomes)
    write_table(job.output.growth, growth)
    write_table(job.output.unresolved, unresolved)
    write_summary(job.output.summary, counts)
    log.info("%d species have a reference genome, %d taxon names are listed in %s with "
             "the reason they have none", counts["species_with_genome"], len(unresolved),
             job.output.unresolved)
