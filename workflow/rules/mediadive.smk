# MediaDive (DSMZ) media catalog: every REST response cached under resources/mediadive/.
# A re-run fetches nothing again; an interrupted fetch resumes. Delete
# resources/mediadive/ to fetch afresh.

from mediagen.mediadive import local_snapshot_files


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
