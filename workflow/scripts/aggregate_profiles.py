"""Rule aggregate_profiles: all genomes' counts -> profiles.parquet and the k-mer tables."""

from mediagen.kmers.aggregate import aggregate_profiles
from mediagen.rule_job import rule_job


def main(snakemake) -> None:
    with rule_job(snakemake):
        aggregate_profiles(
            snakemake.input.counts,
            snakemake.output.profiles,
            dict(zip(snakemake.params.methods, snakemake.output.tables, strict=True)),
        )


main(snakemake)  # noqa: F821 (the object Snakemake hands a script)
