# The ranking model: every catalog medium scored for a genome from what its relatives grow
# on, with calibrated growth probabilities (an ensemble of small networks). Cheap next to
# the media model; it runs where the other CPU jobs do.

RANKING_SETTINGS = {k: v for k, v in config["ranking"].items() if k not in ("device", "threads")}


rule train_ranker:
    input:
        dataset=rules.build_dataset.output,
        embeddings=embedding_table_path(EMBEDDING_METHOD),
        media="results/catalog/media.parquet",
        facts="results/catalog/media_facts.tsv",
    output:
        model="results/models/ranker.pt",
        metrics="results/models/ranker.metrics.json",
    params:
        ranking=RANKING_SETTINGS,
        seed=config["seed"],
        provenance=CVAE_PROVENANCE,
    log:
        "results/logs/train_ranker.log",
    benchmark:
        "results/benchmarks/train_ranker.tsv"
    threads: config["ranking"]["threads"]
    resources:
        mem_mb=8000,
        runtime=240,
    conda:
        "../../envs/mediagen.yaml"
    script:
        "../scripts/train_ranker.py"
