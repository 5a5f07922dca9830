"""Candidate sheets from MediaDive's strain records, for a person to review.

MediaDive records which strains grow (or not) on each medium. Each species named there is
resolved to its NCBI reference genome with the Datasets v2 API,
``GET {base}/genome/taxon/{species}/dataset_report?filters.reference_only=true&page_size=1``
(answer: ``{"reports": [{"accession", "organism": {"tax_id", "organism_name"}, ...}]}``,
no ``reports`` when the taxon has no reference genome). The result is two sheets in the
formats of ``config/genomes.tsv`` and ``config/growth.tsv``; a strain's record stands for
its species' reference genome, hence the lower confidence. Nothing reads these sheets for
training: a person copies the rows they trust into the real sheets.
"""

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from ..atomic import atomic_write_text
from ..errors import MediagenError
from .http_client import RateLimiter, RetryPolicy, fetch_bytes
from .mediadive import MediaDiveSnapshot

log = logging.getLogger(__name__)

DOMAIN_TYPES = {"B": "bacteria", "A": "archaea"}


@dataclass(frozen=True)
class NcbiSettings:
    base_url: str
    policy: RetryPolicy
    requests_per_second: float
    api_key: str | None = None


def genome_id_for(species: str) -> str:
    """A genome id (letters, digits, '_') made from a species name."""
    return re.sub(r"[^A-Za-z0-9]+", "_", species).strip("_").lower()


def reference_genome(species: str, settings: NcbiSettings, cache_dir: Path,
                     limiter: RateLimiter) -> dict | None:
    """The first reference genome report of a species, or None; answers cached on disk."""
    cache = cache_dir / f"{genome_id_for(species)}.json"
    if cache.is_file():
        answer = json.loads(cache.read_text())
    else:
        url = (f"{settings.base_url.rstrip('/')}/genome/taxon/{quote(species, safe='')}"
               "/dataset_report?filters.reference_only=true&page_size=1")
        headers = {"Accept": "application/json"}
        if settings.api_key:
            headers["api-key"] = settings.api_key
        try:
            answer = json.loads(fetch_bytes(url, policy=settings.policy, limiter=limiter,
                                            headers=headers))
        except MediagenError as exc:
            if not re.search(r"\(HTTP (400|404)\)", str(exc)):
                raise
            answer = {}  # NCBI does not know the name
        except json.JSONDecodeError as exc:
            raise MediagenError(f"{url}: response is not valid JSON ({exc}); try again "
                                "later") from None
        atomic_write_text(cache, json.dumps(answer))
    reports = answer.get("reports") or []
    return reports[0] if reports else None


def derive_candidates(snapshot: MediaDiveSnapshot, settings: NcbiSettings, cache_dir: Path,
                      confidence: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(candidate genome sheet, candidate growth sheet) from the snapshot's strain records."""
    records = [(str(media_id), strain) for media_id, strains in snapshot.strains.items()
               for strain in strains if strain.get("species")]
    species = sorted({strain["species"].strip() for _, strain in records})
    log.info("%d strain records on %d media name %d species", len(records),
             len(snapshot.strains), len(species))
    limiter = RateLimiter(settings.requests_per_second)
    genomes, unresolved = {}, []
    for number, name in enumerate(species, start=1):
        report = reference_genome(name, settings, cache_dir, limiter)
        if report is None:
            unresolved.append(name)
        else:
            genomes[name] = report
        if number % 100 == 0 or number == len(species):
            log.info("NCBI reference genomes: %d/%d species looked up, %d found", number,
                     len(species), len(genomes))
    if unresolved:
        log.warning("%d species have no NCBI reference genome and no candidates: %s",
                    len(unresolved), ", ".join(unresolved[:20]))
    domains = {strain["species"].strip(): strain.get("domain") for _, strain in records}
    genome_rows = [
        {"genome_id": genome_id_for(name), "organism_name": name,
         "organism_type": DOMAIN_TYPES.get(str(domains.get(name)), ""),
         "taxid": str((report.get("organism") or {}).get("tax_id", "")),
         "source": report["accession"]}
        for name, report in genomes.items()
    ]
    growth_rows = {}
    for media_id, strain in records:
        name = strain["species"].strip()
        if name in genomes:
            key = (genome_id_for(name), media_id)
            growth_rows.setdefault(key, {
                "genome_id": key[0], "media_id": media_id,
                "growth": "true" if strain.get("growth") else "false",
                "confidence": confidence,
                "source": f"MediaDive strain {strain.get('ccno') or strain.get('id')}",
            })
    columns = ["genome_id", "organism_name", "organism_type", "taxid", "source"]
    return (pd.DataFrame(genome_rows, columns=columns),
            pd.DataFrame(list(growth_rows.values()),
                         columns=["genome_id", "media_id", "growth", "confidence", "source"]))


def write_sheet(path: str | Path, frame: pd.DataFrame) -> None:
    atomic_write_text(path, frame.to_csv(sep="\t", index=False))
