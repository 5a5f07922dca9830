# The conditional media VAE: its dataset (the ranking model reads it too) and one training
# rule per curriculum phase.


# The models' samples: growth pairs x media x genome embeddings, split by species and genus
# (per organism type, seeded) into arrays; dropped.tsv names the genomes left without one.


rule build_dataset:
    input:
        media="results/catalog/media.parquet",
        pairs="results/catalog/growth_pairs.parquet",
        excluded_pairs="results/catalog/growth_pairs_excluded.tsv",
        embeddings=embedding_table_path(EMBEDDING_METHOD),
        genomes=sheet("genomes"),
    output:
        arrays=expand(
            "results/datasets/cvae/{kind}_{split}.npy",
            kind=["X", "C", "y"],
            split=["train", "val", "test"],
        ),
        samples="results/datasets/cvae/samples.parquet",
        media="results/datasets/cvae/media.parquet",
        dropped="results/datasets/cvae/dropped.tsv",
        info="results/datasets/cvae/dataset.json",
    params:
        val_fraction=config["dataset"]["val_fraction"],
        test_fraction=config["dataset"]["test_fraction"],
        unseen_genus_fraction=config["dataset"]["unseen_genus_fraction"],
        unseen_family_fraction=config["dataset"]["unseen_family_fraction"],
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


# Curriculum training of the conditional media VAE: one GPU-tagged rule per phase
# in config cvae.phases, each starting from the previous phase's model and training
# on the organism types seen so far; then train_cvae_all fine-tunes on every type.
# A killed training job resumes from results/models/resume/ on re-run.

CVAE_PROVENANCE = {
    "genome_vae_model": "results/models/genome_vae.pt" if EMBEDDING_METHOD == "vae" else "",
    "min_genome_length": config["kmers"]["min_genome_length"],
}
# Settings that change where and how fast a model trains, not the model: left out of the
# params, so changing them does not retrain (the script reads them from the config).
CVAE_RUNTIME_KEYS = ("device", "threads", "resume_every_seconds")
CVAE_SETTINGS = {k: v for k, v in config["cvae"].items() if k not in CVAE_RUNTIME_KEYS}
CVAE_STAGES = [
    (phase, PHASES[: index + 1], PHASES[index - 1] if index else None)
    for index, phase in enumerate(PHASES)
] + [("all", None, PHASES[-1])]


for _phase, _types, _previous in CVAE_STAGES:

    rule:
        name:
            f"train_cvae_{_phase}"
        input:
            dataset=rules.build_dataset.output,
            previous=[f"results/models/cvae_{_previous}.pt"] if _previous else [],
        output:
            model=f"results/models/cvae_{_phase}.pt",
            metrics=f"results/models/cvae_{_phase}.metrics.tsv",
        params:
            phase=_phase,
            types=_types,
            cvae=CVAE_SETTINGS,
            seed=config["seed"],
            resume=f"results/models/resume/cvae_{_phase}.state.pt",
            provenance=CVAE_PROVENANCE,
        log:
            f"results/logs/train_cvae/{_phase}.log",
        benchmark:
            f"results/benchmarks/train_cvae/{_phase}.tsv"
        threads: config["cvae"]["threads"]
        resources:
            gpu=1,
            mem_mb=8000,
            runtime=240,
        conda:
            "../../envs/mediagen.yaml"
        script:
            "../scripts/train_cvae.py"
