# The offline demo: synthetic genomes built deterministically from the seed.
# The demo sheet's sources point at resources/demo/genomes/, which this rule makes.
# A local run: job, in Snakemake's own process like the other per-genome jobs (see
# count_kmers): making a demo genome takes a fraction of a second, an interpreter more.


localrules:
    synthesize_demo_genome,


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
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    run:
        from mediagen.demo.genomes import synthesize_genome_job

        synthesize_genome_job(rule, log[0], wildcards.genome_id, params.organism_type,
                              params.seed, output[0])
