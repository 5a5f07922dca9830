"""Rule count_kmers: one genome's k-mer counts and profile -> results/kmers/{genome_id}.npz."""

from mediagen.kmers.profile import count_genome, write_counts_npz
from mediagen.rule_job import rule_job


def main(snakemake) -> None:
    with rule_job(snakemake) as log:
        counts = count_genome(snakemake.input.fasta, min_length=snakemake.params.min_length)
        write_counts_npz(snakemake.output.counts, counts)
        log.info(
            "%s: %d records, %d A/C/G/T bases, %d ambiguous, GC %.3f",
            snakemake.input.fasta,
            counts.n_records,
            counts.n_acgt,
            counts.n_ambiguous,
            counts.n_gc / counts.n_acgt,
        )


main(snakemake)  # noqa: F821 (the object Snakemake hands a script)
