# Genome k-mer profiles, one genome per job (numba kernels over the raw FASTA bytes).
# count_kmers keeps the raw counts beside the profile, so every k-mer embedding method is
# derived later without reading the FASTA again; window_kmers gives the genome VAE its
# training samples. A bad or too short genome fails its own job only.


# Jobs hold the genome in memory: a FASTA.gz unpacks to about four times its size, and
# count_kmers keeps the packed and unpacked bytes (about 6 MB per MB of FASTA.gz). A window
# row is 8,362 float32 values per window_stride bases, on top of the bytes and one byte per base.
WINDOW_MB_PER_FASTA_GZ_MB = 4 * (3 + 8362 * 4 / config["kmers"]["window_stride"])


rule count_kmers:
    input:
        fasta=genome_fasta,
    output:
        counts="results/kmers/{genome_id}.npz",
    params:
        min_length=config["kmers"]["min_genome_length"],
    log:
        "results/logs/count_kmers/{genome_id}.log",
    benchmark:
        "results/benchmarks/count_kmers/{genome_id}.tsv"
    threads: 1
    resources:
        mem_mb=lambda wildcards, input: 500 + 6 * genome_fasta_size_mb(wildcards, input),
        runtime=lambda wildcards, input: 5 + genome_fasta_size_mb(wildcards, input) // 100,
    conda:
        "../../envs/mediagen.yaml"
    script:
        "../scripts/count_kmers.py"


rule window_kmers:
    input:
        fasta=genome_fasta,
    output:
        windows="results/kmers/windows/{genome_id}.npy",
    params:
        window_length=config["kmers"]["window_length"],
        stride=config["kmers"]["window_stride"],
        min_length=config["kmers"]["min_genome_length"],
    log:
        "results/logs/window_kmers/{genome_id}.log",
    benchmark:
        "results/benchmarks/window_kmers/{genome_id}.tsv"
    threads: 1
    resources:
        mem_mb=lambda wildcards, input: 500
        + int(WINDOW_MB_PER_FASTA_GZ_MB * genome_fasta_size_mb(wildcards, input)),
        runtime=lambda wildcards, input: 5 + genome_fasta_size_mb(wildcards, input) // 20,
    conda:
        "../../envs/mediagen.yaml"
    script:
        "../scripts/window_kmers.py"
