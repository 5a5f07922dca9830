"""A client for the MediaDive REST API (DSMZ) that keeps every response on disk.

MediaDive answers every request with a JSON envelope ``{"status", "count", "data"}``.
The endpoints read here, relative to the base URL (https://mediadive.dsmz.de/rest):

- ``media``: ``data`` is a list of media ``{id, name, complex_medium, source, link, min_pH,
  max_pH, reference, description}``; requested in pages (``limit``, ``offset``).
- ``medium-composition/{id}``: the medium flattened to its ingredients, ``data`` a list of
  ``{id, name, g_l, mmol_l, optional}`` (g per litre and mmol per litre of final medium).
- ``medium-strains/{id}``: the strains recorded on the medium, ``data`` a list of
  ``{id, species, ccno, growth, bacdive_id, domain}``.
- ``ingredients``: every ingredient, ``data`` a list of ingredient records; requested in
  pages like the media list. One request per page replaces one per ingredient.
- ``ingredient/{id}``: one ingredient, ``data`` an object with ``id``, ``name`` and, where
  known, ``ChEBI``, ``CAS-RN``, ``PubChem``, ``KEGG-Compound``, ``formula``, ``mass``,
  ``complex_compound``, ``synonyms``. Asked for only for an ingredient a composition names
  that the ingredients list lacks (or where the source has no list, as a local folder
  without ``ingredients.json``).

Medium and ingredient ids are strings (``1``, ``119a``, ``J168``). A medium with nothing
recorded answers 404 for its composition or strains; that reads as an empty list. Where a
user names a medium, the CURIE form of knowledge graphs and BacDive exports,
``mediadive.medium:1``, reads as ``1`` (``plain_medium_id``).

Each response is written atomically to its own file, ``ROOT/<source>/<endpoint>/<id>.json``
(one folder per base URL, so sources never mix), and ``ROOT/manifest.json`` lists what one
complete fetch holds. A re-run fetches nothing again and an interrupted fetch resumes where
it stopped; delete the folder to fetch afresh. Requests run on a bounded thread pool under
a request-rate limit, with the retries of ``http_client``.

The base URL may also be a local folder laid out like the API
(``FOLDER/medium-composition/1.json`` answers ``medium-composition/1``, a missing file
answers 404): the offline demo is served that way, through the same client.
"""

import hashlib
import json
import logging
import re
import shutil
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import url2pathname

from ..atomic import atomic_write_text
from ..errors import MediagenError
from .http_client import NotFoundError, RateLimiter, RetryPolicy, fetch_bytes

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
MEDIUM_ID_FORMS = "MediaDive medium ids look like 1, 381a or J168 (or mediadive.medium:1)"
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_MEDIUM_CURIE = re.compile(r"^mediadive\.medium:", re.IGNORECASE)


def api_url(base_url: str, endpoint: str, key: str | None = None,
            query: dict | None = None) -> str:
    """The URL of one request: under an http(s) base, or a JSON file in a local folder.

    A folder holds one file per resource and ignores the query (its ``media.json`` is the
    whole list, one page).
    """
    path = endpoint if key is None else f"{endpoint}/{key}"
    if not is_local(base_url):
        return f"{base_url.rstrip('/')}/{path}" + (f"?{urlencode(query)}" if query else "")
    return (Path(base_url.removeprefix("file://")).resolve() / f"{path}.json").as_uri()


def plain_medium_id(value) -> str:
    """A medium id as a user gives it (``1``, ``381a``, ``mediadive.medium:1``) as MediaDive
    spells it (``1``, ``381a``)."""
    return _MEDIUM_CURIE.sub("", str(value).strip())


def checked_id(value, what: str, where: str) -> str:
    """An id from a response, safe to use in a URL path and a file name."""
    text = str(value)
    if not _SAFE_ID.match(text):
        raise MediagenError(f"{where}: {what} id {text!r} is not a plain id (letters, digits, "
                            "'.', '_', '-'); the response looks wrong")
    return text


@dataclass
class MediaDiveClient:
    base_url: str
    cache_dir: Path
    policy: RetryPolicy = RetryPolicy()
    concurrency: int = 4
    page_size: int = 1000
    limiter: RateLimiter | None = None
    offline: bool = False  # read the cache only; a missing response is an error

    def __post_init__(self):
        self.cache_dir = Path(self.cache_dir)
        self.fetched = 0
        self.cached = 0
        self._count_lock = threading.Lock()

    def cache_file(self, endpoint: str, key: str) -> Path:
        return self.cache_dir / endpoint / f"{key}.json"

    def get(self, endpoint: str, key: str, *, url: str, missing_ok: bool = False):
        """``data`` of one response, from the cache file or else fetched and cached."""
        cache = self.cache_file(endpoint, key)
        if cache.is_file():
            self._count(cached=1)
            return self._cached(endpoint, key)
        if self.offline:
            raise MediagenError(f"{cache}: cached MediaDive response missing; run "
                                "fetch_mediadive again")
        body = self._request(url)
        envelope = {"status": 404} if body is None else read_envelope(body, url)
        if envelope["status"] == 404:
            if not missing_ok:
                raise MediagenError(f"{url}: not found ({envelope.get('msg', 'HTTP 404')}); "
                                    "check the id or mediadive.base_url")
            log.debug("%s: nothing recorded", url)
            envelope, body = {"status": 404, "count": 0, "data": []}, None
        atomic_write_text(cache, json.dumps(envelope) if body is None else body.decode())
        self._count(fetched=1)
        return envelope["data"]

    def _request(self, url: str) -> bytes | None:
        """The body of ``url``, or None where it does not exist (HTTP 404, no such file)."""
        if url.startswith("file://") and not Path(url2pathname(url[7:])).is_file():
            return None
        try:
            return fetch_bytes(url, policy=self.policy, limiter=self.limiter,
                               headers={"Accept": "application/json"})
        except NotFoundError:
            return None

    def listed(self, endpoint: str, what: str, missing_ok: bool = False) -> list[dict]:
        """Every record of a list endpoint, page by page until a page brings nothing new."""
        records: dict[str, dict] = {}
        offset = 0
        while True:
            query = {"limit": self.page_size, "offset": offset}
            url = api_url(self.base_url, endpoint, query=query)
            page = self.get(endpoint, f"offset-{offset}", url=url, missing_ok=missing_ok)
            if not isinstance(page, list):
                raise MediagenError(f"{url}: 'data' is not a list of {what} records; the "
                                    "response looks wrong")
            new = 0
            for record in page:
                key = checked_id(record.get("id"), what, url)
                if key not in records:
                    records[key] = record
                    new += 1
            if len(page) < self.page_size or new == 0:
                return list(records.values())
            offset += len(page)

    def media(self) -> list[dict]:
        return self.listed("media", "medium")

    def ingredient_list(self) -> dict[str, dict]:
        """The ingredients list, id -> record; empty where the source has none (HTTP 404),
        or where a cache written without it is read."""
        if self.offline and not self.cache_file("ingredients", "offset-0").is_file():
            return {}
        return {str(r["id"]): r for r in self.listed("ingredients", "ingredient",
                                                     missing_ok=True)}

    def fetch_all(self) -> dict:
        """Fetch the list, then each medium's composition and strains, then the ingredients.

        Returns the manifest (what was fetched); the responses are in the cache folder.
        """
        media = self.media()
        ids = [checked_id(m["id"], "medium", "media list") for m in media]
        log.info("MediaDive: %d media listed, fetching composition and strains of %d",
                 len(media), len(ids))
        per_medium = [(endpoint, medium_id) for medium_id in ids
                      for endpoint in ("medium-composition", "medium-strains")]
        self._run(per_medium, "media requests")
        ingredient_ids = sorted(
            {checked_id(item["id"], "ingredient", f"medium-composition/{medium_id}")
             for medium_id in ids for item in self._cached("medium-composition", medium_id)
             if item.get("id") is not None},
            key=_natural,
        )
        listed = self.ingredient_list()
        unlisted = [i for i in ingredient_ids if i not in listed]
        log.info("MediaDive: %d distinct ingredients, %d of them in the ingredients list, %d "
                 "asked for one by one", len(ingredient_ids), len(ingredient_ids) - len(unlisted),
                 len(unlisted))
        self._run([("ingredient", i) for i in unlisted], "ingredient requests")
        log.info("MediaDive: done, %d responses fetched, %d read from the cache",
                 self.fetched, self.cached)
        return {
            "base_url": self.base_url,
            "page_size": self.page_size,
            "media": ids,
            "ingredients": ingredient_ids,
            "listed_media": len(media),
        }

    def _cached(self, endpoint: str, key: str):
        cache = self.cache_file(endpoint, key)
        return read_envelope(cache.read_bytes(), str(cache))["data"]

    def _fetch_one(self, request: tuple[str, str]) -> None:
        endpoint, key = request
        self.get(endpoint, key, url=api_url(self.base_url, endpoint, key),
                 missing_ok=endpoint != "ingredient")

    def _run(self, requests: list[tuple[str, str]], what: str) -> None:
        """Run requests on a bounded thread pool; the first failure stops the rest."""
        run_in_pool(self._fetch_one, requests, self.concurrency, what)

    def _count(self, fetched: int = 0, cached: int = 0) -> None:
        with self._count_lock:
            self.fetched += fetched
            self.cached += cached


def run_in_pool(work: Callable, items: Iterable, concurrency: int, what: str) -> None:
    """``work(item)`` for every item on at most ``concurrency`` threads, with progress lines.

    The first exception cancels what has not started and is raised; what finished stays
    finished (each request caches itself), so a re-run resumes.
    """
    items = list(items)
    step = max(1, len(items) // 20)
    done = 0
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        pending = {pool.submit(work, item) for item in items}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for future in finished:
                if future.exception() is not None:
                    for other in pending:
                        other.cancel()
                    raise future.exception()
                done += 1
                if done % step == 0 or done == len(items):
                    log.info("%s: %d/%d", what, done, len(items))


def read_envelope(body: bytes, source: str) -> dict:
    """The parsed ``{"status", "count", "data"}`` envelope, or an error naming ``source``."""
    try:
        envelope = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MediagenError(f"{source}: response is not valid JSON ({exc}); the server sent "
                            "something else, try again later or check mediadive.base_url") from None
    if not isinstance(envelope, dict) or "data" not in envelope:
        raise MediagenError(f"{source}: response has no 'data' field; not a MediaDive answer, "
                            "check mediadive.base_url")
    status = envelope.get("status", 200)
    if status not in (200, 404, "200", "404"):
        raise MediagenError(f"{source}: MediaDive answered status {status} "
                            f"({envelope.get('msg', 'no message')})")
    envelope["status"] = int(status)
    if envelope["data"] is None:  # "nothing" written as null rather than []
        envelope["data"] = []
    return envelope


def _natural(text: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def is_local(base_url: str) -> bool:
    return not base_url.startswith(("http://", "https://"))


def local_snapshot_files(base_url: str) -> list[str]:
    """The JSON files of a local snapshot folder (none for a server)."""
    if not is_local(base_url):
        return []
    return sorted(str(p) for p in Path(base_url.removeprefix("file://")).rglob("*.json"))


def source_folder(root: str | Path, base_url: str) -> Path:
    """Where one source's responses are cached: a readable name and a hash of the URL.

    Keeping sources apart means switching ``mediadive.base_url`` (the demo folder, the real
    API) never mixes their responses.
    """
    stripped = re.sub(r"^[a-z]+://", "", base_url.rstrip("/"))
    slug = re.sub(r"[^A-Za-z0-9]+", "_", stripped).strip("_")[-40:]
    return Path(root) / f"{slug}-{hashlib.sha1(base_url.encode()).hexdigest()[:8]}"


def fetch_mediadive(base_url: str, root: str | Path, *, concurrency: int,
                    policy: RetryPolicy, page_size: int = 1000,
                    requests_per_second: float | None = None) -> dict:
    """Fetch (or resume fetching) MediaDive under ``root`` and write ``root/manifest.json``.

    A local folder is read afresh every time and without a rate limit (it costs nothing and
    may have been edited); responses from a server are kept and never fetched twice.
    """
    cache_dir = source_folder(root, base_url)
    if is_local(base_url):
        if not Path(base_url.removeprefix("file://")).is_dir():
            raise MediagenError(f"{base_url}: no such folder; set mediadive.base_url to the "
                                "MediaDive REST URL or a folder laid out like it")
        shutil.rmtree(cache_dir, ignore_errors=True)
    client = MediaDiveClient(
        base_url=base_url, cache_dir=cache_dir, policy=policy, concurrency=concurrency,
        page_size=page_size,
        limiter=(RateLimiter(requests_per_second)
                 if requests_per_second and not is_local(base_url) else None),
    )
    manifest = {"cache_dir": cache_dir.name, **client.fetch_all()}
    atomic_write_text(Path(root) / MANIFEST_NAME, json.dumps(manifest, indent=1) + "\n")
    return manifest


@dataclass
class MediaDiveSnapshot:
    """Everything one fetch brought in, read back from the cache folder."""

    media: list[dict]
    compositions: dict[str, list[dict]]
    strains: dict[str, list[dict]]
    ingredients: dict[str, dict]


def _cached_client(manifest_path: str | Path) -> tuple[MediaDiveClient, dict]:
    manifest_path = Path(manifest_path)
    if not manifest_path.is_file():
        raise MediagenError(f"{manifest_path}: MediaDive manifest not found; run the "
                            "fetch_mediadive rule first")
    manifest = json.loads(manifest_path.read_text())
    client = MediaDiveClient(base_url=manifest["base_url"],
                             cache_dir=manifest_path.parent / manifest["cache_dir"],
                             page_size=manifest["page_size"], offline=True)
    return client, manifest


def load_snapshot(manifest_path: str | Path) -> MediaDiveSnapshot:
    """Read what ``fetch_mediadive`` cached, as listed in its manifest."""
    client, manifest = _cached_client(manifest_path)
    listed = {str(m["id"]): m for m in client.media()}
    ids = manifest["media"]

    def cached(endpoint: str, key: str):
        return client.get(endpoint, key, url="")

    ingredient_list = client.ingredient_list()
    return MediaDiveSnapshot(
        media=[listed[i] for i in ids],
        compositions={i: cached("medium-composition", i) for i in ids},
        strains=_strain_records(client, ids),
        ingredients={i: ingredient_list[i] if i in ingredient_list else cached("ingredient", i)
                     for i in manifest["ingredients"]},
    )


def load_strain_records(manifest_path: str | Path) -> dict[str, list[dict]]:
    """Only the strain records of every medium (medium id -> records), as cached."""
    client, manifest = _cached_client(manifest_path)
    return _strain_records(client, manifest["media"])


def _strain_records(client: "MediaDiveClient", ids: list[str]) -> dict[str, list[dict]]:
    return {i: client.get("medium-strains", i, url="") for i in ids}
