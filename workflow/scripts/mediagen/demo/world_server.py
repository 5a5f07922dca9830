"""The MediaDive world on loopback: a MediaDive and an NCBI Datasets server, in-process.

    with serve_world(snapshot_folder, seed=1, n_species=40) as world:
        world.mediadive_url    # http://127.0.0.1:<port>/rest          (mediadive.base_url)
        world.ncbi_url         # http://127.0.0.1:<port>/datasets/v2   (download.ncbi_base_url)
        world.records          # what MediaDive serves (world_snapshot.WorldRecords)
        world.ncbi             # the reference genomes (world_ncbi.NcbiWorld)

The MediaDive server answers the REST API's requests from the snapshot folder: ``media``
and ``ingredients`` (lists, paged with ``limit`` and ``offset``), ``medium-composition/{id}``,
``medium-strains/{id}`` (the thinned records) and ``ingredient/{id}``, HTTP 404 where the
snapshot has nothing. The NCBI server answers
``genome/taxon/{name}/dataset_report``, ``genome/accession/{accession}/download`` and
``taxonomy/taxon/{taxid,...}/dataset_report`` (HTTP 404 for a name, accession or every
taxid the world lacks). Both listen on 127.0.0.1 on ports the
system picks, on threads of the calling process, until the ``with`` block ends; each
server counts the requests per path (``requests``, a Counter).
"""

import contextlib
import json
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from ..catalog.lineage import read_genus_lineages
from .world_ncbi import NcbiWorld
from .world_snapshot import WorldRecords, load_world_records

log = logging.getLogger(__name__)

Answer = tuple[int, str, bytes]  # status, content type, body
JSON = "application/json"


def _json(status: int, payload) -> Answer:
    return status, JSON, json.dumps(payload).encode()


NOT_FOUND = _json(404, {"status": 404, "msg": "not found"})


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 whose answers come from ``answer(path, query)``."""

    def __init__(self, answer: Callable[[str, dict], Answer]):
        self.answer = answer
        self.requests: Counter = Counter()
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.1,),
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def count(self, path: str) -> None:
        with self._lock:
            self.requests[path] += 1

    def __enter__(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


def _handler(server: LoopbackServer):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the name http.server calls)
            split = urlsplit(self.path)
            server.count(split.path)
            try:
                status, content_type, body = server.answer(split.path, parse_qs(split.query))
            except Exception as exc:  # an answer that fails is the server's error, said so
                log.exception("%s: %s", self.path, exc)
                status, content_type, body = _json(500, {"error": str(exc)})
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up

        def log_message(self, format, *args):
            pass

    return Handler


def mediadive_answer(records: WorldRecords, prefix: str = "/rest"):
    """MediaDive's REST answers from the world's records and the snapshot folder."""
    by_medium = {medium: json.dumps({"status": 200, "count": len(r), "data": r}).encode()
                 for medium, r in records.strains.items()}
    lists = {"media": records.media, "ingredients": [
        json.loads(file.read_text())["data"]
        for file in sorted((records.folder / "ingredient").glob("*.json"))]}

    def answer(path: str, query: dict) -> Answer:
        parts = path.removeprefix(prefix).strip("/").split("/")
        if len(parts) == 1 and parts[0] in lists:
            listed = lists[parts[0]]
            offset = int(query.get("offset", ["0"])[0])
            limit = int(query.get("limit", [str(len(listed))])[0])
            page = listed[offset:offset + limit]
            return _json(200, {"status": 200, "count": len(listed), "data": page})
        if len(parts) != 2:
            return NOT_FOUND
        endpoint, key = parts
        if endpoint == "medium-strains":
            body = by_medium.get(key)
            return NOT_FOUND if body is None else (200, JSON, body)
        if endpoint in ("medium-composition", "ingredient") and "." not in key:
            file = records.folder / endpoint / f"{key}.json"
            return (200, JSON, file.read_bytes()) if file.is_file() else NOT_FOUND
        return NOT_FOUND

    return answer


def ncbi_answer(ncbi: NcbiWorld, prefix: str = "/datasets/v2"):
    """NCBI Datasets v2 answers: taxon dataset reports, genome packages and taxonomy reports."""

    def answer(path: str, query: dict) -> Answer:
        parts = path.removeprefix(prefix).strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["genome", "taxon"] and parts[3] == "dataset_report":
            report = ncbi.dataset_report(unquote(parts[2]))
            return NOT_FOUND if report is None else _json(200, report)
        if len(parts) == 4 and parts[:2] == ["taxonomy", "taxon"] and parts[3] == "dataset_report":
            page = ncbi.taxonomy_report(unquote(parts[2]).split(","))
            return NOT_FOUND if page is None else _json(200, page)
        if len(parts) == 4 and parts[:2] == ["genome", "accession"] and parts[3] == "download":
            package = ncbi.genome_package(parts[2])
            return NOT_FOUND if package is None else (200, "application/zip", package)
        return NOT_FOUND

    return answer


@dataclass
class World:
    records: WorldRecords
    ncbi: NcbiWorld
    mediadive: LoopbackServer
    ncbi_server: LoopbackServer

    @property
    def mediadive_url(self) -> str:
        return self.mediadive.url + "/rest"

    @property
    def ncbi_url(self) -> str:
        return self.ncbi_server.url + "/datasets/v2"


@contextlib.contextmanager
def serve_world(folder: str | Path, *, seed: int, n_species: int | None = None,
                media: str = "all", lineage_table: str | Path | None = None
                ) -> Iterator[World]:
    """Serve the world of a snapshot folder (see the module doc) until the block ends;
    ``lineage_table`` places the genera in the tree (``lineage.read_genus_lineages``)."""
    records = load_world_records(folder, seed=seed, n_species=n_species, media=media)
    lineages = read_genus_lineages(lineage_table) if lineage_table else None
    ncbi = NcbiWorld(records.species, records.taxids, seed, lineages)
    with (LoopbackServer(mediadive_answer(records)) as mediadive,
          LoopbackServer(ncbi_answer(ncbi)) as ncbi_server):
        log.info("MediaDive world: %d media, %d species (%d with a reference genome) at %s "
                 "and %s", len(records.media), len(records.species), len(ncbi.accessions),
                 mediadive.url, ncbi_server.url)
        yield World(records, ncbi, mediadive, ncbi_server)
