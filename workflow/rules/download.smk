# Genome downloads: each sheet row's source (NCBI assembly accession, http(s) URL or
# local path) becomes resources/genomes/{genome_id}.fna.gz, checked and gzipped.
# A local rule: on a cluster, compute nodes often have no internet.
#
# params.source makes a changed source re-run that genome only; a local source is also
# the input, so editing that file re-runs it. How to fetch (base URL, retries, timeouts,
# request rates) is read from config["download"] by the script and kept out of params on
# purpose: tuning the network settings must not re-download every genome.


localrules:
    download_genome,


rule download_genome:
    input:
        local_source_input,
    output:
        "resources/genomes/{genome_id}.fna.gz",
    params:
        source=genome_source,
        # shared by all download jobs, so NCBI's request rate holds across processes
        rate_limit_file="resources/.ncbi_request_slot",
    log:
        "results/logs/download_genome/{genome_id}.log",
    benchmark:
        "results/benchmarks/download_genome/{genome_id}.tsv"
    threads: 1
    resources:
        mem_mb=500,
        runtime=60,
    conda:
        "../../envs/mediagen.yaml"
    script:
        "../scripts/download_genome.py"
