# Sources: genome FASTAs (NCBI, URL or local) and the MediaDive catalog, fetched into
# resources/. These are local rules: on a cluster, compute nodes often have no internet.

from mediagen.sources.mediadive import local_snapshot_files


# Genome downloads: each sheet row's source (NCBI assembly accession, http(s) URL or
# local path) becomes resources/genomes/{genome_id}.fna.gz, checked and gzipped.
# A local rule: on a cluster, compute nodes often have no internet.
#
# params.source makes a changed source re-run that genome only; a local source is also
# the input, so editing that file re-runs it. How to fetch (base URL, retries, timeouts,
# request rates) is read from config["download"] by the job and kept out of params on
# purpose: tuning the network settings must not re-download every genome.
#
# Like count_kmers, a run: job in Snakemake's own process (--force-use-threads, set by
# profiles/default and always so for local rules under the Slurm executor): no interpreter
# per genome. Its log ends with its wall and CPU time.


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
    threads: 1
    resources:
        mem_mb=500,
        runtime=60,
    run:
        from mediagen.sources.genome_download import download_genome_job

        # A local source is the rule's input, resolved by Snakemake; others are params.
        source = input[0] if input else params.source
        download_genome_job(rule, log[0], wildcards.genome_id, source, output[0],
                            config["download"], params.rate_limit_file)


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
    derive_sheets,


# Training on MediaDive's strain records (catalog.derive_sheets: true): each record's species
# resolved to its NCBI reference genome, each genome's taxid to its lineage in NCBI's taxonomy
# (answers cached under resources/ncbi/), merged with the user's sheets, whose rows (and
# lineages) win. A checkpoint: the genomes to download and count are known only once it has
# run, and every per-genome rule reads them from its output (see genome_table in
# common.smk). Species without a reference genome, and names that are not a species, are
# listed with the reason in results/sheets/unresolved_species.tsv.


checkpoint derive_sheets:
    input:
        manifest="resources/mediadive/manifest.json",
        genomes=config["genomes"],
        growth=config["growth"],
    output:
        genomes="results/sheets/genomes.tsv",
        growth="results/sheets/growth.tsv",
        unresolved="results/sheets/unresolved_species.tsv",
        summary="results/sheets/summary.json",
    params:
        confidence=config["catalog"]["strain_confidence"],
        cache="resources/ncbi/reference_genomes",
        taxonomy_cache="resources/ncbi/taxonomy",
        rate_limit_file="resources/.ncbi_request_slot",
    log:
        "results/logs/derive_sheets.log",
    benchmark:
        "results/benchmarks/derive_sheets.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=600,
    conda:
        "../../envs/mediagen.yaml"
    script:
        "../scripts/derive_sheets.py"
