"""One request and its answer: kept-alive connections, the byte cap, refused encodings, announced lengths."""

from __future__ import annotations

import pytest
from transport_calls import (
    FORM,
    TIMEOUT,
    MiB,
    failure,
    failure_of,
    peak_allocation,
    post,
    url,
)

from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import exchange as _exchange
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import http as _http


def test_connections_are_kept_alive_per_origin_and_trust(hostile):
    tenant = hostile.tenant({})
    for _request in range(3):
        _http.post_form(url(hostile, tenant), FORM, timeout=TIMEOUT, verify=hostile.ca_path)
    _http.post_form(url(hostile, tenant), FORM, timeout=TIMEOUT, verify=False)
    connections = [request["connection"] for request in hostile.received(tenant)]
    assert connections[0] == connections[1] == connections[2], "one handshake for several tokens"
    assert connections[3] != connections[0], "another trust setting never shares a connection"


def test_a_kept_alive_connection_the_server_closed_is_not_reused(hostile):
    tenant = hostile.tenant({"close": "after_response"})
    for _request in range(3):
        assert _http.post_form(url(hostile, tenant), FORM, timeout=TIMEOUT, verify=hostile.ca_path).status == 200
    connections = [request["connection"] for request in hostile.received(tenant)]
    assert len(set(connections)) == 3


def test_a_stale_connection_that_fails_while_sending_is_replaced_once(hostile, monkeypatch):
    import http.client

    tenant = hostile.tenant({})
    _http.post_form(url(hostile, tenant), FORM, timeout=TIMEOUT, verify=hostile.ca_path)
    real_send, calls = http.client.HTTPConnection.send, []

    def send_breaks_once(self, data):
        calls.append(len(data))
        if len(calls) == 1:
            raise BrokenPipeError(32, "Broken pipe")
        return real_send(self, data)

    monkeypatch.setattr(http.client.HTTPConnection, "send", send_breaks_once)
    assert _http.post_form(url(hostile, tenant), FORM, timeout=TIMEOUT, verify=hostile.ca_path).status == 200
    connections = [request["connection"] for request in hostile.received(tenant)]
    assert len(connections) == 2 and connections[0] != connections[1], "resent once, on a fresh connection"


def test_a_drop_after_the_request_was_sent_is_not_resent_silently(hostile):
    """The server may have read it: resending would replay a client assertion. The retry policy decides."""
    tenant = hostile.tenant({"sequence": [{}, {"close": "before_response"}]})
    _http.post_form(url(hostile, tenant), FORM, timeout=TIMEOUT, verify=hostile.ca_path)
    error = failure_of(lambda: _http.post_form(url(hostile, tenant), FORM, timeout=TIMEOUT, verify=hostile.ca_path))
    assert error.retryable and error.option == "authority_host"
    assert len(hostile.received(tenant)) == 2


@pytest.mark.parametrize("behaviour", [
    {"body_size": 100 * MiB},
    {"body_size": 100 * MiB, "content_length": False},
    {"body_size": 100 * MiB, "chunked": True},
    {"chunked": True, "endless": True},
    {"body_size": MiB + 1},
], ids=["100MB-with-length", "100MB-close-delimited", "100MB-chunked", "endless-chunked", "cap-plus-one"])
def test_bodies_over_the_cap_fail_naming_authority_host_with_bounded_memory(hostile, behaviour):
    with peak_allocation() as peak:
        error, elapsed = failure(lambda: post(hostile, behaviour, timeout=20))
    assert error.option == "authority_host" and not error.retryable
    assert "larger than 1024 KiB" in str(error)
    assert peak["bytes"] < 4 * MiB, peak
    assert elapsed < 10


def test_a_body_of_exactly_the_cap_is_read(hostile):
    assert len(post(hostile, {"body_size": MiB}, timeout=20).body) == MiB


def test_an_announced_length_over_the_cap_is_refused_before_reading(hostile):
    """Content-Length says 100 MB but the server sends nothing: refused at once, no waiting for the body."""
    error, elapsed = failure(lambda: post(hostile, {"content_length": 100 * MiB, "body": "", "delay": 0},
                                          timeout=5))  # fmt: skip
    assert error.option == "authority_host" and "larger than" in str(error) and elapsed < 2


@pytest.mark.parametrize("behaviour", [
    {"gzip": True, "body": '{"access_token": "x"}'},
    {"gzip_bomb": 10 * 1024 * MiB},
    {"headers": [["Content-Encoding", "br"]]},
    {"headers": [["Content-Encoding", "deflate"], ["Content-Encoding", "identity"]]},
    {"headers": [["Transfer-Encoding", "gzip, chunked"]], "content_length": False},
], ids=["gzip", "gzip-bomb-10GB", "brotli", "deflate-twice", "transfer-gzip"])  # fmt: skip
def test_encoded_answers_are_refused_unread(hostile, behaviour):
    with peak_allocation() as peak:
        error, elapsed = failure(lambda: post(hostile, behaviour, timeout=20))
    assert error.option == "authority_host" and not error.retryable and "Content-Encoding" in str(error)
    assert peak["bytes"] < 2 * MiB and elapsed < 5


def test_an_identity_content_encoding_is_accepted(hostile):
    assert post(hostile, {"headers": [["Content-Encoding", "identity"]], "body": "{}"}).body == b"{}"


def test_a_length_shorter_than_the_body_reads_only_what_it_announced(hostile):
    tenant = hostile.tenant({"content_length": 2, "body": "{}garbage"})
    response = _http.post_form(url(hostile, tenant), FORM, timeout=TIMEOUT, verify=hostile.ca_path)
    assert response.body == b"{}"
    assert not _exchange._POOL, "a connection with leftover bytes is never reused"
