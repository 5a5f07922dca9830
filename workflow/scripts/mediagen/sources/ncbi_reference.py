"""Each species' NCBI reference genome, looked up once and kept on disk.

The NCBI Datasets v2 API answers
``GET {base}/genome/taxon/{species}/dataset_report?filters.reference_only=true&page_size=1``
with ``{"reports": [{"accession", "organism": {"tax_id", "organism_name"}, ...}],
"total_count"}``, and with no ``reports`` when the taxon has no reference genome; a name
NCBI does not know answers HTTP 400 or 404. Every answer is kept in
``CACHE/<source>/<name>.json`` (one folder per base URL, as for MediaDive), so a re-run
asks nothing again. Requests run on a few threads under NCBI's request rate (3 a second,
10 with an API key), shared with the genome downloads through the rate-limit file.
"""

import json
import logging
import zlib
from pathlib import Path
from urllib.parse import quote

from ..atomic import atomic_write_text
from ..errors import MediagenError
from .genome_download import DownloadSettings
from .http_client import HTTPStatusError, fetch_bytes
from .mediadive import run_in_pool, source_folder
from .species_names import genome_id_for

NO_REFERENCE = "NCBI has no reference genome for the species"
UNKNOWN_NAME = "NCBI does not know the name"

log = logging.getLogger(__name__)


def taxon_report_url(base_url: str, species: str) -> str:
    return (f"{base_url.rstrip('/')}/genome/taxon/{quote(species, safe='')}"
            "/dataset_report?filters.reference_only=true&page_size=1")


def cache_file(cache_dir: Path, species: str) -> Path:
    """One file per exact name: a readable slug and a checksum of the name."""
    return cache_dir / f"{genome_id_for(species)}-{zlib.crc32(species.encode()):08x}.json"


def ncbi_json(url: str, settings: DownloadSettings, limiter,
              api_key: str | None = None) -> dict | None:
    """NCBI's JSON answer to ``url``, or None where NCBI does not know what was asked (HTTP
    400 or 404: its answer to a name or an id it lacks)."""
    headers = {"Accept": "application/json", **({"api-key": api_key} if api_key else {})}
    try:
        answer = json.loads(fetch_bytes(url, policy=settings.policy, limiter=limiter,
                                        headers=headers))
    except HTTPStatusError as exc:
        if exc.status not in (400, 404):
            raise
        return None
    except json.JSONDecodeError as exc:
        raise MediagenError(f"{url}: response is not valid JSON ({exc}); try again "
                            "later") from None
    if not isinstance(answer, dict):
        raise MediagenError(f"{url}: the answer is not a JSON object; check "
                            "download.ncbi_base_url")
    return answer


def reference_report(species: str, settings: DownloadSettings, cache_dir: Path, limiter,
                     api_key: str | None = None) -> dict | str:
    """The species' first reference genome report, or why there is none."""
    cache = cache_file(cache_dir, species)
    if cache.is_file():
        answer = json.loads(cache.read_text())
    else:
        url = taxon_report_url(settings.ncbi_base_url, species)
        answer = ncbi_json(url, settings, limiter, api_key)
        if answer is None:
            answer = {"unknown_name": True}
        atomic_write_text(cache, json.dumps(answer))
    if answer.get("unknown_name"):
        return UNKNOWN_NAME
    reports = answer.get("reports") or []
    return reports[0] if reports and reports[0].get("accession") else NO_REFERENCE


def reference_reports(species: list[str], settings: DownloadSettings, cache_root: str | Path,
                      *, api_key: str | None = None, concurrency: int = 4) -> dict:
    """species name -> its reference genome report, or the reason it has none."""
    cache_dir = source_folder(cache_root, settings.ncbi_base_url)
    limiter = settings.ncbi_limiter(api_key)
    found: dict[str, dict | str] = {}

    def look_up(name: str) -> None:
        found[name] = reference_report(name, settings, cache_dir, limiter, api_key)

    run_in_pool(look_up, species, concurrency, "NCBI reference genome lookups")
    with_genome = sum(isinstance(answer, dict) for answer in found.values())
    log.info("NCBI reference genomes: %d of %d species have one", with_genome, len(species))
    return found
