# The offline demo: synthetic genomes built deterministically from the seed.
# The demo sheet's sources point at resources/demo/genomes/, which this rule makes.


rule synthesize_demo_genome:
    output:
        "resources/demo/genomes/{genome_id}.fna.gz",
    params:
        organism_type=lambda wildcards: genome_table().loc[
            wildcards.genome_id, "organism_type"
        ],
        seed=config["seed"],
    log:
        "results/logs/synthesize_demo_genome/{genome_id}.log",
    benchmark:
        "results/benchmarks/synthesize_demo_genome/{genome_id}.tsv"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    conda:
        "../../envs/mediagen.yaml"
    script:
        "../scripts/synthesize_demo_genome.py"
