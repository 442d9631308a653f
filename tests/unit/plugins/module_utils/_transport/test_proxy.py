"""HTTPS_PROXY and NO_PROXY through a real CONNECT proxy: credentials, refusals, stalls, unsupported URLs."""

from __future__ import annotations

import base64
import select
import socket
import threading

import pytest
from transport_calls import (
    FORM,
    SLACK,
    TIMEOUT,
    failure,
    failure_of,
    post,
    url,
)

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import TransportError
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import http as _http
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.proxy import Proxy, connect_refusal, proxy_for
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.target import Target


class ConnectProxy:
    """A small HTTP CONNECT proxy in a thread: records each CONNECT, then tunnels, refuses or stalls."""

    def __init__(self, mode: str = "tunnel") -> None:
        self.mode = mode
        self.requests: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client = self.listener.accept()[0]
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        with client:
            head = b""
            while b"\r\n\r\n" not in head:
                data = client.recv(4096)
                if not data:
                    return
                head += data
            self.requests.append(head.decode("latin-1"))
            if self.mode == "407":
                client.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
                return
            if self.mode == "stall":
                select.select([client], [], [], 30)
                return
            host, _colon, port = head.split(b" ")[1].decode().rpartition(":")
            with socket.create_connection((host, int(port))) as upstream:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                self._pipe(client, upstream)

    @staticmethod
    def _pipe(one: socket.socket, other: socket.socket) -> None:
        while True:
            readable = select.select([one, other], [], [], 30)[0]
            if not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                (other if sock is one else one).sendall(data)

    def close(self) -> None:
        self.listener.close()


def free_port() -> int:
    """A port nothing listens on (bound, then released without listening)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def proxy():
    proxies = []

    def start(mode: str = "tunnel") -> ConnectProxy:
        proxies.append(ConnectProxy(mode))
        return proxies[-1]

    yield start
    for started in proxies:
        started.close()


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"])
def test_https_proxy_tunnels_with_basic_authentication(hostile, monkeypatch, proxy, variable):
    tunnel = proxy()
    monkeypatch.setenv(variable, f"http://proxy%20user:p%40ss%3Aword@127.0.0.1:{tunnel.port}")
    tenant = hostile.tenant({})
    assert _http.post_form(url(hostile, tenant), FORM, timeout=5, verify=hostile.ca_path).status == 200
    (connect,) = tunnel.requests
    target = hostile.authority_host.split("//")[1]
    assert connect.startswith(f"CONNECT {target} HTTP/1.")  # http.client says 1.0 or 1.1, by Python version
    credentials = base64.b64encode(b"proxy user:p@ss:word").decode()
    assert f"Proxy-Authorization: Basic {credentials}\r\n" in connect
    (received,) = hostile.received(tenant)
    assert "proxy-authorization" not in received["headers"], "proxy credentials never reach the endpoint"


def test_a_proxy_url_without_scheme_is_read_as_http(hostile, monkeypatch, proxy):
    tunnel = proxy()
    monkeypatch.setenv("HTTPS_PROXY", f"127.0.0.1:{tunnel.port}")
    assert post(hostile, {}, timeout=5).status == 200
    assert len(tunnel.requests) == 1 and "Proxy-Authorization" not in tunnel.requests[0]


def test_no_proxy_exempts_the_host(hostile, monkeypatch, proxy):
    tunnel = proxy()
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{tunnel.port}")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    assert post(hostile, {}).status == 200
    assert tunnel.requests == []


@pytest.mark.parametrize("mode", ["407", "down"])
def test_a_refusing_or_absent_proxy_names_https_proxy_and_never_its_password(hostile, monkeypatch, proxy, mode):
    port = proxy("407").port if mode == "407" else free_port()
    monkeypatch.setenv("HTTPS_PROXY", f"http://user:Pr0xyPassw0rd@127.0.0.1:{port}")
    error = failure_of(lambda: post(hostile, {}, timeout=5))
    assert error.option == "authority_host" and error.retryable
    assert "HTTPS_PROXY" in str(error) and "Pr0xyPassw0rd" not in str(error) and "user" not in str(error)
    assert ("(it answered HTTP 407)" in str(error)) is (mode == "407")


def test_a_stalling_proxy_is_bounded_by_the_timeout(hostile, monkeypatch, proxy):
    tunnel = proxy("stall")
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{tunnel.port}")
    error, elapsed = failure(lambda: post(hostile, {}))
    assert error.option == "timeout" and TIMEOUT - 0.05 <= elapsed <= TIMEOUT + SLACK


@pytest.mark.parametrize("value", ["https://proxy.example:3128", "socks5://user:Secr3t@proxy.example:1080",
                                   "http://:3128"])  # fmt: skip
def test_an_unsupported_proxy_url_names_https_proxy(hostile, monkeypatch, value):
    monkeypatch.setenv("HTTPS_PROXY", value)
    error = failure_of(lambda: post(hostile, {}))
    assert "HTTPS_PROXY" in str(error) and "Secr3t" not in str(error) and not error.retryable


# --------------------------------------------------------------------------------------------- the choice alone

LOGIN = Target.parse("https://login.microsoftonline.com/t/oauth2/v2.0/token")


@pytest.mark.parametrize(("environment", "expected"), [
    ({}, None),
    ({"HTTPS_PROXY": "http://proxy.example:3128"}, Proxy("proxy.example", 3128, None)),
    ({"https_proxy": "proxy.example"}, Proxy("proxy.example", 8080, None)),
    ({"ALL_PROXY": "http://proxy.example:3128"}, Proxy("proxy.example", 3128, None)),
    ({"HTTPS_PROXY": "http://u%3Ax:p%40w@proxy.example:3128"},
     Proxy("proxy.example", 3128, "Basic " + base64.b64encode(b"u:x:p@w").decode())),
    ({"HTTPS_PROXY": "http://u@proxy.example:3128"}, Proxy("proxy.example", 3128, "Basic dTo=")),
    ({"HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": ".microsoftonline.com"}, None),
    ({"HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": "*"}, None),
    ({"HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": "graph.microsoft.com"},
     Proxy("proxy.example", 3128, None)),
])  # fmt: skip
def test_the_proxy_is_chosen_from_the_environment_as_requests_chose_it(monkeypatch, environment, expected):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert proxy_for(LOGIN) == expected


def test_plain_http_never_goes_through_a_proxy(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("ALL_PROXY", "http://proxy.example:3128")
    assert proxy_for(Target.parse("http://127.0.0.1:8080/t/oauth2/v2.0/token")) is None


def test_an_unusable_proxy_url_is_refused_without_quoting_it(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "socks5://user:Secr3t@proxy.example:1080")
    with pytest.raises(TransportError) as caught:
        proxy_for(LOGIN)
    assert caught.value.option == "authority_host" and "Secr3t" not in str(caught.value)


@pytest.mark.parametrize(("cause", "said"), [
    (OSError("Tunnel connection failed: 407 Proxy Authentication Required"), " (it answered HTTP 407)"),
    (OSError("Tunnel connection failed: 503 user:Secr3t"), " (it answered HTTP 503)"),
    (OSError("Tunnel connection failed: 4077"), ""),
    (OSError("Connection refused"), ""),
    (ValueError("Tunnel connection failed: 407"), ""),
])  # fmt: skip
def test_a_refused_connect_is_reported_by_its_status_number_only(cause, said):
    assert connect_refusal(cause) == said
