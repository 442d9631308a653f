"""Calls to the transport that the tests of each of its modules share (tests/unit/.../_transport).

Each call runs bounded (a test fails rather than hangs the suite when a deadline does not hold), and a
failure comes back with how long it took, checked to carry neither a library cause nor the form's secret.
"""

from __future__ import annotations

import threading
import time
import tracemalloc
from contextlib import contextmanager

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import TransportError
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import http as _http

TIMEOUT = 1.5
SLACK = 2.0  # generous: a loaded 2-core CI machine schedules threads late; unbounded cases run for ever
MiB = 1 << 20
FORM = {"client_id": "app", "client_secret": "s3cret+/=&value", "grant_type": "client_credentials"}
# Every variable the transport reads: each test starts without them.
TRANSPORT_ENVIRONMENT = ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy",
                         "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")  # fmt: skip


def url(endpoint, tenant: str, v1: bool = False) -> str:
    return f"{endpoint.authority_for(tenant)}/{tenant}/oauth2/{'' if v1 else 'v2.0/'}token"


def post(endpoint, behaviour: dict, timeout: float = TIMEOUT, verify=None, **kwargs):
    tenant = endpoint.tenant(behaviour)
    return _http.post_form(url(endpoint, tenant), FORM, timeout=timeout,
                           verify=endpoint.ca_path if verify is None else verify, **kwargs)  # fmt: skip


def bounded(call, limit: float = 60.0):
    """Run ``call`` in a thread and fail, rather than hang the suite, if it outlives ``limit`` seconds."""
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # handed back to the test's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(limit)
    assert not worker.is_alive(), f"still running after {limit:g} seconds: the deadline does not hold"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def failure_of(call) -> TransportError:
    return failure(call)[0]


def failure(call) -> tuple[TransportError, float]:
    started = time.monotonic()
    with pytest.raises(TransportError) as caught:
        bounded(call)
    elapsed = time.monotonic() - started
    error = caught.value
    assert error.__cause__ is None and (error.__suppress_context__ or error.__context__ is None)
    assert "s3cret" not in str(error) and "Traceback" not in str(error)
    return error, elapsed


def closed_connections(endpoint, tenant: str, wait: float = 5.0) -> list[dict]:
    """The tenant's connections once the server has seen each one close."""
    deadline = time.monotonic() + wait
    while True:
        connections = endpoint.connections(tenant)
        if all(connection["seconds"] is not None for connection in connections) or time.monotonic() > deadline:
            return connections
        time.sleep(0.05)


@contextmanager
def peak_allocation():
    tracemalloc.start()
    peak = {}
    try:
        yield peak
    finally:
        peak["bytes"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
