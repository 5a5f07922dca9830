# Genome k-mer profiles, one job per genome (numba kernels over the raw FASTA bytes): the
# raw counts, so every k-mer embedding method is derived later without reading the FASTA
# again, and the window profiles the genome VAE trains on. A bad or too short genome fails
# its own job only.
#
# A run: job, executed inside Snakemake's own process (profiles/default sets
# --force-use-threads): counting a genome takes milliseconds, so a Python process per job
# would cost many times the work (README, "What a genome costs"). Without that flag each job
# starts a Snakemake of its own; it works, slowly. The job's log ends with its wall and CPU
# time: a benchmark file would measure the whole Snakemake process.


# Jobs hold the genome in memory: a FASTA.gz unpacks to about four times its size, the counts
# keep the packed and unpacked bytes (about 6 MB per MB of FASTA.gz), and a window row is
# 8,362 float32 values per window_stride bases, on top of the bytes and one byte per base.
COUNT_MB_PER_FASTA_GZ_MB = 4 * (3 + 8362 * 4 / config["kmers"]["window_stride"])


rule count_kmers:
    input:
        fasta=genome_fasta,
    output:
        counts="results/kmers/{genome_id}.npz",
        windows="results/kmers/windows/{genome_id}.npy",
    params:
        min_length=config["kmers"]["min_genome_length"],
        window_length=config["kmers"]["window_length"],
        stride=config["kmers"]["window_stride"],
    log:
        "results/logs/count_kmers/{genome_id}.log",
    threads: 1
    resources:
        mem_mb=lambda wildcards, input: 500
        + int(COUNT_MB_PER_FASTA_GZ_MB * genome_fasta_size_mb(wildcards, input)),
        runtime=lambda wildcards, input: 5 + genome_fasta_size_mb(wildcards, input) // 20,
    run:
        from mediagen.kmers.genome_job import count_kmers_job

        count_kmers_job(rule, log[0], input.fasta, output, params)


# Genome tables from the k-mer counts: results/embeddings/profiles.parquet and one table per
# k-mer embedding method (KMER_TABLE_METHODS, from config). Cheap: it reads only the small
# per-genome npz files, so a new genome re-runs this aggregation, not the other genomes' counts.

# Memory per genome: its rows of every table (float64 profile, float32 k-mer tables), twice
# over while a table is converted for writing.
AGGREGATE_MB_PER_GENOME = (
    2 * (8 * 8362 + 4 * sum({"kmer_64": 256, "kmer_128": 4096, "kmer_256": 65536, "stats": 4}[m]
    for m in KMER_TABLE_METHODS)) / 1e6
)


rule aggregate_profiles:
    input:
        counts=per_genome("results/kmers/{genome_id}.npz"),
    output:
        profiles=embedding_table_path("profile"),
        tables=[embedding_table_path(method) for method in KMER_TABLE_METHODS],
    params:
        methods=KMER_TABLE_METHODS,
    log:
        "results/logs/aggregate_profiles.log",
    benchmark:
        "results/benchmarks/aggregate_profiles.tsv"
    threads: 1
    resources:
        mem_mb=lambda wildcards, input: 1000 + int(AGGREGATE_MB_PER_GENOME * len(input.counts)),
        runtime=lambda wildcards, input: 5 + len(input.counts) // 1000,
    conda:
        "../../envs/mediagen.yaml"
    script:
        "../scripts/aggregate_profiles.py"
