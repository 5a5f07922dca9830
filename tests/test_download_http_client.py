"""The retrying HTTP client against a real loopback server that misbehaves on purpose."""

import threading
import time

import pytest
from loopback_http import LoopbackServer, Response
from mediagen.errors import MediagenError
from mediagen.sources.http_client import (
    NotFoundError,
    RateLimiter,
    RetryPolicy,
    SharedRateLimiter,
    download_file,
    fetch_bytes,
)

FAST = RetryPolicy(retries=3, backoff_seconds=0.01, timeout_seconds=0.5)


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("fault", [
    Response(status=500),
    Response(status=503, headers={"Retry-After": "0"}),
    Response(status=429),
    Response(delay=2.0),
    Response(truncate=True, body=b"partial"),
    Response(drop=True),
], ids=["500", "503", "429", "timeout", "truncated", "dropped"])
def test_transient_fault_then_success_is_retried(loopback_server, fault):
    loopback_server.route("/data", fault, Response(body=b"complete body"))
    assert fetch_bytes(loopback_server.url + "/data", policy=FAST) == b"complete body"
    assert len(loopback_server.requests_for("/data")) == 2


def test_download_file_retries_a_truncated_body_and_keeps_only_the_whole(
        loopback_server, tmp_path):
    body = bytes(range(256)) * 100
    loopback_server.route("/file", Response(truncate=True, body=body[:1000]), Response(body=body))
    destination = tmp_path / "file.bin"
    download_file(loopback_server.url + "/file", destination, policy=FAST)
    assert destination.read_bytes() == body
    assert leftovers(tmp_path) == ["file.bin"]


def test_download_file_leaves_nothing_when_every_attempt_fails(loopback_server, tmp_path):
    loopback_server.route("/file", Response(truncate=True, body=b"never whole"))
    with pytest.raises(MediagenError, match="failed after 4 attempts"):
        download_file(loopback_server.url + "/file", tmp_path / "file.bin", policy=FAST)
    assert leftovers(tmp_path) == []
    assert len(loopback_server.requests_for("/file")) == 4


def test_not_found_fails_at_once_naming_the_url(loopback_server):
    url = loopback_server.url + "/missing/thing"
    with pytest.raises(NotFoundError, match="/missing/thing.*404"):
        fetch_bytes(url, policy=FAST)
    assert len(loopback_server.requests) == 1


def test_other_client_errors_are_not_retried(loopback_server):
    loopback_server.route("/secret", Response(status=403))
    with pytest.raises(MediagenError, match="403.*API key") as error:
        fetch_bytes(loopback_server.url + "/secret", policy=FAST)
    assert not isinstance(error.value, NotFoundError)
    assert len(loopback_server.requests) == 1


def test_retry_after_is_honoured(loopback_server):
    loopback_server.route("/busy", Response(status=429, headers={"Retry-After": "1"}),
                          Response(body=b"ok"))
    started = time.monotonic()
    fetch_bytes(loopback_server.url + "/busy", policy=FAST)
    assert time.monotonic() - started >= 0.95


def test_headers_reach_the_server(loopback_server):
    loopback_server.route("/h", Response(body=b"ok"))
    fetch_bytes(loopback_server.url + "/h?x=1&x=2", policy=FAST, headers={"api-key": "k123"})
    request = loopback_server.requests[0]
    assert request.headers["api-key"] == "k123"
    assert request.query == {"x": ["1", "2"]}
    assert request.headers["user-agent"].startswith("mediagen/")


def test_rate_limiter_spaces_threads():
    limiter = RateLimiter(requests_per_second=20)
    started = time.monotonic()
    threads = [threading.Thread(target=limiter) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started >= 5 / 20 - 0.01


def test_shared_rate_limiter_spaces_separate_limiters_sharing_a_file(tmp_path):
    state = tmp_path / "slot"
    first, second = SharedRateLimiter(20, state), SharedRateLimiter(20, state)
    started = time.monotonic()
    for _ in range(3):
        first()
        second()
    assert time.monotonic() - started >= 5 / 20 - 0.01
    lone = SharedRateLimiter(2, tmp_path / "other")
    started = time.monotonic()
    lone()
    assert time.monotonic() - started < 0.25  # a fresh slot file costs no wait (0.5 s if it did)


def test_loopback_server_serves_responses_in_order_and_repeats_the_last():
    with LoopbackServer() as server:
        server.route("/seq", Response(body=b"1"), Response(body=b"2"))
        bodies = [fetch_bytes(server.url + "/seq", policy=FAST) for _ in range(3)]
    assert bodies == [b"1", b"2", b"2"]
