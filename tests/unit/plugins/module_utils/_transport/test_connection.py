"""One connection opened under the attempt's deadline: the phase it reached, and whether a kept one is usable."""

from __future__ import annotations

import socket
from urllib.parse import urlencode

import pytest
from transport_calls import FORM, TIMEOUT, url

from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.connection import AttemptFailure, Connection
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.deadline import Deadline, Watchdog
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.proxy import Proxy
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.target import Target
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.trust import tls_context

FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def attempt():
    """A deadline and its watchdog, stopped after the test as an exchange stops them after each attempt."""
    deadline = Deadline(10 * TIMEOUT)  # ample: these tests are not about the deadline
    watchdog = Watchdog(deadline)
    yield deadline, watchdog
    watchdog.stop()


def opened(connection: Connection, attempt) -> Connection:
    connection.deadline, connection.watchdog = attempt
    return connection


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_connection_goes_through_dns_tcp_and_tls_and_is_then_usable(hostile, attempt):
    target = Target.parse(url(hostile, hostile.tenant({})))
    connection = opened(Connection(target, None, tls_context(hostile.ca_path)), attempt)
    assert not connection.idle_and_alive(), "never connected: nothing to reuse"
    connection.connect()
    try:
        assert connection.phase == "tls" and connection.sock.version() in ("TLSv1.2", "TLSv1.3")
        # Once an answer is read in full (TLS 1.3 session tickets with it), a kept-alive connection is idle.
        connection.request("POST", target.path, body=urlencode(FORM), headers=FORM_HEADERS)
        answer = connection.getresponse()
        assert answer.status == 200 and answer.read() and not answer.will_close
        assert connection.idle_and_alive()
    finally:
        connection.close()
    assert not connection.idle_and_alive()


def test_a_refused_connection_fails_in_the_connect_phase(attempt):
    target = Target.parse(f"https://127.0.0.1:{free_port()}/t/oauth2/v2.0/token")
    connection = opened(Connection(target, None, None), attempt)
    with pytest.raises(ConnectionRefusedError):
        connection.connect()
    assert connection.phase == "connect" and connection.sock is None


def test_through_a_proxy_it_connects_to_the_proxy_and_tunnels_to_the_target():
    target = Target.parse("https://login.example.test/t/oauth2/v2.0/token")
    connection = Connection(target, Proxy("proxy.example", 3128, "Basic dTpw"), None)
    assert (connection.host, connection.port) == ("proxy.example", 3128)
    assert (connection._tunnel_host, connection._tunnel_port) == ("login.example.test", 443)
    assert without_host(connection._tunnel_headers) == {"Proxy-Authorization": "Basic dTpw"}
    plain = Connection(target, Proxy("proxy.example", 3128, None), None)
    assert without_host(plain._tunnel_headers) == {}, "no credentials, no Proxy-Authorization header"


def without_host(tunnel_headers: dict) -> dict:
    """The CONNECT headers but Host, which http.client adds itself from Python 3.12 on: it must name the target."""
    headers = dict(tunnel_headers)
    assert headers.pop("Host", "login.example.test:443") == "login.example.test:443"
    return headers


@pytest.mark.parametrize(("address", "port", "default"), [
    ("https://login.example.test/x", 443, 443),
    ("https://login.example.test:8443/x", 8443, 443),
    ("http://127.0.0.1:8080/x", 8080, 80),
])  # fmt: skip
def test_the_default_port_follows_the_scheme_so_the_host_header_is_right(address, port, default):
    """http.client leaves the port out of the Host header only when it is the scheme's default."""
    connection = Connection(Target.parse(address), None, None)
    assert (connection.port, connection.default_port) == (port, default)


def test_an_attempt_failure_says_where_and_keeps_its_cause():
    cause = ConnectionResetError(104, "reset")
    failure = AttemptFailure("send", cause)
    assert failure.phase == "send" and failure.cause is cause and str(failure) == "send"
