# The evaluation report: the ranking against four baselines on held-out species and genera,
# calibration, generated recipes, the media model's reconstruction, latent space and training
# curves, as an HTML page and tables.


rule report:
    input:
        model="results/models/cvae_all.pt",
        ranker="results/models/ranker.pt",
        dataset=rules.build_dataset.output,
        embeddings=embedding_table_path(EMBEDDING_METHOD),
        media="results/catalog/media.parquet",
        quirks="results/catalog/quirks.json",
        sheets=["results/sheets/summary.json"] if DERIVE_SHEETS else [],
    output:
        html=report(
            "results/reports/report.html",
            caption="../report/cvae_report.rst",
            category="Evaluation",
        ),
        latent=report(
            "results/reports/latent_pca.png",
            caption="../report/latent_pca.rst",
            category="Evaluation",
        ),
        curves=report(
            "results/reports/training_curves.png",
            caption="../report/training_curves.rst",
            category="Training",
        ),
        metrics="results/reports/metrics.json",
        reconstruction=report(
            "results/reports/reconstruction.tsv",
            caption="../report/reconstruction.rst",
            category="Evaluation",
        ),
        proposals="results/reports/proposals.tsv",
        proposal_summary=report(
            "results/reports/proposal_summary.tsv",
            caption="../report/proposal_summary.rst",
            category="Evaluation",
        ),
        type_resemblance="results/reports/type_resemblance.tsv",
        recipes=report(
            "results/reports/example_recipes.tsv",
            caption="../report/example_recipes.rst",
            category="Proposals",
        ),
        recipes_json="results/reports/example_recipes.json",
        evaluation=report(
            "results/reports/evaluation.tsv",
            caption="../report/evaluation.rst",
            category="Ranking",
        ),
        reliability=report(
            "results/reports/reliability.png",
            caption="../report/reliability.rst",
            category="Ranking",
        ),
        reliability_table="results/reports/reliability.tsv",
        recommendations="results/reports/recommendations.tsv",
        generated=report(
            "results/reports/generated.tsv",
            caption="../report/generated.rst",
            category="Proposals",
        ),
    params:
        report=config["report"],
        seed=config["seed"],
        phases=PHASES,
    log:
        "results/logs/report.log",
    benchmark:
        "results/benchmarks/report.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    conda:
        "../../envs/mediagen.yaml"
    script:
        "../scripts/report.py"
