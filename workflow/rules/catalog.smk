# The catalog: MediaDive media, the genome and growth sheets, in one SQLite file, plus the
# media matrix and the growth pairs the models read.


rule build_catalog:
    input:
        manifest="resources/mediadive/manifest.json",
        genomes=config["genomes"],
        growth=config["growth"],
    output:
        catalog="results/catalog/catalog.sqlite",
        media="results/catalog/media.parquet",
        growth_pairs="results/catalog/growth_pairs.parquet",
        excluded_pairs="results/catalog/growth_pairs_excluded.tsv",
    params:
        media=config["catalog"]["media"],
        min_growth_pairs=config["catalog"]["min_growth_pairs"],
        min_ingredient_media=config["catalog"]["min_ingredient_media"],
        max_g_per_l=config["catalog"]["max_g_per_l"],
        include_optional=config["catalog"]["include_optional"],
    log:
        "results/logs/build_catalog.log",
    benchmark:
        "results/benchmarks/build_catalog.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../../envs/mediagen.yaml"
    script:
        "../scripts/build_catalog.py"


localrules:
    derive_candidates,


# Candidate genomes and growth pairs from MediaDive's strain records, for a person to
# review before copying rows into the sheets; nothing reads them for training.
# Needs catalog.derive_candidates: true and internet (NCBI Datasets).


rule derive_candidates:
    input:
        manifest="resources/mediadive/manifest.json",
    output:
        genomes="results/catalog/candidate_genomes.tsv",
        growth="results/catalog/candidate_growth.tsv",
    params:
        enabled=config["catalog"]["derive_candidates"],
        confidence=config["catalog"]["candidate_confidence"],
        ncbi_base_url=config["download"]["ncbi_base_url"],
        requests_per_second=config["download"]["requests_per_second"],
        retries=config["download"]["retries"],
        backoff_seconds=config["download"]["backoff_seconds"],
        timeout_seconds=config["download"]["timeout_seconds"],
    log:
        "results/logs/derive_candidates.log",
    benchmark:
        "results/benchmarks/derive_candidates.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=600,
    conda:
        "../../envs/mediagen.yaml"
    script:
        "../scripts/derive_candidates.py"
