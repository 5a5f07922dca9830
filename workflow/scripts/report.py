"""Rule report: judge the ranking and the media model; write the HTML report and tables."""

import json
from pathlib import Path

import torch
from mediagen.cvae.evaluate import EvaluationSettings
from mediagen.report.page import write_report
from mediagen.rule_job import rule_job

job = snakemake  # noqa: F821 (set by Snakemake's script directive)

with rule_job(job) as log:
    torch.set_num_threads(job.threads)
    evaluation, ranking = write_report(
        job.input.model,
        job.input.ranker,
        Path(job.input.dataset[0]).parent,
        job.input.embeddings,
        job.input.media,
        Path(job.output.html).parent,
        EvaluationSettings.from_config(job.params.report, job.params.seed),
        phases=job.params.phases,
        catalog_quirks=json.loads(Path(job.input.quirks).read_text()),
        sheets=json.loads(Path(job.input.sheets[0]).read_text()) if job.input.sheets else None,
    )
    log.info("ranking against the baselines:\n%s", ranking.summary.to_string(index=False))
    for claim in evaluation.comparisons:
        log.info("%s: %s (%.3f against %.3f)", "holds" if claim["holds"] else "fails",
                 claim["claim"], claim["value"], claim["other"])
