"""HTTP with retries, backoff and a request-rate limit, for NCBI and MediaDive.

Transient failures (HTTP 429 and 5xx, timeouts, refused or dropped connections,
a body shorter than its Content-Length) are retried with exponential backoff,
honouring ``Retry-After``. Other HTTP errors fail at once with a message naming
the URL (HTTP 404 as ``NotFoundError``, so callers can name what was not found).
Downloads stream to a temporary file renamed only when complete.

Rate limits: ``RateLimiter`` spaces the requests of one process;
``SharedRateLimiter`` spaces those of every process sharing a state file, as
Snakemake runs each download job in a process of its own.
"""

import fcntl
import http.client
import io
import logging
import shutil
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .. import __version__
from ..atomic import atomic_path
from ..errors import MediagenError

log = logging.getLogger(__name__)

USER_AGENT = f"mediagen/{__version__} (+https://github.com/mediagen)"
TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 5
    backoff_seconds: float = 2.0
    timeout_seconds: float = 60.0

    def wait(self, attempt: int, retry_after: str | None = None) -> float:
        if retry_after and retry_after.isdigit():
            return float(retry_after)
        return self.backoff_seconds * 2**attempt


class RateLimiter:
    """At most ``requests_per_second`` request starts, across threads."""

    def __init__(self, requests_per_second: float):
        self.interval = 1.0 / requests_per_second
        self._next = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> None:
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            time.sleep(delay)


class SharedRateLimiter:
    """At most ``requests_per_second`` request starts across processes sharing ``state_file``.

    The file holds the wall-clock time of the next free slot; each call takes the
    slot under an exclusive lock, moves it one interval on, and sleeps until its slot.
    """

    def __init__(self, requests_per_second: float, state_file: str | Path):
        self.interval = 1.0 / requests_per_second
        self.state_file = Path(state_file)

    def __call__(self) -> None:
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.state_file, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            try:
                next_free = float(handle.read() or 0.0)
            except ValueError:
                next_free = 0.0  # a damaged state file only costs one unspaced request
            now = time.time()
            handle.seek(0)
            handle.truncate()
            handle.write(repr(max(now, next_free) + self.interval))
        if next_free > now:
            time.sleep(next_free - now)


class HTTPStatusError(MediagenError):
    """A final HTTP error status (not one worth retrying), kept in ``status``."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class NotFoundError(HTTPStatusError):
    """HTTP 404: the accession, id or URL does not exist."""


class TransientError(Exception):
    def __init__(self, reason: str, retry_after: str | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


def _request(url: str, headers: dict | None) -> urllib.request.Request:
    return urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **(headers or {})})


def _copy_checked(response, handle) -> None:
    """Copy the body, failing as transient if it ends short of Content-Length."""
    expected = response.headers.get("Content-Length")
    written = 0
    while chunk := response.read(1 << 20):
        handle.write(chunk)
        written += len(chunk)
    if expected is not None and written != int(expected):
        raise TransientError(f"body truncated: {written} of {expected} bytes")


def _with_retries(url, policy, limiter, attempt_once):
    for attempt in range(policy.retries + 1):
        if limiter is not None:
            limiter()
        try:
            return attempt_once()
        except urllib.error.HTTPError as exc:
            if exc.code not in TRANSIENT_STATUS:
                error = NotFoundError if exc.code == 404 else HTTPStatusError
                raise error(_http_error_message(url, exc.code), exc.code) from None
            failure = TransientError(f"HTTP {exc.code}", exc.headers.get("Retry-After"))
        except TransientError as exc:
            failure = exc
        except (urllib.error.URLError, TimeoutError, ConnectionError,
                http.client.HTTPException) as exc:
            failure = TransientError(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}")
        if attempt == policy.retries:
            break
        delay = policy.wait(attempt, failure.retry_after)
        log.warning("%s: %s; retry %d/%d in %.1f s", url, failure, attempt + 1,
                    policy.retries, delay)
        time.sleep(delay)
    raise MediagenError(f"{url}: failed after {policy.retries + 1} attempts ({failure}); "
                        "check the network or try again later")


def _http_error_message(url: str, code: int) -> str:
    if code == 404:
        return f"{url}: not found (HTTP 404); check the accession, id or URL"
    if code in (401, 403):
        return f"{url}: access refused (HTTP {code}); check the API key or permissions"
    return f"{url}: HTTP {code}"


def fetch_bytes(url: str, *, policy: RetryPolicy = RetryPolicy(), limiter=None,
                headers: dict | None = None) -> bytes:
    """The whole body of ``url``; http(s) and file URLs."""
    def once() -> bytes:
        buffer = io.BytesIO()
        with urllib.request.urlopen(_request(url, headers), timeout=policy.timeout_seconds) as r:
            _copy_checked(r, buffer)
        return buffer.getvalue()

    return _with_retries(url, policy, limiter, once)


def download_file(url: str, destination: str | Path, *, policy: RetryPolicy = RetryPolicy(),
                  limiter=None, headers: dict | None = None) -> Path:
    """Stream ``url`` into ``destination`` atomically; nothing partial is ever left."""
    destination = Path(destination)

    def once() -> Path:
        request = _request(url, headers)
        with (
            atomic_path(destination) as tmp,
            urllib.request.urlopen(request, timeout=policy.timeout_seconds) as response,
            open(tmp, "wb") as handle,
        ):
            _copy_checked(response, handle)
        return destination

    return _with_retries(url, policy, limiter, once)


def copy_local(source: str | Path, destination: str | Path) -> Path:
    """Copy a local file atomically (the ``source`` column may be a path)."""
    source = Path(source)
    if not source.is_file():
        raise MediagenError(f"{source}: no such file; fix the path in the genome sheet")
    with atomic_path(destination) as tmp:
        shutil.copyfile(source, tmp)
    return Path(destination)
