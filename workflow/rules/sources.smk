# Sources: genome FASTAs (NCBI, URL or local) and the MediaDive catalog, fetched into
# resources/. These are local rules: on a cluster, compute nodes often have no internet.

from mediagen.sources.mediadive import local_snapshot_files


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


# MediaDive (DSMZ) media catalog: every REST response cached under resources/mediadive/.
# A re-run fetches nothing again; an interrupted fetch resumes. Delete
# resources/mediadive/ to fetch afresh.


localrules:
    fetch_mediadive,


rule fetch_mediadive:
    input:
        # a local snapshot folder (the offline demo) is input: editing it re-runs the fetch
        lambda wildcards: local_snapshot_files(config["mediadive"]["base_url"]),
    output:
        "resources/mediadive/manifest.json",
    params:
        base_url=config["mediadive"]["base_url"],
        concurrency=config["mediadive"]["concurrency"],
        page_size=config["mediadive"]["page_size"],
        requests_per_second=config["mediadive"]["requests_per_second"],
        retries=config["mediadive"]["retries"],
        backoff_seconds=config["mediadive"]["backoff_seconds"],
        timeout_seconds=config["mediadive"]["timeout_seconds"],
    log:
        "results/logs/fetch_mediadive.log",
    benchmark:
        "results/benchmarks/fetch_mediadive.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=180,
    conda:
        "../../envs/mediagen.yaml"
    script:
        "../scripts/fetch_mediadive.py"


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
