# The conditional media VAE's samples: growth pairs x media x genome embeddings,
# split by genome (stratified by organism type, seeded) into arrays.


rule build_dataset:
    input:
        media="results/catalog/media.parquet",
        pairs="results/catalog/growth_pairs.parquet",
        embeddings=embedding_table_path(EMBEDDING_METHOD),
        genomes=config["genomes"],
    output:
        arrays=expand(
            "results/datasets/cvae/{kind}_{split}.npy",
            kind=["X", "C", "y"],
            split=["train", "val", "test"],
        ),
        samples="results/datasets/cvae/samples.parquet",
        media="results/datasets/cvae/media.parquet",
        info="results/datasets/cvae/dataset.json",
    params:
        val_fraction=config["dataset"]["val_fraction"],
        test_fraction=config["dataset"]["test_fraction"],
        min_confidence=config["dataset"]["min_confidence"],
        min_ingredient_media=config["catalog"]["min_ingredient_media"],
        seed=config["seed"],
    log:
        "results/logs/build_dataset.log",
    benchmark:
        "results/benchmarks/build_dataset.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../../envs/mediagen.yaml"
    script:
        "../scripts/build_dataset.py"
