"""A real HTTP server on 127.0.0.1 for download tests, with scripted responses and faults.

Tests give each path a list of responses served in order (the last one repeats), and
can make any of them misbehave the way real servers do:

    from loopback_http import LoopbackServer, Response

    with LoopbackServer() as server:
        server.route("/genome/x", Response(status=500), Response(body=b"ok"))
        server.route("/slow", Response(delay=2.0), Response(body=b"late but fine"))
        fetch(server.url + "/genome/x?a=1")
        assert server.requests_for("/genome/x")[0].query == {"a": ["1"]}

``Response`` fields:
    status   HTTP status (default 200)
    body     bytes sent (``Response.json(obj)`` builds a JSON body and content type)
    headers  extra response headers; Content-Length is always set from the body
    delay    seconds to wait before answering (longer than the client's timeout => timeout)
    truncate send a Content-Length larger than the body, send the body, then close
    drop     close the connection without sending any response

``LoopbackServer``:
    url               base URL, ``http://127.0.0.1:<port>`` (port chosen by the OS)
    route(path, *responses)   set (or replace) the responses of an exact path (no query)
    requests          every request received, in order, as ``Request(method, path, query,
                      headers, body)``; ``query`` is ``parse_qs`` output, ``headers`` a dict
                      with lower-case names
    requests_for(path)        the recorded requests of one path
A path with no route answers 404.

Test modules use the server as a context manager, or the ``loopback_server`` fixture
(a started server, stopped after the test), which conftest.py registers for every module:

    def test_something(loopback_server): ...
"""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass(frozen=True)
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    truncate: bool = False
    drop: bool = False

    @classmethod
    def json(cls, payload, status: int = 200, **faults) -> "Response":
        return cls(status=status, body=json.dumps(payload).encode(),
                   headers={"Content-Type": "application/json"}, **faults)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes


NOT_FOUND = Response(status=404, body=b"no route")


class LoopbackServer:
    """A threaded HTTP server on a free loopback port; see the module docstring."""

    def __init__(self):
        self.requests: list[Request] = []
        self._routes: dict[str, list[Response]] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, *responses: Response) -> None:
        if not responses:
            raise ValueError("a route needs at least one response")
        with self._lock:
            self._routes[path] = list(responses)

    def requests_for(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _next_response(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
            queue = self._routes.get(request.path)
            if not queue:
                return NOT_FOUND
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def __enter__(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._closing.set()  # wakes handlers sleeping in a delay
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


def _handler_for(server: LoopbackServer):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self._answer()

        def do_POST(self):
            self._answer()

        def _answer(self):
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=split.path,
                query=parse_qs(split.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            response = server._next_response(request)
            self.close_connection = True
            if response.delay and server._closing.wait(response.delay):
                return
            if response.drop:
                return
            declared = len(response.body) + (1000 if response.truncate else 0)
            try:
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(declared))
                self.end_headers()
                self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test); nothing to answer

        def log_message(self, format, *args):
            pass  # quiet test output

    return Handler


@pytest.fixture(name="loopback_server")
def loopback_server_fixture():
    """A started ``LoopbackServer``, stopped after the test."""
    with LoopbackServer() as server:
        yield server

