"""Rule synthesize_demo_genome: one synthetic demo genome as FASTA.gz."""

from mediagen.atomic import atomic_open
from mediagen.demo.genomes import synthesize_genome, write_fasta_gz
from mediagen.rule_job import rule_job

with rule_job(snakemake) as log:
    records = synthesize_genome(
        snakemake.wildcards.genome_id, snakemake.params.organism_type, snakemake.params.seed
    )
    with atomic_open(snakemake.output[0], "wb") as handle:
        write_fasta_gz(records, handle)
    log.info("%d records, %d bp", len(records), sum(len(seq) for _, seq in records))
