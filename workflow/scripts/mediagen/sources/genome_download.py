"""Fetch one genome from the sheet's ``source`` into ``resources/genomes/{genome_id}.fna.gz``.

A source is an NCBI assembly accession (the Datasets v2 genome package, genomic
FASTA only), an http(s) URL (plain or gzip FASTA), or a local path (plain or gzip
FASTA). Whatever the source, the result is checked nucleotide FASTA, gzipped,
written atomically; downloads land in a temporary folder beside the output that is
removed whatever happens.
"""

import contextlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import MediagenError
from ..kmers.fasta_gz import FastaSummary, fasta_file_lines, write_fasta_gz
from ..rule_job import thread_job
from . import ncbi_package
from .http_client import (
    NotFoundError,
    RateLimiter,
    RetryPolicy,
    SharedRateLimiter,
    download_file,
)

log = logging.getLogger(__name__)

GENOME_ID = re.compile(r"[A-Za-z0-9._-]+")


@dataclass(frozen=True)
class DownloadSettings:
    """The ``download:`` config section, plus where parallel jobs share their NCBI rate."""

    ncbi_base_url: str
    retries: int = 5
    backoff_seconds: float = 2.0
    timeout_seconds: float = 300.0
    requests_per_second: float = 3.0
    requests_per_second_with_key: float = 10.0
    rate_limit_file: str | None = None

    @classmethod
    def from_config(cls, section: dict, rate_limit_file: str | None = None) -> "DownloadSettings":
        known = {name: section[name] for name in cls.__dataclass_fields__ if name in section}
        return cls(**known, rate_limit_file=rate_limit_file)

    @property
    def policy(self) -> RetryPolicy:
        return RetryPolicy(self.retries, self.backoff_seconds, self.timeout_seconds)

    def ncbi_limiter(self, api_key: str | None):
        """NCBI allows 3 requests a second, 10 with an API key."""
        rate = self.requests_per_second_with_key if api_key else self.requests_per_second
        if self.rate_limit_file:
            return SharedRateLimiter(rate, self.rate_limit_file)
        return RateLimiter(rate)


def check_genome_id(genome_id: str) -> str:
    """A genome id names files: letters, digits, '.', '_', '-' only, never '.' or '..'."""
    if not GENOME_ID.fullmatch(genome_id) or genome_id in (".", ".."):
        raise MediagenError(
            f"genome_id {genome_id!r} may hold only letters, digits, '.', '_' and '-'; "
            "fix it in the genome sheet"
        )
    return genome_id


def fetch_genome(genome_id: str, source: str, destination: str | Path,
                 settings: DownloadSettings, api_key: str | None = None) -> FastaSummary:
    """Write ``source``'s genome to ``destination`` (a ``.fna.gz``), checked and atomic."""
    check_genome_id(genome_id)
    destination = Path(destination)
    label = f"genome {genome_id} ({source})"
    if ncbi_package.is_assembly_accession(source):
        summary = _fetch_ncbi(source, destination, settings, api_key, label)
    elif source.startswith(("http://", "https://")):
        summary = _fetch_url(source, destination, settings, label)
    else:
        if not Path(source).is_file():
            raise MediagenError(f"{label}: no such file; fix the source in the genome sheet")
        with fasta_file_lines(source, label) as lines:
            summary = write_fasta_gz(lines, destination, label)
    log.info("%s: wrote %s (%d records, %d sequence bytes)", label, destination,
             summary.records, summary.sequence_bytes)
    return summary


def download_genome_job(rule: str, log_file: str, genome_id: str, source: str,
                        destination: str, download_config: dict, rate_limit_file: str) -> None:
    """The ``download_genome`` rule's job, in a thread of Snakemake's process. How to fetch
    comes from the config's ``download:`` section; ``NCBI_API_KEY`` from the environment."""
    with thread_job(rule, log_file):
        settings = DownloadSettings.from_config(download_config, rate_limit_file=rate_limit_file)
        fetch_genome(genome_id, source, destination, settings,
                     api_key=os.environ.get("NCBI_API_KEY") or None)


def _fetch_ncbi(accession, destination, settings, api_key, label) -> FastaSummary:
    url = ncbi_package.package_url(settings.ncbi_base_url, accession)
    with _scratch_folder(destination) as scratch:
        package = scratch / "package.zip"
        log.info("%s: requesting %s", label, url)
        try:
            download_file(url, package, policy=settings.policy,
                          limiter=settings.ncbi_limiter(api_key),
                          headers=ncbi_package.request_headers(api_key))
        except NotFoundError:
            raise MediagenError(
                f"{label}: NCBI does not know assembly {accession} (HTTP 404 from {url}); "
                "check the accession in the genome sheet"
            ) from None
        log.info("%s: received %.1f MB", label, package.stat().st_size / 1e6)
        with ncbi_package.genomic_fasta_lines(package, accession) as lines:
            return write_fasta_gz(lines, destination, label)


def _fetch_url(url, destination, settings, label) -> FastaSummary:
    with _scratch_folder(destination) as scratch:
        download = scratch / "download"
        log.info("%s: requesting %s", label, url)
        download_file(url, download, policy=settings.policy)
        with fasta_file_lines(download, label) as lines:
            return write_fasta_gz(lines, destination, label)


@contextlib.contextmanager
def _scratch_folder(destination: Path) -> Iterator[Path]:
    """A temporary folder beside ``destination``, removed on exit whatever happens."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=destination.parent,
                                     prefix=f".{destination.name}.") as folder:
        yield Path(folder)
