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
        counts=expand("results/kmers/{genome_id}.npz", genome_id=GENOME_IDS),
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
