# The genome VAE: trained on every genome's window profiles; its latent mean, averaged
# over a genome's windows, is the `vae` genome embedding.
# Training resumes from results/models/resume/genome_vae.state.pt (not an output, so it
# survives a failed or killed job) when the settings and data are unchanged.

GENOME_VAE_WINDOWS = {
    "window_length": config["kmers"]["window_length"],
    "stride": config["kmers"]["window_stride"],
    "min_length": config["kmers"]["min_genome_length"],
}


rule train_genome_vae:
    input:
        windows=per_genome("results/kmers/windows/{genome_id}.npy"),
    output:
        model="results/models/genome_vae.pt",
        diagram=report(
            "results/models/genome_vae_diagram.svg",
            category="genome VAE",
        ),
        metrics="results/models/genome_vae_metrics.jsonl",
        curves=report(
            "results/models/genome_vae_curves.png",
            category="genome VAE",
        ),
    params:
        settings=config["genome_vae"],
        seed=config["seed"],
        windows=GENOME_VAE_WINDOWS,
        resume_state="results/models/resume/genome_vae.state.pt",
    log:
        "results/logs/train_genome_vae.log",
    benchmark:
        "results/benchmarks/train_genome_vae.tsv"
    threads: config["genome_vae"]["threads"]
    resources:
        gpu=1,
        mem_mb=lambda wildcards: 12000 if config["genome_vae"]["preset"] == "wide" else 6000,
        runtime=24 * 60,
    conda:
        "../../envs/mediagen.yaml"
    script:
        "../scripts/train_genome_vae.py"


rule embed_genomes:
    input:
        model="results/models/genome_vae.pt",
        windows=per_genome("results/kmers/windows/{genome_id}.npy"),
    output:
        embedding_table_path("vae"),
    params:
        device=config["genome_vae"]["device"],
    log:
        "results/logs/embed_genomes.log",
    benchmark:
        "results/benchmarks/embed_genomes.tsv"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
    conda:
        "../../envs/mediagen.yaml"
    script:
        "../scripts/embed_genomes.py"
