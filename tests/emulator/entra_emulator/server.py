"""HTTP plumbing: a threaded HTTPS server on 127.0.0.1 and the request router.

HTTP/1.1 with Content-Length on every answer, so clients keep connections
alive. TLS is negotiated in the request thread, not in the accept loop, so a
slow or broken client cannot stall the others. Nothing is logged unless a
debug log is set, and then only method, path (no query), status and time.

As Entra does, it reads request bodies sent with Content-Length or chunked,
and answers in Entra's JSON error shape where Entra does: any method but POST
(and OPTIONS) on a token endpoint, a body it will not read (too large, framing
it cannot parse).
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import sys
import threading
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from entra_emulator import discovery, errors, graph
from entra_emulator.admin import ADMIN_HEADER, PREFIX, handle_admin
from entra_emulator.config import is_guid
from entra_emulator.faults import Fault
from entra_emulator.graph import GraphError, GraphRequest, is_graph_path
from entra_emulator.token_endpoint import TokenRequest

if TYPE_CHECKING:
    from entra_emulator.emulator import EntraEmulator

MAX_BODY = 1 << 20
MAX_CHUNK_LINE = 4096  # a chunk-size line (hex size and extensions), or a trailer line
_TOKEN = re.compile(r"^/([^/]+)/oauth2/(v2\.0/)?token$")
_OIDC = re.compile(r"^/([^/]+)/(v2\.0/)?\.well-known/openid-configuration$")
_KEYS = re.compile(r"^/([^/]+)/discovery/(v2\.0/)?keys$")
_TENANTLESS = ("common", "organizations", "consumers")
_QUIET = (ConnectionError, TimeoutError, ssl.SSLError, OSError)
_GATEWAY_PAGE = "<html><head><title>{0} {1}</title></head><body><h1>{0} {1}</h1></body></html>"


class BodyRefused(Exception):
    """A request body the endpoint will not read; ``status`` is 400 (framing) or 413 (too large)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, emulator: EntraEmulator, context: ssl.SSLContext) -> None:
        self.emulator = emulator
        self.context = context
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)

    def get_request(self) -> tuple[socket.socket, object]:
        sock, address = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # headers and body leave at once
        self.emulator.counters.connection()
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def track(self, sock: socket.socket, is_open: bool) -> None:
        with self._open_lock:
            (self._open.add if is_open else self._open.discard)(sock)

    def close_connections(self) -> None:
        """Unblock threads still waiting on kept-alive connections."""
        with self._open_lock:
            sockets, self._open = list(self._open), set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], _QUIET):
            traceback.print_exc()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "EntraEmulator/1.0"
    sys_version = ""
    timeout = 30  # seconds an idle kept-alive connection may wait for its next request
    server: EmulatorServer

    def setup(self) -> None:
        self.request.settimeout(10)
        self.request.do_handshake()
        super().setup()
        self.server.track(self.request, True)

    def finish(self) -> None:
        self.server.track(self.request, False)
        try:
            super().finish()
        except _QUIET:
            pass

    @property
    def emulator(self) -> EntraEmulator:
        return self.server.emulator

    # -- logging: never bodies, never query strings ---------------------------------

    def log_message(self, format: str, *args: object) -> None:
        pass

    def log_request(self, code: object = "-", size: object = "-") -> None:
        path = self.path.split("?", 1)[0]
        self.emulator.debug(f"{self.command} {path} {code}")

    # -- responses --------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store, no-cache")
        self.send_header("Pragma", "no-cache")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:  # say so, when the connection ends with this answer
            self.send_header("Connection", "close")
        self.end_headers()
        if not getattr(self, "_head", False):
            self.wfile.write(body)

    def _send_json(self, status: int, document: dict, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(document, separators=(",", ":")).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8", headers)

    def _send_entra_error(self, err: errors.EntraError, trace_id: str, correlation_id: str) -> None:
        document = errors.error_body(err, trace_id, correlation_id, self.emulator.authority_host)
        headers = {"x-ms-request-id": trace_id, "client-request-id": correlation_id, **err.headers}
        self._send_json(err.status, document, headers)

    def _read_body(self) -> bytes | None:
        """The request body, or None once a refusal in Entra's shape has been sent (the connection then closes)."""
        try:
            return self._body()
        except BodyRefused as refusal:
            self.close_connection = True  # the rest of the stream cannot be trusted to start a new request
            self._entra_error_only(errors.malformed_request(refusal.status))
            return None

    def _body(self) -> bytes:
        encoding = self.headers.get("Transfer-Encoding")
        if encoding is not None:
            if encoding.strip().lower() != "chunked" or "Content-Length" in self.headers:
                raise BodyRefused(400)  # RFC 9112 6.1: other codings, or both framings at once, are not read
            return self._chunked_body()
        length = self.headers.get("Content-Length", "0").strip()
        if not length.isdigit():
            raise BodyRefused(400)
        if int(length) > MAX_BODY:
            raise BodyRefused(413)
        return self.rfile.read(int(length))

    def _chunked_body(self) -> bytes:
        """RFC 9112 7.1: hex-size lines, each chunk followed by CRLF, a zero chunk, then trailers (ignored)."""
        body = bytearray()
        while True:
            size_line = self._line().split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise BodyRefused(400) from None
            if size < 0 or len(body) + size > MAX_BODY:
                raise BodyRefused(413)
            if size == 0:
                break
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.read(2) != b"\r\n":
                raise BodyRefused(400)
            body += chunk
        while self._line():  # trailer fields, up to the empty line
            pass
        return bytes(body)

    def _line(self) -> bytes:
        line = self.rfile.readline(MAX_CHUNK_LINE + 1)
        if len(line) > MAX_CHUNK_LINE or not line.endswith(b"\n"):
            raise BodyRefused(400)
        return line.rstrip(b"\r\n")

    def _authority(self) -> str:
        """The scheme://host:port the client used (127.0.0.1 or localhost)."""
        host = self.headers.get("Host", "")
        if host in (f"127.0.0.1:{self.emulator.port}", f"localhost:{self.emulator.port}"):
            return f"https://{host}"
        return self.emulator.authority_host

    # -- routing -----------------------------------------------------------------------------

    def do_GET(self) -> None:
        self.emulator.counters.request()
        path = self.path.split("?", 1)[0]
        if path.startswith(PREFIX):
            self._admin(path, b"")
            return
        self._add_latency()
        if _TOKEN.match(path):
            self._entra_error_only(errors.method_not_allowed("GET"))
            return
        if match := _OIDC.match(path):
            self._discovery(match.group(1), "v2" if match.group(2) else "v1", oidc=True)
            return
        if match := _KEYS.match(path):
            self._discovery(match.group(1), "v2" if match.group(2) else "v1", oidc=False)
            return
        if is_graph_path(path):
            self._graph(b"")
            return
        self._send_json(404, {"error": "not_found"})

    def do_POST(self) -> None:
        self.emulator.counters.request()
        body = self._read_body()
        if body is None:
            return
        path = self.path.split("?", 1)[0]
        if path.startswith(PREFIX):
            self._admin(path, body)
            return
        self._add_latency()
        if match := _TOKEN.match(path):
            self._token(match.group(1), "v2" if match.group(2) else "v1", body)
            return
        if is_graph_path(path):
            self._graph(body)
            return
        self._send_json(404, {"error": "not_found"})

    def _add_latency(self) -> None:
        """The configured round trip (Settings.latency), before any answer; the admin API never waits."""
        if self.emulator.settings.latency:
            time.sleep(self.emulator.settings.latency)

    def do_OPTIONS(self) -> None:
        """The token endpoints allow POST and OPTIONS (CORS preflight); say so, with no body."""
        self.emulator.counters.request()
        self.close_connection = True  # a body, if any was sent, is not read
        if _TOKEN.match(self.path.split("?", 1)[0]):
            self._send(200, b"", "text/plain", {"Allow": "POST, OPTIONS"})
        else:
            self._send_json(404, {"error": "not_found"})

    def _any_other_method(self) -> None:
        """PUT, DELETE, PATCH, HEAD, any made-up method: Entra's JSON refusal on a token endpoint, 404 elsewhere."""
        self.emulator.counters.request()
        self.close_connection = True  # a body, if any was sent, is not read
        if _TOKEN.match(self.path.split("?", 1)[0]):
            self._entra_error_only(errors.method_not_allowed(self.command))
        else:
            self._send_json(404, {"error": "not_found"})

    do_PUT = do_DELETE = do_PATCH = do_TRACE = do_CONNECT = _any_other_method

    def do_HEAD(self) -> None:
        self._head = True  # _send leaves the body out, as HEAD requires
        try:
            self._any_other_method()
        finally:
            self._head = False

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # The base class answers a method it has no do_ handler for with an HTML 501; Entra answers in JSON.
        if code == 501 and self.command:
            self._any_other_method()
            return
        super().send_error(code, message, explain)

    def _admin(self, path: str, body: bytes) -> None:
        status, document = handle_admin(self.emulator, self.command, path, self.headers.get(ADMIN_HEADER), body)
        self._send_json(status, document)

    def _correlation_id(self) -> str:
        sent = self.headers.get("client-request-id", "")
        return sent if is_guid(sent) else str(uuid.uuid4())

    def _entra_error_only(self, err: errors.EntraError) -> None:
        self._send_entra_error(err, str(uuid.uuid4()), self._correlation_id())

    def _discovery(self, segment: str, version: str, oidc: bool) -> None:
        emulator, authority = self.emulator, self._authority()
        if segment.lower() in _TENANTLESS:
            tenant_ref, tenant_id = segment.lower(), discovery.TENANT_TEMPLATE
        else:
            tenant = emulator.directory.tenant(segment)
            if tenant is None:
                self._entra_error_only(errors.tenant_not_found(segment))
                return
            tenant_ref = tenant_id = tenant.tenant_id
        if not oidc:
            self._send_json(200, discovery.keys(emulator.issuer, tenant_id, version))
        elif version == "v2":
            self._send_json(200, discovery.openid_configuration_v2(authority, tenant_ref, tenant_id))
        else:
            self._send_json(200, discovery.openid_configuration_v1(authority, tenant_ref, tenant_id))

    def _token(self, segment: str, version: str, body: bytes) -> None:
        emulator = self.emulator
        trace_id, correlation_id = str(uuid.uuid4()), self._correlation_id()
        request = TokenRequest(
            version=version,
            tenant=segment,
            body=body,
            content_type=self.headers.get("Content-Type"),
            authorization=self.headers.get("Authorization"),
            authority=self._authority(),
        )
        emulator.counters.token_request(version, emulator.endpoint.client_id_of(request))
        assertion = emulator.endpoint.assertion_of(request)
        if assertion is not None:  # recorded before any fault or check: tests see every attempt
            emulator.record_assertion(version, segment, assertion)

        fault = emulator.faults.next()
        if fault is not None:
            emulator.counters.fault(fault.label, final=fault.kind != "delay")
            if fault.kind == "drop":
                self.close_connection = True
                return
            if fault.kind == "delay":
                time.sleep(fault.seconds)
            else:
                self._send_fault(fault, trace_id, correlation_id)
                return

        try:
            document = emulator.endpoint.handle(request)
        except errors.EntraError as err:
            emulator.counters.outcome(f"AADSTS{err.code}")
            self._send_entra_error(err, trace_id, correlation_id)
            return
        except Exception:  # a bug here must still answer, and show itself
            traceback.print_exc()
            emulator.counters.outcome("AADSTS50000")
            self._send_entra_error(errors.server_error(500), trace_id, correlation_id)
            return
        emulator.counters.outcome("success")
        self._send_json(200, document, {"x-ms-request-id": trace_id, "client-request-id": correlation_id})

    def _graph(self, body: bytes) -> None:
        """A Microsoft Graph call (graph.py): faults from the Graph fault plan first, then the endpoint."""
        emulator = self.emulator
        request_id = str(uuid.uuid4())
        client_request_id = self._correlation_id()
        headers = {"request-id": request_id, "client-request-id": client_request_id}
        emulator.counters.graph_request()
        fault = emulator.graph_faults.next()
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            return
        if fault is not None and fault.kind == "delay":
            time.sleep(fault.seconds)
            fault = None
        path, _sep, query = self.path.partition("?")
        try:
            if fault is not None:
                raise graph.fault_error(fault)
            status, document = emulator.graph.handle(GraphRequest(
                self.command, path, query, body, self.headers.get("Authorization"), self.headers.get("Content-Type")
            ))
        except GraphError as err:
            document = graph.error_body(err, request_id, client_request_id)
            self._send_json(err.status, document, {**headers, **err.headers})
            return
        except Exception:  # a bug here must still answer, and show itself
            traceback.print_exc()
            err = graph.unavailable(500)
            self._send_json(500, graph.error_body(err, request_id, client_request_id), headers)
            return
        if document is None:
            self._send(status, b"", "text/plain", headers)
        else:
            self._send_json(status, document, headers)

    def _send_fault(self, fault: Fault, trace_id: str, correlation_id: str) -> None:
        status = fault.status
        retry_after = fault.retry_after_header()
        if status in (502, 504):  # these come from the front end, as HTML, not from the token service
            reason = self.responses[status][0]
            headers = {"Retry-After": retry_after} if retry_after else {}
            self._send(status, _GATEWAY_PAGE.format(status, reason).encode(), "text/html", headers)
            return
        err = errors.throttled(retry_after) if status == 429 else errors.server_error(status)
        if retry_after and status != 429:
            err.headers["Retry-After"] = retry_after
        self._send_entra_error(err, trace_id, correlation_id)
