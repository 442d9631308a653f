"""The attempt's deadline holds whatever the endpoint does: trickles, stalls, slow DNS; no thread outlives it."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from transport_calls import (
    FORM,
    SLACK,
    TIMEOUT,
    closed_connections,
    failure,
    post,
    url,
)

from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import http as _http
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.deadline import (
    Deadline,
    Expired,
    Watchdog,
    resolve,
)


@pytest.mark.parametrize("behaviour", [
    {"trickle_body": 0.2, "body": "x" * 200},
    {"trickle_headers": 0.2, "headers": [[f"X-{i}", "v"] for i in range(40)]},
    {"stall": "accept"},
    {"stall": "handshake", "trickle_handshake": 0.2},
    {"stall": "request"},
    {"delay": 30},
    {"chunked": True, "endless": True, "trickle_body": 0.2},
    {"body_size": 100, "content_length": False, "trickle_body": 0.2},
], ids=["trickled-body", "trickled-headers", "stall-accept", "trickled-handshake", "stall-request", "delay",
        "endless-trickled-chunks", "trickled-close-delimited"])  # fmt: skip
def test_the_timeout_bounds_the_whole_attempt(hostile, behaviour):
    tenant = hostile.tenant(behaviour)
    error, elapsed = failure(lambda: _http.post_form(url(hostile, tenant), FORM, timeout=TIMEOUT,
                                                     verify=hostile.ca_path))  # fmt: skip
    assert error.option == "timeout" and error.retryable and error.reason == "timeout"
    assert f"within {TIMEOUT:g} seconds" in str(error)
    assert TIMEOUT - 0.05 <= elapsed <= TIMEOUT + SLACK, elapsed
    # The server saw the client hang up at the deadline (so no socket was left open behind the error).
    (connection,) = closed_connections(hostile, tenant)
    assert connection["closed_by"] == "client" and TIMEOUT - 0.05 <= connection["seconds"] <= TIMEOUT + SLACK


def test_a_slow_answer_within_the_timeout_succeeds(hostile):
    assert post(hostile, {"delay": 0.3, "trickle_body": 0.01, "body": '{"ok": true}'}).body == b'{"ok": true}'


def test_name_resolution_is_bounded_too(monkeypatch):
    """getaddrinfo ignores socket timeouts: it runs in a daemon thread that the attempt stops waiting for."""
    release = threading.Event()
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: release.wait(30) and [])
    try:
        error, elapsed = failure(lambda: _http.post_form("https://login.example.test/t/oauth2/v2.0/token", FORM,
                                                         timeout=TIMEOUT, verify=False))  # fmt: skip
    finally:
        release.set()
    assert error.option == "timeout" and TIMEOUT - 0.05 <= elapsed <= TIMEOUT + SLACK


def test_no_watchdog_or_timer_thread_outlives_its_attempt(hostile):
    before = threading.active_count()
    for _request in range(5):
        post(hostile, {})
    failure(lambda: post(hostile, {"stall": "request"}, timeout=0.3))
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= before


# --------------------------------------------------------------------------------------------- the pieces


def test_the_deadline_counts_down_then_expires():
    deadline = Deadline(0.2)
    assert 0 < deadline.remaining() <= 0.2 and not deadline.expired
    time.sleep(0.25)
    assert deadline.expired
    with pytest.raises(Expired):
        deadline.remaining()


def test_the_watchdog_ends_a_blocked_read_at_the_deadline():
    """A read with no socket timeout would wait for ever; the watchdog's shutdown ends it."""
    ours, theirs = socket.socketpair()
    watchdog = Watchdog(Deadline(0.3))
    try:
        watchdog.watch(ours)
        started = time.monotonic()
        assert ours.recv(1) == b""  # shut down: the read returns, empty
        assert 0.25 <= time.monotonic() - started <= 0.3 + SLACK
        with pytest.raises(Expired):
            watchdog.watch(theirs)  # too late to start anything else
    finally:
        watchdog.stop()
        ours.close()
        theirs.close()


def test_a_stopped_watchdog_shuts_nothing_down_and_watches_nothing_more():
    ours, theirs = socket.socketpair()
    watchdog = Watchdog(Deadline(0.1))
    try:
        watchdog.watch(ours)
        watchdog.stop()
        time.sleep(0.2)
        theirs.sendall(b"x")
        assert ours.recv(1) == b"x", "the connection outlives its attempt, for keep-alive"
        with pytest.raises(Expired):
            watchdog.watch(ours)
    finally:
        ours.close()
        theirs.close()


def test_an_ip_literal_is_resolved_without_a_lookup_thread(monkeypatch):
    started = []
    monkeypatch.setattr(threading.Thread, "start", lambda self: started.append(self.name))
    assert resolve("127.0.0.1", 443, Deadline(1))[0][4] == ("127.0.0.1", 443)
    assert started == []


def test_a_lookup_error_reaches_the_caller(monkeypatch):
    def fails(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fails)
    with pytest.raises(socket.gaierror):
        resolve("login.example.test", 443, Deadline(5))
