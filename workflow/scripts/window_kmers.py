"""Rule window_kmers: profiles of one genome's windows -> results/kmers/windows/{genome_id}.npy."""

import numpy as np
from mediagen.atomic import atomic_open
from mediagen.kmers.profile import read_window_profiles
from mediagen.rule_job import rule_job


def main(snakemake) -> None:
    with rule_job(snakemake) as log:
        windows = read_window_profiles(
            snakemake.input.fasta,
            window_length=snakemake.params.window_length,
            stride=snakemake.params.stride,
            min_length=snakemake.params.min_length,
        )
        with atomic_open(snakemake.output.windows, "wb") as handle:
            np.save(handle, windows)
        log.info("%s: %d windows", snakemake.input.fasta, len(windows))


main(snakemake)  # noqa: F821 (the object Snakemake hands a script)
