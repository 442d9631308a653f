"""What went wrong in an attempt, worded: each failure names the option to fix, and never quotes a library.

http.client, ssl and socket put whatever they like in their messages: URLs, sometimes the bytes they choked
on. Here each library function the transport calls fails at its own step with a secret-looking MARKER in its
message, and the TransportError must carry neither the marker nor the library exception as its cause or
visible context (so no traceback shows it). Malformed and dropped answers from the hostile endpoint too.
"""

from __future__ import annotations

import pytest
from entra_emulator import defaults as d
from library_errors import MARKER, assert_clean, raiser
from transport_calls import (
    TIMEOUT,
    failure,
    failure_of,
    post,
)

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import TransportError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.client import TokenClient
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import build_token_request


@pytest.mark.parametrize(("behaviour", "retryable"), [
    ({"raw_response": "garbage instead of HTTP\r\n\r\n"}, False),
    ({"raw_response": "\x16\x03\x01\x00\x05hello"}, False),
    ({"headers": [["X-Huge", "h" * 70000]]}, False),
    ({"headers": [[f"X-{i}", "v"] for i in range(150)]}, False),
    ({"raw_response": "HTTP/1.1 200 OK\r\n" + "X: y\r\n" * 200}, False),
], ids=["garbage", "binary", "huge-header-line", "too-many-headers", "endless-headers-then-close"])  # fmt: skip
def test_malformed_http_fails_clearly(hostile, behaviour, retryable):
    error, elapsed = failure(lambda: post(hostile, behaviour))
    assert error.option == "authority_host" and error.retryable is retryable
    assert "well-formed HTTP" in str(error)
    assert elapsed < TIMEOUT


@pytest.mark.parametrize("behaviour", [
    {"close": "before_response"},
    {"close": "mid_body", "body_size": 10000},
    {"close": "mid_body", "body_size": 10000, "chunked": True},
    {"content_length": 5000},
    {"raw_response": "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"a\""},
], ids=["before-response", "mid-body", "mid-chunked-body", "lying-length", "short-raw"])  # fmt: skip
def test_a_dropped_or_short_answer_is_a_retryable_connection_error(hostile, behaviour):
    error = failure_of(lambda: post(hostile, behaviour))
    assert error.option == "authority_host" and error.retryable and "dropped the connection" in str(error)


# --------------------------------------------------------------------------------------------- library failures

class NativePanic(BaseException):
    """Like pyo3's PanicException: a BaseException that is not an Exception."""


def transport_errors():
    """name: (what to patch, the exception it raises, option, words the message must hold).

    Each library entry point the transport calls fails, with the MARKER in its text, at its own step:
    resolving, connecting, the proxy tunnel, the TLS handshake, sending, the status line and headers, the body.
    """
    import http.client
    import socket
    import ssl

    return {
        "certificate": ("ssl.SSLContext.wrap_socket", ssl.SSLCertVerificationError(1, MARKER), "ca_path",
                        ("validate_certs", "ca_path")),
        "handshake": ("ssl.SSLContext.wrap_socket", ssl.SSLError(1, MARKER), "authority_host", ("TLS 1.2",)),
        "handshake-eof": ("ssl.SSLContext.wrap_socket", ssl.SSLEOFError(8, MARKER), "authority_host",
                          ("dropped the connection",)),
        "proxy": ("http.client.HTTPConnection._tunnel", OSError(f"Tunnel connection failed: 407 {MARKER}"),
                  "authority_host", ("HTTPS_PROXY", "HTTP 407")),
        "resolve": ("socket.getaddrinfo", socket.gaierror(-2, MARKER), "authority_host", ("authority_host", "DNS")),
        "connect-timeout": ("socket.socket.connect", TimeoutError(MARKER), "timeout", ("timeout",)),
        "connect-refused": ("socket.socket.connect", ConnectionRefusedError(111, MARKER), "authority_host",
                            ("authority_host", "HTTPS_PROXY")),
        "invalid-url": ("http.client.HTTPConnection.putrequest", http.client.InvalidURL(MARKER), "authority_host",
                        ("authority_host",)),
        "send-reset": ("http.client.HTTPConnection.send", ConnectionResetError(104, MARKER), "authority_host",
                       ("dropped the connection",)),
        "read-timeout": ("http.client.HTTPConnection.getresponse", TimeoutError(MARKER), "timeout", ("timeout",)),
        "status-line": ("http.client.HTTPConnection.getresponse", http.client.BadStatusLine(MARKER),
                        "authority_host", ("well-formed HTTP",)),
        "header-line": ("http.client.HTTPConnection.getresponse", http.client.LineTooLong(MARKER),
                        "authority_host", ("well-formed HTTP",)),
        "too-many-headers": ("http.client.HTTPConnection.getresponse", http.client.HTTPException(MARKER),
                             "authority_host", ("well-formed HTTP",)),
        "body-incomplete": ("http.client.HTTPResponse.read", http.client.IncompleteRead(MARKER.encode()),
                            "authority_host", ("dropped the connection",)),
        "body-unexpected": ("http.client.HTTPResponse.read", RuntimeError(MARKER), "authority_host",
                            ("RuntimeError", "authority_host")),
        "native-panic": ("ssl.SSLContext.wrap_socket", NativePanic(MARKER), "authority_host", ("NativePanic",)),
    }  # fmt: skip


@pytest.mark.parametrize("name", list(transport_errors()))
@pytest.mark.parametrize("retries", [0, 1])
def test_transport_errors_are_reworded(monkeypatch, hostile, name, retries):
    import http.client

    target, exc, option, words = transport_errors()[name]
    tenant = hostile.tenant({})
    if name == "proxy":
        # The proxy's password is the MARKER too: it must never be echoed.
        monkeypatch.setenv("HTTPS_PROXY", f"http://user:{MARKER}@{hostile.authority_host.split('//')[1]}")
        monkeypatch.setattr(http.client.HTTPConnection, "_tunnel", lambda self: None)
    monkeypatch.setattr(target, raiser(exc))
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    client, request_target = token_client(retries=retries, tenant_id=tenant, authority_host=hostile.authority_host,
                                          ca_path=hostile.ca_path)  # fmt: skip
    with pytest.raises(TransportError) as caught:
        client.acquire(request_target)
    assert_clean(caught.value, option)
    for word in words:
        assert word in str(caught.value)
    assert d.CLIENT_SECRET not in str(caught.value)
    if caught.value.retryable and retries:
        assert "Gave up after 2 attempts." in str(caught.value)


def token_client(retries=0, **options):
    base = {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "client_secret": d.CLIENT_SECRET,
            "authority_host": "https://127.0.0.1:9", "scope": [d.GRAPH_SCOPE], "retries": retries}
    base.update(options)
    request, target = build_token_request(base, {})
    return TokenClient(request), target


@pytest.mark.parametrize("behaviour", [
    {"raw_response": f"{MARKER} is no HTTP\r\n\r\n"},
    {"gzip": True, "body": f'{{"error": "{MARKER}"}}'},
    {"headers": [["X-Marker", MARKER * 3000]]},
    {"close": "mid_body", "body": f'{{"error": "{MARKER}", "padding": "{"x" * 400}"}}'},
], ids=["garbage", "gzip", "huge-header", "mid-body"])  # fmt: skip
def test_hostile_answers_are_reworded(hostile, behaviour):
    """What a hostile endpoint sends (the MARKER) is never quoted by a transport failure."""
    tenant = hostile.tenant(behaviour)
    client, target = token_client(tenant_id=tenant, authority_host=hostile.authority_host, ca_path=hostile.ca_path)
    with pytest.raises(TransportError) as caught:
        client.acquire(target)
    assert_clean(caught.value, "authority_host")
