"""Each taxon's lineage from NCBI's taxonomy, looked up once and kept on disk.

The NCBI Datasets v2 API answers
``GET {base}/taxonomy/taxon/{taxid},{taxid},.../dataset_report?page_size=N`` (up to 1,000
taxa a page) with ``{"reports": [...], "total_count"}``: one report per taxid asked,
``{"query": ["562"], "taxonomy": {"tax_id", "rank", "current_scientific_name",
"classification": {"domain" (formerly "superkingdom"), "phylum", "class", "order",
"family", "genus", "species": {"name", "id"}}, ...}}``, and for a taxid NCBI lacks a
report with ``errors`` and no ``taxonomy``. A request naming no taxid NCBI knows may
answer HTTP 400 or 404 instead, read the same way. A replaced taxid answers its successor's
report, matched to what was asked by ``query``.

Taxids are asked ``BATCH`` to a request, on a few threads under NCBI's request rate (shared
with the other NCBI requests through the rate-limit file), and every taxid's answer is kept
in ``CACHE/<source>/<taxid>.json`` (one folder per base URL), so a re-run asks nothing
again.
"""

import json
import logging
from pathlib import Path

from ..atomic import atomic_write_text
from ..catalog.lineage import RANKS
from .genome_download import DownloadSettings
from .mediadive import run_in_pool, source_folder
from .ncbi_reference import ncbi_json

BATCH = 100  # taxids per request: a short URL, well under the API's page of 1,000
UNKNOWN_TAXID = {"unknown_taxid": True}

log = logging.getLogger(__name__)


def taxonomy_report_url(base_url: str, taxids: list[str]) -> str:
    return (f"{base_url.rstrip('/')}/taxonomy/taxon/{','.join(taxids)}/dataset_report"
            f"?page_size={len(taxids)}")


def report_lineage(report: dict) -> dict[str, str]:
    """The lineage (rank -> name, ``RANKS``) of one taxonomy report; {} for none."""
    classification = (report.get("taxonomy") or {}).get("classification") or {}
    lineage = {}
    for rank in RANKS:
        taxon = classification.get(rank) or (
            classification.get("superkingdom") if rank == "domain" else None) or {}
        if name := str(taxon.get("name") or "").strip():
            lineage[rank] = name
    return lineage


def reports_by_query(page: dict, taxids: list[str]) -> dict[str, dict]:
    """taxid asked -> its report, for the taxids of ``taxids`` the page has a taxonomy of."""
    found = {}
    for report in page.get("reports") or []:
        taxonomy = report.get("taxonomy")
        if not taxonomy:
            continue  # a taxid NCBI does not know: its report holds only errors
        for query in report.get("query") or [taxonomy.get("tax_id")]:
            if str(query) in taxids:
                found[str(query)] = report
    return found


def fetch_batch(taxids: list[str], settings: DownloadSettings, cache_dir: Path, limiter,
                api_key: str | None = None) -> None:
    """Ask NCBI for a batch of taxids and keep each one's report (or that it has none)."""
    url = taxonomy_report_url(settings.ncbi_base_url, taxids)
    page = ncbi_json(url, settings, limiter, api_key) or {}
    found = reports_by_query(page, taxids)
    for taxid in taxids:
        atomic_write_text(cache_dir / f"{taxid}.json", json.dumps(found.get(taxid,
                                                                              UNKNOWN_TAXID)))


def taxonomy_lineages(taxids: list[str], settings: DownloadSettings, cache_root: str | Path,
                      *, api_key: str | None = None, concurrency: int = 4,
                      batch_size: int = BATCH) -> dict[str, dict[str, str]]:
    """taxid -> its lineage at NCBI, for the taxids NCBI knows (others are left out)."""
    cache_dir = source_folder(cache_root, settings.ncbi_base_url)
    wanted = sorted({str(taxid) for taxid in taxids if str(taxid).isdigit()})
    missing = [taxid for taxid in wanted if not (cache_dir / f"{taxid}.json").is_file()]
    limiter = settings.ncbi_limiter(api_key)
    run_in_pool(lambda batch: fetch_batch(batch, settings, cache_dir, limiter, api_key),
                [missing[i:i + batch_size] for i in range(0, len(missing), batch_size)],
                concurrency, "NCBI taxonomy lookups")
    lineages = {}
    for taxid in wanted:
        if lineage := report_lineage(json.loads((cache_dir / f"{taxid}.json").read_text())):
            lineages[taxid] = lineage
    log.info("NCBI taxonomy: %d of %d taxids have a lineage (%d asked now)", len(lineages),
             len(wanted), len(missing))
    return lineages
