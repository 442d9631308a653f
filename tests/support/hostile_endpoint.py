"""A hostile HTTPS token endpoint: for each tenant, it answers as badly as a test asks.

The hardening tests of issue 7 use it to check that the collection's transport
bounds time and memory, and that nothing an endpoint sends leaks, floods or
forges output. It runs as its own process (like tests/support/emulator_process.py)
and is started and stopped by PID::

    with hostile_endpoint(tmp_path) as endpoint:
        tenant = endpoint.tenant({"trickle_body": 1})
        # authority_host=endpoint.authority_for(tenant), tenant_id=tenant, ca_path=endpoint.ca_path
        endpoint.received(tenant)  # what the client sent

Token POSTs to ``/<tenant>/oauth2/token`` and ``/<tenant>/oauth2/v2.0/token`` get
the tenant's behaviour, a dict whose keys are all optional:

``status``            HTTP status (default 200).
``headers``           list of [name, value] pairs, sent after the status line; duplicates allowed. A
                      Content-Type or Content-Length given here replaces the default one.
``body``              str (sent UTF-8). Placeholders: ``{{form:NAME}}`` the decoded value of posted field
                      NAME; ``{{wire:NAME}}`` its value exactly as on the wire (form-encoded);
                      ``{{json:NAME}}`` the decoded value JSON-escaped without quotes; ``{{body}}`` the raw
                      request body. Default: a valid token answer for 200, an Entra error otherwise.
``gzip``              true: gzip the body and send ``Content-Encoding: gzip``.
``gzip_bomb``         N: stream a gzip of N zero bytes, with ``Content-Encoding: gzip``.
``body_size``         N: a plain body of N bytes (``A``), streamed.
``chunked``           true: ``Transfer-Encoding: chunked``; with ``endless: true`` the body never ends.
``content_length``    the Content-Length header verbatim (may lie); false: no Content-Length (the body ends
                      when the connection closes).
``trickle_body``      seconds between body bytes.
``trickle_headers``   seconds between header lines (the status line goes at once).
``stall``             "accept": accept TCP, then nothing; "handshake": trickle the TLS handshake one byte
                      every ``trickle_handshake`` seconds (default 1), so it never completes in time;
                      "request": read the request and never answer.
``delay``             seconds before answering.
``close``             "before_response": close without answering; "mid_body": close after half the body;
                      "after_response": answer in full as if keeping the connection alive, then close it
                      (a kept-alive connection that the server drops while the client holds it idle).
``raw_response``      str sent verbatim (latin-1), then the connection closes.
``sequence``          list of behaviours: request n gets the n-th (the last repeats); keys outside it apply
                      to every request.

``stall: accept`` and ``stall: handshake`` act before any request names a tenant, so such a tenant gets a
listener of its own: use ``authority_for(tenant)`` (it is ``authority_host`` for every other tenant).

The admin API (register a tenant, read what it received) listens on a separate plain-HTTP port under a random
path token kept in the 0600 state file, so the client under test cannot reach it by accident.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import importlib.util
import itertools
import json
import os
import re
import secrets
import select
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote

from child_process import die_with_parent

HERE = Path(__file__).resolve()
CA_MODULE = HERE.parents[1] / "emulator" / "entra_emulator" / "ca.py"
DOMAIN = "hostile.test"
START_TIMEOUT = 30.0
# How long the server waits on a silent client before giving up on the connection.
IDLE_SECONDS = 120.0
MAX_REQUEST_BODY = 4 << 20
_TOKEN_PATH = re.compile(r"^/([^/?]+)/oauth2/(?:v2\.0/)?token(?:\?.*)?$")
_PLACEHOLDER = re.compile(r"\{\{(form|wire|json):([^}]*)\}\}|\{\{body\}\}")
STREAM_BLOCK = 64 * 1024


# --------------------------------------------------------------------------------------------------- client side


@dataclass
class HostileEndpoint:
    """A running hostile endpoint, driven from the test process."""

    authority_host: str
    ca_path: str
    pid: int
    admin_url: str = field(repr=False)
    _authorities: dict = field(default_factory=dict, repr=False)

    def tenant(self, behaviour: dict | None = None) -> str:
        """Register ``behaviour`` and return a fresh tenant domain (``b7.hostile.test``) that gets it."""
        answer = self._admin("POST", "/tenants", behaviour or {})
        self._authorities[answer["tenant"]] = answer["authority_host"]
        return answer["tenant"]

    def authority_for(self, tenant: str) -> str:
        """The authority_host to use for ``tenant`` (its own listener for ``stall: accept/handshake``)."""
        return self._authorities.get(tenant, self.authority_host)

    def received(self, tenant: str) -> list[dict]:
        """Requests received for ``tenant``: method, path, headers (lower-case names), body (latin-1), form,
        connection (a number per TCP connection, to observe keep-alive)."""
        return self._admin("GET", f"/received/{tenant}")

    def connections(self, tenant: str) -> list[dict]:
        """TCP connections that served ``tenant``, as the server saw them: ``id``, ``seconds`` from accept to
        close (None while open) and ``closed_by`` ("client" when the client hung up first, e.g. at its deadline;
        "server" otherwise). The server notices a client's close at once, even while it trickles or stalls, so
        ``seconds`` measures how long the client kept the attempt going."""
        return self._admin("GET", f"/connections/{tenant}")

    def _admin(self, method: str, path: str, payload: dict | None = None):
        # Plain http.client on our own http://127.0.0.1 admin URL: never through a proxy, and no TLS context, whose
        # creation (urllib's build_opener makes one on Python 3.13) would read SSL_CERT_FILE, which tests point at
        # FIFOs.
        url = urllib.parse.urlsplit(self.admin_url + path)
        body = None if payload is None else json.dumps(payload).encode()
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        try:
            connection.request(method, url.path, body=body, headers={"Content-Type": "application/json"})
            answer = connection.getresponse()
            data = answer.read()
        finally:
            connection.close()
        if answer.status != 200:
            raise RuntimeError(f"hostile endpoint admin {method} {path}: HTTP {answer.status} {data[:200]!r}")
        return json.loads(data)


@contextmanager
def hostile_endpoint(state_dir: Path) -> Iterator[HostileEndpoint]:
    """Start the hostile endpoint as a process, yield it, and stop it by PID."""
    state_dir = Path(state_dir)
    state_dir.mkdir(parents=True, exist_ok=True)
    state_file = state_dir / "hostile-state.json"
    log = open(state_dir / "hostile.log", "wb")
    process = subprocess.Popen([sys.executable, str(HERE), "--state-file", str(state_file)], stdout=log,
                               stderr=subprocess.STDOUT, preexec_fn=die_with_parent())  # fmt: skip
    try:
        state = _wait_for_state(state_file, process)
        yield HostileEndpoint(authority_host=state["authority_host"], ca_path=state["ca_path"], pid=state["pid"],
                              admin_url=f"http://127.0.0.1:{state['admin_port']}/{state['admin_token']}")  # fmt: skip
    finally:
        _stop(process)
        log.close()


def _wait_for_state(state_file: Path, process: subprocess.Popen) -> dict:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = state_file.parent / "hostile.log"
            raise RuntimeError(f"the hostile endpoint exited with {process.returncode}; see {log}")
        if state_file.exists():
            return json.loads(state_file.read_text())
        time.sleep(0.05)
    raise RuntimeError("the hostile endpoint did not start in time")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


# --------------------------------------------------------------------------------------------------- server side


def _load_test_ca():
    """tests/emulator/entra_emulator/ca.py, loaded by path: the emulator package itself is not needed."""
    spec = importlib.util.spec_from_file_location("hostile_test_ca", CA_MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TestCA


class ClientGone(Exception):
    """The client closed the connection (``by_client``), or the server should stop talking on it."""

    def __init__(self, reason: str, by_client: bool = False) -> None:
        super().__init__(reason)
        self.by_client = by_client


@dataclass
class Connection:
    id: int
    opened: float
    tenant: str | None = None
    closed: float | None = None
    closed_by: str | None = None

    def close(self, by: str) -> None:
        if self.closed is None:
            self.closed, self.closed_by = time.monotonic(), by

    def report(self) -> dict:
        seconds = None if self.closed is None else round(self.closed - self.opened, 3)
        return {"id": self.id, "seconds": seconds, "closed_by": self.closed_by}


@dataclass
class Tenant:
    name: str
    behaviour: dict
    authority_host: str
    received: list = field(default_factory=list)

    def behaviour_for(self, index: int) -> dict:
        sequence = self.behaviour.get("sequence")
        if not sequence:
            return self.behaviour
        chosen = dict(self.behaviour)
        chosen.pop("sequence")
        chosen.update(sequence[min(index, len(sequence) - 1)])
        return chosen


@dataclass
class Request:
    method: str
    path: str
    headers: list
    body: bytes

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name), None)

    @property
    def text(self) -> str:
        return self.body.decode("latin-1")

    def form(self) -> dict:
        return dict(parse_qsl(self.text, keep_blank_values=True, encoding="utf-8", errors="replace"))

    def wire(self, name: str) -> str:
        for part in self.text.split("&"):
            key, _equals, value = part.partition("=")
            if unquote(key.replace("+", " ")) == name:
                return value
        return ""

    def record(self, connection: int) -> dict:
        return {
            "method": self.method,
            "path": self.path,
            "headers": {key.lower(): value for key, value in self.headers},
            "body": self.text,
            "form": self.form(),
            "connection": connection,
        }


class HostileServer:
    def __init__(self, state_dir: Path) -> None:
        test_ca = _load_test_ca().generate()
        self.ca_path = test_ca.write_ca(state_dir)
        self.context = test_ca.server_context(state_dir)
        self.admin_token = secrets.token_urlsafe(24)
        self.tenants: dict[str, Tenant] = {}
        self.lock = threading.Lock()
        self.numbers = itertools.count(1)
        self.connection_ids = itertools.count(1)
        self.connections: dict[int, Connection] = {}
        self.listener = self._listen(None)
        self.authority_host = f"https://127.0.0.1:{self.listener.getsockname()[1]}"
        self.admin = ThreadingHTTPServer(("127.0.0.1", 0), _admin_handler(self))
        self.admin.daemon_threads = True
        threading.Thread(target=self.admin.serve_forever, daemon=True).start()

    # ---- listeners

    def _listen(self, stall: Tenant | None) -> socket.socket:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        threading.Thread(target=self._accept_loop, args=(listener, stall), daemon=True).start()
        return listener

    def _accept_loop(self, listener: socket.socket, stall: Tenant | None) -> None:
        while True:
            try:
                sock = listener.accept()[0]
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                connection = Connection(next(self.connection_ids), time.monotonic(), stall.name if stall else None)
                self.connections[connection.id] = connection
            if stall is None:
                target = self._serve_connection
            elif stall.behaviour.get("stall") == "accept":
                target = self._hold
            else:
                target = self._trickle_handshake
            threading.Thread(target=self._guarded, args=(target, sock, stall, connection), daemon=True).start()

    def _guarded(self, target, sock: socket.socket, stall: Tenant | None, connection: Connection) -> None:
        try:
            target(sock, stall, connection)
        except ClientGone as gone:
            connection.close("client" if gone.by_client else "server")
        except (OSError, ssl.SSLError):
            connection.close("client")  # a reset or broken pipe: the client went away
        except ValueError:
            pass
        except Exception:  # a test server logs its own bugs and keeps serving
            traceback.print_exc()
        finally:
            connection.close("server")
            try:
                sock.close()
            except OSError:
                pass

    # ---- tenants

    def register(self, behaviour: dict) -> Tenant:
        with self.lock:
            name = f"b{next(self.numbers)}.{DOMAIN}"
        authority_host = self.authority_host
        tenant = Tenant(name, behaviour, authority_host)
        if behaviour.get("stall") in ("accept", "handshake"):
            listener = self._listen(tenant)
            tenant.authority_host = f"https://127.0.0.1:{listener.getsockname()[1]}"
        with self.lock:
            self.tenants[name] = tenant
        return tenant

    # ---- one connection

    def _hold(self, sock: socket.socket, _stall: Tenant, _connection: Connection) -> None:
        """Accept TCP, then say nothing, until the client gives up."""
        _wait_for_close(sock)

    def _trickle_handshake(self, sock: socket.socket, stall: Tenant, _connection: Connection) -> None:
        """Answer the ClientHello with the real server flight, one byte per interval: never done in time."""
        interval = float(stall.behaviour.get("trickle_handshake", 1.0))
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = self.context.wrap_bio(incoming, outgoing, server_side=True)
        sock.settimeout(IDLE_SECONDS)
        hello = sock.recv(65536)
        if not hello:
            return
        incoming.write(hello)
        try:
            tls.do_handshake()
        except ssl.SSLWantReadError:
            pass
        flight = outgoing.read()
        for index in range(len(flight)):
            sock.sendall(flight[index:index + 1])
            _pause(sock, interval)
        _wait_for_close(sock)

    def _serve_connection(self, sock: socket.socket, _stall: None, connection: Connection) -> None:
        sock.settimeout(IDLE_SECONDS)
        tls = self.context.wrap_socket(sock, server_side=True)
        reader = tls.makefile("rb")
        try:
            while True:
                request = _read_request(reader)
                if request is None or not self._answer(tls, request, connection):
                    return
        finally:
            reader.close()
            tls.close()

    def _answer(self, tls: ssl.SSLSocket, request: Request, connection: Connection) -> bool:
        """Answer one request; return whether the connection may carry another."""
        match = _TOKEN_PATH.match(request.path)
        tenant = self.tenants.get(match.group(1).lower()) if match else None
        if tenant is None:
            _send(tls, 404, [], b'{"error":"invalid_request","error_description":"AADSTS90002: no such tenant."}')
            return True
        with self.lock:
            connection.tenant = connection.tenant or tenant.name
            index = len(tenant.received)
            tenant.received.append(request.record(connection.id))
        behaviour = tenant.behaviour_for(index)
        return Responder(tls, request, behaviour).run()


class Responder:
    """Carries out one behaviour for one request."""

    def __init__(self, tls: ssl.SSLSocket, request: Request, behaviour: dict) -> None:
        self.tls = tls
        self.request = request
        self.behaviour = behaviour

    def run(self) -> bool:
        behaviour = self.behaviour
        if behaviour.get("stall") == "request":
            _wait_for_close(self.tls)
            return False
        if behaviour.get("delay"):
            _pause(self.tls, float(behaviour["delay"]))
        if behaviour.get("close") == "before_response":
            return False
        if "raw_response" in behaviour:
            self.tls.sendall(str(behaviour["raw_response"]).encode("latin-1"))
            return False
        return self._respond()

    def _respond(self) -> bool:
        behaviour = self.behaviour
        status = int(behaviour.get("status", 200))
        chunks, length = self._body()
        extra = [(str(name), str(value)) for name, value in behaviour.get("headers", [])]
        named = {name.lower() for name, _value in extra}
        headers = []
        if "content-type" not in named:
            headers.append(("Content-Type", "application/json; charset=utf-8"))
        if behaviour.get("gzip") or "gzip_bomb" in behaviour:
            headers.append(("Content-Encoding", "gzip"))
        chunked = bool(behaviour.get("chunked"))
        declared = behaviour.get("content_length", length)
        if chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        elif declared is not None and declared is not False and "content-length" not in named:
            headers.append(("Content-Length", str(declared)))
        keep_alive = self._keep_alive(chunked, declared, length, named, extra)
        if not keep_alive and "connection" not in named and behaviour.get("close") != "after_response":
            headers.append(("Connection", "close"))
        self._send_head(status, headers + extra)
        self._send_body(chunks, length, chunked)
        return keep_alive

    def _keep_alive(self, chunked: bool, declared, length, named: set, extra: list) -> bool:
        behaviour = self.behaviour
        if behaviour.get("close") or behaviour.get("endless") or "content_length" in behaviour:
            return False
        if any(name.lower() == "connection" and value.lower() == "close" for name, value in extra):
            return False
        if "content-length" in named:
            return False
        return chunked or (declared is not None and declared == length)

    # ---- body

    def _body(self) -> tuple[Iterator[bytes], int | None]:
        """The body as chunks, and its length when known."""
        behaviour = self.behaviour
        if "gzip_bomb" in behaviour:
            return _gzip_of_zeros(int(behaviour["gzip_bomb"])), None
        if "body_size" in behaviour:
            size = int(behaviour["body_size"])
            return _filler(size), size
        if behaviour.get("endless"):
            return _endless(), None
        body = self._text_body().encode("utf-8")
        if behaviour.get("gzip"):
            body = gzip.compress(body)
        return iter([body]), len(body)

    def _text_body(self) -> str:
        behaviour = self.behaviour
        if "body" not in behaviour:
            return _default_body(int(behaviour.get("status", 200)))
        request = self.request
        form = request.form()

        def fill(match: re.Match) -> str:
            kind, name = match.group(1), match.group(2)
            if kind is None:
                return request.text
            if kind == "form":
                return form.get(name, "")
            if kind == "wire":
                return request.wire(name)
            return json.dumps(form.get(name, ""))[1:-1]

        return _PLACEHOLDER.sub(fill, str(behaviour["body"]))

    # ---- sending

    def _send_head(self, status: int, headers: list) -> None:
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = "Unknown"
        lines = [f"HTTP/1.1 {status} {reason}\r\n"] + [f"{name}: {value}\r\n" for name, value in headers] + ["\r\n"]
        interval = self.behaviour.get("trickle_headers")
        if not interval:
            self.tls.sendall("".join(lines).encode("latin-1"))
            return
        for line in lines:
            self.tls.sendall(line.encode("latin-1"))
            _pause(self.tls, float(interval))

    def _send_body(self, chunks: Iterator[bytes], length: int | None, chunked: bool) -> None:
        interval = self.behaviour.get("trickle_body")
        budget = None
        if self.behaviour.get("close") == "mid_body":
            budget = max(1, (length or 2 * STREAM_BLOCK) // 2)
        for chunk in chunks:
            if budget is not None:
                chunk = chunk[:budget]
                budget -= len(chunk)
            pieces = [chunk[i:i + 1] for i in range(len(chunk))] if interval else [chunk]
            for piece in pieces:
                if not piece:
                    continue
                self.tls.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                if interval:
                    _pause(self.tls, float(interval))
            if budget == 0:
                raise ClientGone("closing mid-body, as asked")
        if chunked:
            self.tls.sendall(b"0\r\n\r\n")


def _default_body(status: int) -> str:
    if status == 200:
        token = "hostile-access-token-" + secrets.token_hex(8)
        return json.dumps({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                           "access_token": token})  # fmt: skip
    return json.dumps({"error": "temporarily_unavailable", "error_description": f"AADSTS50000: HTTP {status}.",
                       "error_codes": [50000]})  # fmt: skip


def _filler(size: int) -> Iterator[bytes]:
    block = b"A" * STREAM_BLOCK
    while size > 0:
        yield block[:size]
        size -= STREAM_BLOCK


def _endless() -> Iterator[bytes]:
    block = b'{"padding":"' + b"A" * (STREAM_BLOCK - 12)
    while True:
        yield block


def _gzip_of_zeros(size: int) -> Iterator[bytes]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    block = bytes(1 << 20)
    while size > 0:
        out = compressor.compress(block[:size])
        size -= len(block)
        if out:
            yield out
    yield compressor.flush()


def _wait_for_close(sock) -> None:
    """Hold the connection open, answering nothing, until the client goes away (then raise ClientGone)."""
    _pause(sock, IDLE_SECONDS * 5)


def _pause(sock, seconds: float) -> None:
    """Wait ``seconds``, but raise ClientGone as soon as the client closes the connection."""
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return
        readable = select.select([sock], [], [], left)[0]
        if readable and _peer_closed(sock):
            raise ClientGone("the client closed the connection", by_client=True)


def _peer_closed(sock) -> bool:
    try:
        return not sock.recv(4096)
    except ssl.SSLWantReadError:
        return False
    except (OSError, ssl.SSLError):
        return True


def _read_request(reader) -> Request | None:
    line = reader.readline(65537)
    if not line:
        return None
    parts = line.decode("latin-1").split()
    if len(parts) != 3:
        raise ClientGone("not HTTP")
    headers = []
    while True:
        header = reader.readline(65537)
        if header in (b"\r\n", b"\n", b""):
            break
        name, _colon, value = header.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
        if len(headers) > 200:
            raise ClientGone("too many request headers")
    request = Request(parts[0], parts[1], headers, b"")
    if (request.header("transfer-encoding") or "").lower() == "chunked":
        request.body = _read_chunked(reader)
    else:
        length = int(request.header("content-length") or 0)
        if length > MAX_REQUEST_BODY:
            raise ClientGone("request body too large")
        request.body = reader.read(length)
    return request


def _read_chunked(reader) -> bytes:
    body = b""
    while True:
        size = int(reader.readline(1024).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            reader.readline(1024)
            return body
        body += reader.read(size)
        reader.readline(1024)
        if len(body) > MAX_REQUEST_BODY:
            raise ClientGone("request body too large")


def _admin_handler(server: HostileServer):
    prefix = f"/{server.admin_token}"

    class AdminHandler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            if self.path != prefix + "/tenants":
                self._reply(404, {"error": "not found"})
                return
            behaviour = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            tenant = server.register(behaviour)
            self._reply(200, {"tenant": tenant.name, "authority_host": tenant.authority_host})

        def do_GET(self) -> None:
            kind, name = "", ""
            if self.path.startswith(prefix + "/"):
                kind, _slash, name = self.path[len(prefix) + 1:].partition("/")
            tenant = server.tenants.get(name.lower())
            if kind not in ("received", "connections") or tenant is None:
                self._reply(404, {"error": "not found"})
                return
            with server.lock:
                if kind == "received":
                    records = list(tenant.received)
                else:
                    records = [c.report() for c in server.connections.values() if c.tenant == tenant.name]
            self._reply(200, records)

        def _reply(self, status: int, payload) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return AdminHandler


def _send(tls: ssl.SSLSocket, status: int, headers: list, body: bytes) -> None:
    head = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}", "Content-Type: application/json",
            f"Content-Length: {len(body)}", *[f"{name}: {value}" for name, value in headers]]  # fmt: skip
    tls.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)


def write_state(path: Path, state: dict) -> None:
    """Write JSON to ``path`` atomically, readable by the owner only (it holds the admin token)."""
    fd, tmp = tempfile.mkstemp(prefix=".state-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, indent=2)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-file", required=True, type=Path)
    args = parser.parse_args(argv)
    state_file = args.state_file.resolve()
    state_file.parent.mkdir(parents=True, exist_ok=True)

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    server = HostileServer(state_file.parent)
    write_state(state_file, {
        "pid": os.getpid(),
        "authority_host": server.authority_host,
        "ca_path": str(server.ca_path),
        "admin_port": server.admin.server_address[1],
        "admin_token": server.admin_token,
    })  # fmt: skip
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        state_file.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
