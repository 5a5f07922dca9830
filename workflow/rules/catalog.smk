# The catalog: MediaDive media, the genome and growth sheets (the user's, or merged with
# MediaDive's strain records), in one SQLite file, plus the media matrix and the growth pairs
# the models read. quirks.json counts what the catalog's amounts needed (volumes of water and
# of prepared bases, impossible or "variable" amounts, mmol/L conversions, media left empty);
# media_facts.tsv gives each medium's MediaDive page, pH range, salt and anaerobic signs.


rule build_catalog:
    input:
        manifest="resources/mediadive/manifest.json",
        genomes=sheet("genomes"),
        growth=sheet("growth"),
    output:
        catalog="results/catalog/catalog.sqlite",
        media="results/catalog/media.parquet",
        growth_pairs="results/catalog/growth_pairs.parquet",
        excluded_pairs="results/catalog/growth_pairs_excluded.tsv",
        quirks="results/catalog/quirks.json",
        facts="results/catalog/media_facts.tsv",
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
