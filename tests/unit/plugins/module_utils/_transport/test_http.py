"""The transport (_http.py) against the hostile endpoint, in process: deadline, memory, framing, trust, proxies.

Each deadline case runs with ``timeout`` = TIMEOUT and an endpoint that never trips a per-read timeout (it
trickles, or stalls before a read would start), and must end within TIMEOUT plus a little slack. Memory is
measured with tracemalloc around the call: the body cap must hold whatever the endpoint sends.
"""

from __future__ import annotations

import base64
import json
import os
import select
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from contextlib import contextmanager

import pytest
from hostile_endpoint import hostile_endpoint

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import TransportError
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import exchange as _exchange
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import http as _http
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import trust as _trust

TIMEOUT = 1.5
SLACK = 2.0  # generous: a loaded 2-core CI machine schedules threads late; unbounded cases run for ever
MiB = 1 << 20
FORM = {"client_id": "app", "client_secret": "s3cret+/=&value", "grant_type": "client_credentials"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    with hostile_endpoint(tmp_path_factory.mktemp("hostile")) as endpoint:
        yield endpoint


@pytest.fixture(autouse=True)
def fresh_transport(monkeypatch):
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE",
                 "CURL_CA_BUNDLE", "SSL_CERT_FILE"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    _exchange._POOL.clear()
    _trust._CONTEXTS.clear()
    yield
    _exchange._POOL.clear()
    _trust._CONTEXTS.clear()


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


# --------------------------------------------------------------------------------------------- what is sent


def test_a_token_answer_comes_back_whole_and_the_request_is_as_entra_expects(hostile):
    tenant = hostile.tenant({"headers": [["X-Dup", "a"], ["X-Dup", "b"]]})
    response = _http.post_form(url(hostile, tenant), FORM, timeout=TIMEOUT, verify=hostile.ca_path)
    assert response.status == 200
    assert json.loads(response.body)["token_type"] == "Bearer"
    assert response.headers["X-Dup"] == "a, b"
    (received,) = hostile.received(tenant)
    assert received["method"] == "POST" and received["path"] == f"/{tenant}/oauth2/v2.0/token"
    assert received["form"] == FORM
    headers = received["headers"]
    assert headers["accept-encoding"] == "identity"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers["client-request-id"] == response.client_request_id
    assert headers["return-client-request-id"] == "true"
    assert headers["host"] == hostile.authority_host.split("//")[1]
    assert "proxy-authorization" not in headers


def test_the_generic_request_sends_its_own_method_headers_and_body(hostile):
    tenant = hostile.tenant({"body": "{{body}}"})
    response = _http.request("POST", url(hostile, tenant), {"Content-Type": "application/json", "Authorization": "x"},
                             b'{"a": 1}', timeout=TIMEOUT, verify=hostile.ca_path)  # fmt: skip
    assert response.body == b'{"a": 1}'
    (received,) = hostile.received(tenant)
    assert received["headers"]["content-type"] == "application/json"
    assert received["headers"]["authorization"] == "x"


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


def test_redirects_are_returned_not_followed(hostile):
    elsewhere = hostile.tenant({})
    tenant = hostile.tenant({"status": 302, "headers": [["Location", url(hostile, elsewhere)]], "body": ""})
    response = _http.post_form(url(hostile, tenant), FORM, timeout=TIMEOUT, verify=hostile.ca_path)
    assert response.status == 302
    assert hostile.received(elsewhere) == []


# --------------------------------------------------------------------------------------------- the deadline


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


def closed_connections(endpoint, tenant: str, wait: float = 5.0) -> list[dict]:
    """The tenant's connections once the server has seen each one close."""
    deadline = time.monotonic() + wait
    while True:
        connections = endpoint.connections(tenant)
        if all(connection["seconds"] is not None for connection in connections) or time.monotonic() > deadline:
            return connections
        time.sleep(0.05)


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


# --------------------------------------------------------------------------------------------- memory


@contextmanager
def peak_allocation():
    tracemalloc.start()
    peak = {}
    try:
        yield peak
    finally:
        peak["bytes"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


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


# --------------------------------------------------------------------------------------------- framing


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


def test_a_length_shorter_than_the_body_reads_only_what_it_announced(hostile):
    tenant = hostile.tenant({"content_length": 2, "body": "{}garbage"})
    response = _http.post_form(url(hostile, tenant), FORM, timeout=TIMEOUT, verify=hostile.ca_path)
    assert response.body == b"{}"
    assert not _exchange._POOL, "a connection with leftover bytes is never reused"


# --------------------------------------------------------------------------------------------- trust


def test_a_wrong_ca_fails_verification_naming_ca_path(hostile, tmp_path):
    from cert_builder import cert_pem, rsa_key, self_signed

    other = tmp_path / "other-ca.pem"
    key = rsa_key()
    other.write_bytes(cert_pem(self_signed(key)))
    error = failure_of(lambda: post(hostile, {}, verify=str(other)))
    assert error.option == "ca_path" and not error.retryable and "TLS verification" in str(error)


def test_validate_certs_false_needs_no_ca(hostile):
    assert post(hostile, {}, verify=False).status == 200


def test_the_system_store_does_not_trust_the_test_ca(hostile):
    error = failure_of(lambda: post(hostile, {}, verify=True))
    assert error.option == "ca_path"


def test_a_ca_directory_loads_its_regular_files_and_skips_the_rest(hostile, tmp_path):
    directory = tmp_path / "cas"
    directory.mkdir()
    (directory / "a-readme.txt").write_text("not a certificate")
    os.mkfifo(directory / "b-fifo.pem")
    (directory / "c-ca.pem").write_bytes(open(hostile.ca_path, "rb").read())
    (directory / "d-link.0").symlink_to("/dev/zero")
    (directory / "e-dangling.0").symlink_to(directory / "missing")
    started = time.monotonic()
    assert post(hostile, {}, verify=str(directory)).status == 200
    assert time.monotonic() - started < 5


def test_a_bundle_with_one_damaged_certificate_still_trusts_the_others(hostile, tmp_path):
    bundle = tmp_path / "bundle.pem"
    damaged = "-----BEGIN CERTIFICATE-----\nMIIBroken\n-----END CERTIFICATE-----\n"
    bundle.write_text(damaged + open(hostile.ca_path).read())
    assert post(hostile, {}, verify=str(bundle)).status == 200


def special_files(tmp_path) -> dict:
    fifo = tmp_path / "ca.fifo"
    os.mkfifo(fifo)
    fifo_dir = tmp_path / "fifo-dir"
    fifo_dir.mkdir()
    os.mkfifo(fifo_dir / "ca.pem")
    sock_path = tmp_path / "ca.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(sock_path))
    link = tmp_path / "link-to-fifo.pem"
    link.symlink_to(fifo)
    big = tmp_path / "big.pem"
    big.write_bytes(b"A" * (9 * MiB))
    der = tmp_path / "ca.der"
    der.write_bytes(b"\x30\x82\x01\x00" + b"\x00" * 256)
    return {"fifo": (fifo, "not a regular file"), "dir-with-fifo": (fifo_dir, "no usable PEM"),
            "socket": (sock_path, "not a regular file"), "dev-zero": ("/dev/zero", "not a regular file"),
            "link-to-fifo": (link, "not a regular file"), "oversized": (big, "larger than 8 MiB"),
            "der": (der, "no usable PEM"), "missing": (tmp_path / "missing.pem", "does not exist"),
            "_keep": (listener, "")}  # fmt: skip


@pytest.mark.parametrize("kind", ["fifo", "dir-with-fifo", "socket", "dev-zero", "link-to-fifo", "oversized", "der",
                                  "missing"])  # fmt: skip
def test_ca_path_that_is_no_ca_file_fails_at_once_naming_it(hostile, tmp_path, kind):
    files = special_files(tmp_path)
    path, words = files[kind]
    error, elapsed = failure(lambda: post(hostile, {}, verify=str(path), timeout=30))
    assert error.option == "ca_path" and not error.retryable
    assert f"ca_path '{path}'" in str(error) and words in str(error)
    assert elapsed < 3, "never waits on a FIFO or a device"
    files["_keep"][0].close()


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"])
@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "missing"])
def test_ca_environment_variables_are_read_the_same_way(hostile, tmp_path, monkeypatch, variable, kind):
    files = special_files(tmp_path)
    path = files[kind][0]
    monkeypatch.setenv(variable, str(path))
    error, elapsed = failure(lambda: post(hostile, {}, verify=True, timeout=30))
    assert error.option == "ca_path" and variable in str(error) and elapsed < 3
    files["_keep"][0].close()


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"])
def test_ca_environment_variables_are_trusted(hostile, monkeypatch, variable):
    monkeypatch.setenv(variable, hostile.ca_path)
    assert post(hostile, {}, verify=True).status == 200


def test_requests_ca_bundle_wins_over_curl_ca_bundle(hostile, monkeypatch, tmp_path):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", hostile.ca_path)
    monkeypatch.setenv("CURL_CA_BUNDLE", str(tmp_path / "missing.pem"))
    assert post(hostile, {}, verify=True).status == 200


def test_ca_path_wins_over_the_environment(hostile, monkeypatch, tmp_path):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    assert post(hostile, {}, verify=hostile.ca_path).status == 200


def test_an_empty_system_store_falls_back_to_certifi(monkeypatch, tmp_path):
    import ssl

    certifi = pytest.importorskip("certifi")
    empty = tmp_path / "empty-capath"
    empty.mkdir()
    paths = ssl.DefaultVerifyPaths(str(tmp_path / "none.pem"), str(empty), "SSL_CERT_FILE", str(tmp_path / "none.pem"),
                                   "SSL_CERT_DIR", str(empty))  # fmt: skip
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: paths)
    monkeypatch.setattr(ssl.SSLContext, "load_default_certs", lambda self, purpose=None: None)
    context = _trust._new_tls_context(True)
    assert context.cert_store_stats()["x509_ca"] > 50
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert certifi.where()


def test_tls_is_1_2_or_later(hostile):
    import ssl

    for verify in (True, False, hostile.ca_path):
        assert _trust._new_tls_context(verify).minimum_version >= ssl.TLSVersion.TLSv1_2


# --------------------------------------------------------------------------------------------- proxies


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


# --------------------------------------------------------------------------------------------- hygiene


def test_userinfo_in_the_url_is_never_echoed(hostile):
    port = hostile.authority_host.rsplit(":", 1)[1]
    tenant = hostile.tenant({})
    error = failure_of(lambda: _http.post_form(f"https://admin:Hunter2Pass@127.0.0.1:{port}/{tenant}/oauth2/token",
                                               FORM, timeout=TIMEOUT, verify=True))  # fmt: skip
    assert "Hunter2Pass" not in str(error) and "admin" not in str(error)
    assert f"https://127.0.0.1:{port}" in str(error)


def test_the_transport_imports_no_http_library():
    """requests (and urllib3) are gone from the runtime path: the standard library is enough."""
    from collection_path import COLLECTIONS_ROOT

    script = (
        "import sys, json\n"
        f"sys.path.insert(0, {str(COLLECTIONS_ROOT)!r})\n"
        "from ansible_collections.azure_ad.oauth.plugins.module_utils._token import client as _token\n"
        "from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import http\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules} & {'requests', 'urllib3', 'certifi', "
        "'charset_normalizer', 'idna'})))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == []
