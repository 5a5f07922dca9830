"""Run a Snakemake ``script:`` job: log to the rule's log file, fail in one line.

Every rule script wraps its work in ``with rule_job(snakemake) as log:``. The
log records where the job ran (host, Slurm job id when there is one), and a
``MediagenError`` ends the job with its one-line message and exit status 1.
"""

import contextlib
import logging
import os
import socket
import sys
import time

from .errors import MediagenError


def configure_logging(log_file: str | None = None, level: int = logging.INFO) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        os.makedirs(os.path.dirname(log_file) or ".", exist_ok=True)
        handlers.append(logging.FileHandler(log_file, mode="w"))
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )


@contextlib.contextmanager
def rule_job(snakemake):
    log_file = snakemake.log[0] if len(snakemake.log) else None
    configure_logging(log_file)
    log = logging.getLogger(f"mediagen.rule.{snakemake.rule}")
    log.info(
        "rule %s on %s, SLURM_JOB_ID=%s, threads=%s",
        snakemake.rule,
        socket.gethostname(),
        os.environ.get("SLURM_JOB_ID", "none"),
        snakemake.threads,
    )
    started = time.perf_counter()
    try:
        yield log
    except MediagenError as exc:
        log.error("%s", exc)
        sys.exit(1)
    log.info("rule %s done in %.1f s", snakemake.rule, time.perf_counter() - started)
