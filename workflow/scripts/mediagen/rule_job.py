"""Run a rule's job: log to the rule's log file, fail in one line.

Two kinds of jobs:

- ``script:`` jobs run in a Python process of their own and wrap their work in
  ``with rule_job(snakemake) as log:``; a ``MediagenError`` ends the job with its one-line
  message and exit status 1.
- ``run:`` jobs (the per-genome rules) run inside Snakemake's own process, in one of its
  threads (``--force-use-threads``, set by profiles/default), so a genome costs no interpreter
  start and no imports. They wrap their work in ``with thread_job(rule, log_file) as log:``,
  which sends the log records of the job's own thread to its log file (other jobs run in
  other threads at the same time) and re-raises a ``MediagenError`` for Snakemake to report.
  The last line of the log gives the job's wall time and the CPU time of its thread, the
  figures a ``benchmark:`` file cannot give for a job that shares its process.

Either log records where the job ran (host, Slurm job id when there is one).
"""

import contextlib
import logging
import os
import re
import socket
import sys
import threading
import time

from .errors import MediagenError

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
THREAD_JOB_DONE = "done in {wall:.3f} s wall, {cpu:.3f} s CPU in its thread"
# THREAD_JOB_DONE read back from a log: group 1 the wall time, group 2 the CPU time.
THREAD_JOB_DONE_LINE = re.compile(r"done in ([\d.]+) s wall, ([\d.]+) s CPU in its thread")


def configure_logging(log_file: str | None = None, level: int = logging.INFO) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        os.makedirs(os.path.dirname(log_file) or ".", exist_ok=True)
        handlers.append(logging.FileHandler(log_file, mode="w"))
    logging.basicConfig(
        level=level,
        format=LOG_FORMAT,
        handlers=handlers,
        force=True,
    )


def _log_job_start(log: logging.Logger, rule: str, how: str) -> None:
    """The job's first log line: where it runs (host, Slurm job id) and ``how``."""
    log.info("rule %s on %s, SLURM_JOB_ID=%s, %s", rule, socket.gethostname(),
             os.environ.get("SLURM_JOB_ID", "none"), how)


@contextlib.contextmanager
def rule_job(snakemake):
    log_file = snakemake.log[0] if len(snakemake.log) else None
    configure_logging(log_file)
    log = logging.getLogger(f"mediagen.rule.{snakemake.rule}")
    _log_job_start(log, snakemake.rule, f"threads={snakemake.threads}")
    started = time.perf_counter()
    try:
        yield log
    except MediagenError as exc:
        log.error("%s", exc)
        sys.exit(1)
    log.info("rule %s done in %.1f s", snakemake.rule, time.perf_counter() - started)


class _ThisThread(logging.Filter):
    def __init__(self):
        super().__init__()
        self.thread = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread == self.thread


@contextlib.contextmanager
def thread_job(rule: str, log_file: str):
    """The context of a ``run:`` job executed in a thread of Snakemake's process."""
    handler = logging.FileHandler(log_file, mode="w")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(_ThisThread())
    package = logging.getLogger("mediagen")
    if package.getEffectiveLevel() > logging.INFO:
        package.setLevel(logging.INFO)
    package.addHandler(handler)
    log = logging.getLogger(f"mediagen.rule.{rule}")
    _log_job_start(log, rule, f"in a thread of Snakemake's process {os.getpid()}")
    started, cpu_started = time.perf_counter(), time.thread_time()
    try:
        yield log
        log.info("rule %s %s", rule, THREAD_JOB_DONE.format(
            wall=time.perf_counter() - started, cpu=time.thread_time() - cpu_started))
    except MediagenError as exc:
        log.error("%s", exc)
        raise
    finally:
        package.removeHandler(handler)
        handler.close()
