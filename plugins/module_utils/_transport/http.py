# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTPS requests with a total deadline and a bounded answer, from the standard library only.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Why not ``requests``: its timeout bounds each socket read, not the request, so
an endpoint that trickles one byte or one header line a second keeps a task
running for ever; and it decompresses and buffers bodies unasked, so a small
gzip answer can take gigabytes of memory. Here:

- ``timeout`` bounds each whole attempt: DNS, TCP connect, proxy CONNECT, TLS
  handshake, request, status line, headers and body. Each socket operation
  gets the time that remains, and a watchdog shuts the socket down at the
  deadline, which ends any read at once however the peer trickles. DNS runs in
  a daemon thread (getaddrinfo ignores socket timeouts). No signals: Ansible's
  own task timeout uses SIGALRM.
- The answer is never decompressed (``Accept-Encoding: identity``; any other
  Content-Encoding is refused unread) and is read in chunks up to
  ``MAX_BODY_BYTES``. http.client bounds header lines and their count.
- CA files are opened without blocking and must be regular files, so a FIFO
  or a device as ``ca_path`` fails at once instead of hanging.
- Redirects are never followed. ``HTTPS_PROXY`` and ``NO_PROXY`` are honoured
  as requests honoured them, through an HTTP CONNECT tunnel.

Messages never quote a library's exception text or the answer (either could
echo request details); they name the cause and the option that fixes it.
Proxy credentials are never echoed.
"""

from __future__ import annotations

import base64
import errno
import http.client
import os
import re
import select
import socket
import ssl
import stat
import threading
import time
import uuid
from dataclasses import dataclass
from urllib.parse import unquote, urlencode, urlsplit
from urllib.request import getproxies_environment, proxy_bypass_environment

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.defaults import DEFAULT_TIMEOUT
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import MUST_PROPAGATE, TransportError

USER_AGENT = "azure_ad.oauth/0.1.0"
# A token answer is a few kilobytes; 1 MiB is generous, and bounds memory whatever the endpoint sends.
MAX_BODY_BYTES = 1 << 20
READ_CHUNK = 64 * 1024
# A CA bundle is a few hundred kilobytes (certifi's is ~300 KiB).
MAX_CA_FILE_BYTES = 8 << 20
MAX_CA_DIRECTORY_BYTES = 32 << 20
MAX_CA_DIRECTORY_FILES = 4096
CA_ENVIRONMENT = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
_PEM_BEGIN = "-----BEGIN CERTIFICATE-----"
_PEM_END = "-----END CERTIFICATE-----"

# Idle keep-alive connections, one per origin, proxy and trust setting, so several tokens in one
# process pay one TLS handshake. A connection is taken out while in use, so threads never share one.
_POOL: dict = {}
# TLS contexts per trust setting: loading a CA store costs tens of milliseconds.
_CONTEXTS: dict = {}


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict
    body: bytes
    client_request_id: str


def post_form(url: str, form: dict, timeout: float, verify: bool | str) -> HttpResponse:
    """POST ``form`` to ``url`` and return the raw answer, whatever its status."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    return request("POST", url, headers, urlencode(form).encode("utf-8"), timeout, verify)


def request(method: str, url: str, headers: dict | None = None, body: bytes | None = None,
            timeout: float = DEFAULT_TIMEOUT, verify: bool | str = True) -> HttpResponse:  # fmt: skip
    """Send one request and return the answer, whatever its status; redirects are not followed.

    ``timeout`` bounds the whole attempt; ``verify`` is True (the system's or REQUESTS_CA_BUNDLE's CAs),
    False (no check) or the path of a CA file or directory (``ca_path``). Raises TransportError.
    """
    target = _Target.parse(url)
    client_request_id = (headers or {}).get("client-request-id") or str(uuid.uuid4())
    sent = {
        "Accept": "application/json",
        "Accept-Encoding": "identity",
        "User-Agent": USER_AGENT,
        "client-request-id": client_request_id,
        "return-client-request-id": "true",
    }
    sent.update(headers or {})
    deadline = _Deadline(timeout)
    try:
        context = _tls_context(verify) if target.scheme == "https" else None
        proxy = _proxy_for(target)
        status, answer_headers, answer = _exchange(target, proxy, context, verify, method, sent, body, deadline)
    except _Expired:
        raise _timeout_error(target, timeout) from None
    return HttpResponse(status, answer_headers, answer, client_request_id)


# ------------------------------------------------------------------------------------------ where to connect


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> _Target:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            parts, port = None, None
        if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
            raise TransportError(f"The URL {_url_origin_of(url)} is not a valid https URL. Check authority_host.",
                                 option="authority_host")  # fmt: skip
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return cls(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path)

    @property
    def url_origin(self) -> str:
        """scheme://host[:port], never with userinfo, for messages."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return f"{self.scheme}://{host}" + ("" if self.port == default else f":{self.port}")


@dataclass(frozen=True)
class _Proxy:
    host: str
    port: int
    authorization: str | None  # the Proxy-Authorization value, from the proxy URL's userinfo

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def _proxy_for(target: _Target) -> _Proxy | None:
    """The proxy HTTPS_PROXY (or ALL_PROXY) names for ``target``, unless NO_PROXY exempts it.

    Plain http is allowed only to loopback test endpoints, which never go through a proxy.
    """
    if target.scheme != "https":
        return None
    proxies = getproxies_environment()
    url = proxies.get("https") or proxies.get("all")
    if not url or proxy_bypass_environment(target.host, proxies):
        return None
    if "://" not in url:
        url = "http://" + url  # requests' reading of "proxy:3128"
    try:
        parts = urlsplit(url)
        port = parts.port or 8080
    except ValueError:
        parts = None
    if parts is None or parts.scheme != "http" or not parts.hostname:
        raise TransportError(
            "HTTPS_PROXY (or https_proxy, ALL_PROXY) is not an http:// proxy URL such as http://proxy.example:3128; "
            "fix it, or exempt the token endpoint with NO_PROXY.",
            option="authority_host",
        )
    authorization = None
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        authorization = "Basic " + base64.b64encode(credentials).decode("ascii")
    return _Proxy(parts.hostname, port, authorization)


# ------------------------------------------------------------------------------------------ the deadline


class _Expired(Exception):
    """The attempt's deadline has passed."""


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left, for a socket timeout; raises _Expired when none are."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise _Expired()
        return left

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.end


class _Watchdog:
    """At the deadline, shut down every socket of the attempt, which ends any blocked read or write at once.

    It holds a duplicate of each socket's descriptor: shutdown acts on the connection, not on the
    descriptor, so it also ends reads through the TLS layer wrapped around the original.
    """

    def __init__(self, deadline: _Deadline) -> None:
        self._lock = threading.Lock()
        self._watched: list = []
        self._fired = False
        self._stopped = False
        self._timer = threading.Timer(max(0.0, deadline.end - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if self._fired or self._stopped:
                raise _Expired()
            self._watched.append(socket.fromfd(sock.fileno(), sock.family, sock.type))

    def _fire(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._fired = True
            for watched in self._watched:
                try:
                    watched.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._stopped = True
            for watched in self._watched:
                watched.close()
            self._watched = []


def _resolve(host: str, port: int, deadline: _Deadline) -> list:
    """getaddrinfo, bounded by the deadline: it ignores socket timeouts, so it runs in a daemon thread."""
    if _is_ip_literal(host):
        return socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM, 0, socket.AI_NUMERICHOST)
    outcome: dict = {}

    def lookup() -> None:
        try:
            outcome["addresses"] = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except Exception as exc:  # handed to the caller's thread below
            outcome["error"] = exc

    worker = threading.Thread(target=lookup, name="azure_ad.oauth-dns", daemon=True)
    worker.start()
    worker.join(deadline.remaining())
    if worker.is_alive():
        raise _Expired()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["addresses"]


def _is_ip_literal(host: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
            return True
        except (OSError, ValueError):
            pass
    return False


# ------------------------------------------------------------------------------------------ one connection


class _Failure(Exception):
    """Where an attempt failed: ``phase`` (dns, connect, proxy, tls, send, response, body) and the cause."""

    def __init__(self, phase: str, cause: BaseException) -> None:
        super().__init__(phase)
        self.phase = phase
        self.cause = cause


class _Connection(http.client.HTTPConnection):
    """An http.client connection whose connect, proxy CONNECT and TLS handshake obey the attempt's deadline.

    ``deadline`` and ``watchdog`` are set before each attempt. ``connect`` reuses http.client's CONNECT
    tunnel (``set_tunnel`` / ``_tunnel``), which has existed unchanged in name since Python 3.4.
    """

    def __init__(self, target: _Target, proxy: _Proxy | None, context: ssl.SSLContext | None) -> None:
        host, port = (proxy.host, proxy.port) if proxy else (target.host, target.port)
        super().__init__(host, port)
        # http.client leaves the port out of the Host header only when it is the scheme's default.
        self.default_port = 443 if target.scheme == "https" else 80
        self.target = target
        self.proxy = proxy
        self.tls_context = context
        self.deadline: _Deadline | None = None
        self.watchdog: _Watchdog | None = None
        self.phase = "connect"
        if proxy is not None:
            tunnel_headers = {"Proxy-Authorization": proxy.authorization} if proxy.authorization else None
            self.set_tunnel(target.host, target.port, headers=tunnel_headers)

    def connect(self) -> None:
        self.phase = "dns"
        addresses = _resolve(self.host, self.port, self.deadline)
        self.phase = "connect"
        self.sock = self._open_socket(addresses)
        if self.proxy is not None:
            self.phase = "proxy"
            self._tunnel()
        if self.tls_context is not None:
            self.phase = "tls"
            self.sock.settimeout(self.deadline.remaining())
            self.sock = self.tls_context.wrap_socket(self.sock, server_hostname=self.target.host)

    def _open_socket(self, addresses: list) -> socket.socket:
        last_error: OSError | None = None
        for family, kind, protocol, _canonical_name, address in addresses:
            sock = socket.socket(family, kind, protocol)
            try:
                sock.settimeout(self.deadline.remaining())
                self.watchdog.watch(sock)
                sock.connect(address)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return sock
            except OSError as exc:
                sock.close()
                last_error = exc
            except BaseException:
                sock.close()
                raise
        raise last_error or OSError("no address")

    def idle_and_alive(self) -> bool:
        """A kept-alive connection is usable when the server has neither closed it nor sent anything."""
        if self.sock is None:
            return False
        try:
            readable = select.select([self.sock], [], [], 0)[0]
        except (OSError, ValueError):
            return False
        return not readable


def _exchange(target: _Target, proxy: _Proxy | None, context: ssl.SSLContext | None, verify: bool | str,
              method: str, headers: dict, body: bytes | None, deadline: _Deadline) -> tuple:  # fmt: skip
    """One attempt: a pooled connection if one is alive (once more on a fresh one if it turns out stale)."""
    key = (target.scheme, target.host, target.port, proxy, verify, _trust_environment())
    pooled = _POOL.pop(key, None)
    if pooled is not None and not pooled.idle_and_alive():
        pooled.close()
        pooled = None
    connection = pooled or _Connection(target, proxy, context)
    try:
        try:
            status, answer_headers, answer, reusable = _send(connection, target, method, headers, body, deadline)
        except _Failure as failure:
            connection.close()
            if pooled is None or not _is_stale(failure, deadline):
                raise
            connection = _Connection(target, proxy, context)
            status, answer_headers, answer, reusable = _send(connection, target, method, headers, body, deadline)
    except _Failure as failure:
        connection.close()
        raise _transport_error(failure, target, proxy, deadline) from None
    except BaseException:
        connection.close()
        raise
    if reusable:
        _POOL[key] = connection
    else:
        connection.close()
    return status, answer_headers, answer


def _is_stale(failure: _Failure, deadline: _Deadline) -> bool:
    """A kept-alive connection the server had closed: writing the request failed.

    Only the send step counts. Once the request is out, the server may have read it: a drop then is a
    real failure, and resending the same form would replay its client assertion (one jti per attempt),
    so it is left to the retry policy, which signs anew. ``idle_and_alive`` already discards connections
    the server closed while idle, which leaves only a narrow race for this to catch.
    """
    if deadline.expired or failure.phase != "send":
        return False
    return isinstance(failure.cause, (ConnectionError, http.client.RemoteDisconnected, ssl.SSLEOFError,
                                      ssl.SSLZeroReturnError))  # fmt: skip


def _send(connection: _Connection, target: _Target, method: str, headers: dict, body: bytes | None,
          deadline: _Deadline) -> tuple:  # fmt: skip
    """Send the request and read the answer under ``deadline``: (status, headers, body, reusable)."""
    watchdog = _Watchdog(deadline)
    connection.deadline, connection.watchdog = deadline, watchdog
    try:
        if connection.sock is None:
            connection.connect()
        else:
            watchdog.watch(connection.sock)
        connection.phase = "send"
        connection.sock.settimeout(deadline.remaining())
        connection.request(method, target.path, body=body, headers=headers)
        connection.phase = "response"
        # Kept: http.client drops connection.sock when the answer says it will close, but reads on through it.
        sock = connection.sock
        sock.settimeout(deadline.remaining())
        response = connection.getresponse()
        answer_headers = _headers(response)
        _check_framing(response, target)
        connection.phase = "body"
        answer = _read_body(sock, response, target, deadline)
        return response.status, answer_headers, answer, not response.will_close
    except (_Expired, TransportError):
        raise
    except MUST_PROPAGATE:
        raise
    except BaseException as exc:  # a library or native failure: classified, never shown raw
        raise _Failure(connection.phase, exc) from None
    finally:
        watchdog.stop()
        connection.deadline = connection.watchdog = None


def _headers(response: http.client.HTTPResponse) -> dict:
    """The answer's headers as a plain dict; repeated headers are joined with ", " as requests did."""
    joined: dict = {}
    for name, value in response.getheaders():
        joined[name] = f"{joined[name]}, {value}" if name in joined else value
    return joined


def _check_framing(response: http.client.HTTPResponse, target: _Target) -> None:
    """Refuse, before reading a byte of it, a body we would have to decompress or that is too large."""
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    transfer = (response.getheader("Transfer-Encoding") or "chunked").strip().lower()
    if encoding not in ("identity", "") or transfer not in ("chunked", "identity"):
        raise TransportError(
            f"{target.url_origin} answered with a compressed or encoded body (Content-Encoding or Transfer-Encoding), "
            "although only identity was accepted; it does not behave like Microsoft Entra ID. Check authority_host "
            "and any proxy in between.",
            option="authority_host",
        )
    if response.length is not None and response.length > MAX_BODY_BYTES:
        raise _too_large(target)


def _read_body(sock: socket.socket, response: http.client.HTTPResponse, target: _Target,
               deadline: _Deadline) -> bytes:  # fmt: skip
    declared, chunks, size = response.length, [], 0
    while True:
        # Once the whole body is in, http.client closes its file, and with it the socket of a closing connection.
        chunk = b""
        if not response.isclosed():
            sock.settimeout(deadline.remaining())
            chunk = response.read(min(READ_CHUNK, MAX_BODY_BYTES + 1 - size))
        if not chunk:
            if declared is not None and size < declared:
                # http.client's read(amt) returns a short body silently when the peer closes early.
                raise http.client.IncompleteRead(b"", declared - size)
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large(target)
        chunks.append(chunk)


def _too_large(target: _Target) -> TransportError:
    return TransportError(
        f"The answer from {target.url_origin} is larger than {MAX_BODY_BYTES // 1024} KiB; a token answer is a few "
        "kilobytes, so this is not Microsoft Entra ID. Check authority_host and any proxy in between.",
        option="authority_host",
    )


# ------------------------------------------------------------------------------------------ failures


def _timeout_error(target: _Target, timeout: float) -> TransportError:
    return TransportError(
        f"{target.url_origin} did not answer in full within {timeout:g} seconds (timeout bounds each attempt, from "
        "connecting to the last byte of the answer).",
        option="timeout",
        retryable=True,
        reason="timeout",
    )


def _transport_error(failure: _Failure, target: _Target, proxy: _Proxy | None, deadline: _Deadline) -> TransportError:
    phase, cause = failure.phase, failure.cause
    if deadline.expired or isinstance(cause, (socket.timeout, _Expired)):
        return _timeout_error(target, deadline.seconds)
    if isinstance(cause, ssl.SSLCertVerificationError):
        return TransportError(
            f"TLS verification of {target.url_origin} failed. If a proxy or private CA re-signs traffic, give its CA "
            "bundle in ca_path (or REQUESTS_CA_BUNDLE); validate_certs=false disables the check (unsafe).",
            option="ca_path",
        )
    if isinstance(cause, http.client.InvalidURL):
        return TransportError(f"The request to {target.url_origin} failed (InvalidURL). Check authority_host.",
                              option="authority_host")  # fmt: skip
    if phase in ("dns", "connect", "proxy") and proxy is not None:
        return TransportError(
            f"The proxy refused or dropped the connection to {target.url_origin}{_proxy_status(cause)}. Check "
            "HTTPS_PROXY and NO_PROXY.",
            option="authority_host",
            retryable=True,
            reason="proxy error",
        )
    if phase == "tls" and isinstance(cause, ssl.SSLError) and not isinstance(cause, ssl.SSLEOFError):
        return TransportError(
            f"The TLS handshake with {target.url_origin} failed: it must offer TLS 1.2 or later, and speak TLS on that "
            "port. Check authority_host, and HTTPS_PROXY if you are behind a proxy.",
            option="authority_host",
        )
    if isinstance(cause, (http.client.LineTooLong, http.client.BadStatusLine)) and not isinstance(
        cause, http.client.RemoteDisconnected
    ):
        return _not_http(target)
    if phase == "response" and isinstance(cause, http.client.HTTPException) and not isinstance(
        cause, (http.client.RemoteDisconnected, http.client.IncompleteRead)
    ):
        return _not_http(target)
    if isinstance(cause, (OSError, http.client.HTTPException, ValueError)):
        return TransportError(
            f"Could not reach {target.url_origin}, or it dropped the connection. Check authority_host, DNS, and "
            "HTTPS_PROXY if you are behind a proxy.",
            option="authority_host",
            retryable=True,
            reason="connection error",
        )
    return TransportError(
        f"The request to {target.url_origin} failed ({type(cause).__name__}). Check authority_host.",
        option="authority_host",
    )


def _proxy_status(cause: BaseException) -> str:
    """`` (HTTP 407)`` when the proxy answered the CONNECT with a status; only the number is kept."""
    if not isinstance(cause, OSError):
        return ""
    match = re.match(r"Tunnel connection failed: ([1-5][0-9][0-9])\b", str(cause))
    return f" (it answered HTTP {match.group(1)})" if match else ""


def _not_http(target: _Target) -> TransportError:
    return TransportError(
        f"{target.url_origin} did not answer in well-formed HTTP (a garbled status line, or header lines that are too "
        "long or too many); it is not Microsoft Entra ID. Check authority_host and any proxy in between.",
        option="authority_host",
    )


def _url_origin_of(url: str) -> str:
    """The scheme and host of a URL that may not parse, without userinfo, for messages."""
    scheme, _separator, rest = str(url).partition("://")
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    return f"{scheme}://{host}" if rest else "''"


# ------------------------------------------------------------------------------------------ TLS trust


def _trust_environment() -> tuple:
    return tuple(os.environ.get(name) or None for name in (*CA_ENVIRONMENT, "SSL_CERT_FILE"))


def _tls_context(verify: bool | str) -> ssl.SSLContext:
    key = (verify, _trust_environment())
    context = _CONTEXTS.get(key)
    if context is None:
        try:
            context = _new_tls_context(verify)
        except TransportError:
            raise
        except (ssl.SSLError, OSError, ValueError):
            raise TransportError(
                "The CA certificates to trust could not be loaded. Check ca_path, REQUESTS_CA_BUNDLE and "
                "SSL_CERT_FILE, or the system's CA store.",
                option="ca_path",
            ) from None
        _CONTEXTS[key] = context
    return context


def _new_tls_context(verify: bool | str) -> ssl.SSLContext:
    """TLS 1.2+; trust ``ca_path``, else REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, else the system's CAs (certifi's
    when the system has none). Every CA file is read by ``_read_ca_file``, which never blocks."""
    if verify is False:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif isinstance(verify, str):
        context = _context_with_cas(_read_cas(verify, "ca_path"), "ca_path", verify)
    else:
        variable = next((name for name in CA_ENVIRONMENT if os.environ.get(name)), None)
        if variable is not None:
            context = _context_with_cas(_read_cas(os.environ[variable], variable), variable, os.environ[variable])
        else:
            context = _system_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _system_context() -> ssl.SSLContext:
    cert_file = os.environ.get("SSL_CERT_FILE")
    if cert_file:
        # OpenSSL would open it itself, blocking on a FIFO: read it the safe way, as it would be read.
        context = _context_with_cas(_read_cas(cert_file, "SSL_CERT_FILE"), "SSL_CERT_FILE", cert_file)
    else:
        context = ssl.create_default_context()
    if not context.cert_store_stats().get("x509_ca") and not _has_ca_directory():
        bundle = _certifi_bundle()
        if bundle is not None:
            context = _context_with_cas(_read_cas(bundle, "certifi"), "certifi", bundle)
    return context


def _has_ca_directory() -> bool:
    """A hashed CA directory that OpenSSL searches on demand (its certificates are not counted when loaded)."""
    capath = ssl.get_default_verify_paths().capath
    try:
        return bool(capath) and any(os.scandir(capath))
    except OSError:
        return False


def _certifi_bundle() -> str | None:
    """certifi's CA bundle, for hosts whose system store is empty (minimal containers, python.org macOS)."""
    try:
        import certifi
    except ImportError:
        return None
    return certifi.where()


def _context_with_cas(pem_blocks: list, name: str, path: str) -> ssl.SSLContext:
    """A verifying context that trusts exactly ``pem_blocks``; a damaged block is skipped, not fatal."""
    try:
        return ssl.create_default_context(cadata="\n".join(pem_blocks)) if pem_blocks else _no_cas(name, path)
    except (ssl.SSLError, ValueError):
        pass  # one damaged certificate spoils the whole text for OpenSSL: keep the ones that load
    loadable = [block for block in pem_blocks if _loads(block)]
    if not loadable:
        _no_cas(name, path)
    return ssl.create_default_context(cadata="\n".join(loadable))


def _loads(block: str) -> bool:
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cadata=block)
    except (ssl.SSLError, ValueError):
        return False
    return True


def _no_cas(name: str, path: str):
    raise TransportError(f"{_ca_label(name, path)} holds no usable PEM CA certificate (-----BEGIN CERTIFICATE-----). "
                         f"{_ca_fix(name)}", option="ca_path")  # fmt: skip


def _read_cas(path: str, name: str) -> list:
    """The PEM certificates of a CA file, or of the regular files of a CA directory; never blocks.

    Opened with O_NONBLOCK, so a FIFO opens at once, then refused by fstat: only regular files are read,
    and the check is on the opened descriptor, so a path swapped after a check cannot slip through.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise _ca_open_error(exc, name, path) from None
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            return _read_ca_directory(descriptor, name, path)
        if not stat.S_ISREG(mode):
            raise _ca_not_regular(name, path)
        return _pem_blocks(_read_capped(descriptor, name, path))
    finally:
        os.close(descriptor)


def _read_ca_directory(directory: int, name: str, path: str) -> list:
    """Every regular file of the directory (hashed links included); FIFOs, sockets and devices are skipped."""
    blocks, total = [], 0
    entries = sorted(os.listdir(directory))[:MAX_CA_DIRECTORY_FILES]
    for entry in entries:
        try:
            descriptor = os.open(entry, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0), dir_fd=directory)
        except OSError:
            continue  # unreadable, a dangling link or a socket: not a CA file
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                continue
            data = _read_capped(descriptor, name, path)
        finally:
            os.close(descriptor)
        total += len(data)
        if total > MAX_CA_DIRECTORY_BYTES:
            raise TransportError(f"{_ca_label(name, path)} holds more than {MAX_CA_DIRECTORY_BYTES >> 20} MiB of "
                                 f"files; that is no CA directory. {_ca_fix(name)}", option="ca_path")  # fmt: skip
        blocks.extend(_pem_blocks(data))
    return blocks


def _read_capped(descriptor: int, name: str, path: str) -> bytes:
    chunks, size = [], 0
    while True:
        try:
            chunk = os.read(descriptor, READ_CHUNK)
        except OSError as exc:
            raise _ca_open_error(exc, name, path) from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_CA_FILE_BYTES:
            raise TransportError(f"{_ca_label(name, path)} is larger than {MAX_CA_FILE_BYTES >> 20} MiB; that is no "
                                 f"CA bundle. {_ca_fix(name)}", option="ca_path")  # fmt: skip
        chunks.append(chunk)


def _pem_blocks(data: bytes) -> list:
    """The CERTIFICATE blocks of a PEM text; other blocks and text between them are ignored."""
    text = data.decode("latin-1")
    blocks, start = [], text.find(_PEM_BEGIN)
    while start >= 0:
        end = text.find(_PEM_END, start)
        if end < 0:
            break
        blocks.append(text[start:end + len(_PEM_END)])
        start = text.find(_PEM_BEGIN, end)
    return blocks


def _ca_label(name: str, path: str) -> str:
    if name == "ca_path":
        return f"ca_path '{path}'"
    return f"The CA bundle '{path}' named by {name}"


def _ca_fix(name: str) -> str:
    if name == "ca_path":
        return "Give a PEM file or a directory of CA certificates."
    return f"Fix or unset {name}, or give ca_path."


def _ca_not_regular(name: str, path: str) -> TransportError:
    return TransportError(f"{_ca_label(name, path)} is not a regular file or directory (a FIFO, socket or device). "
                          f"{_ca_fix(name)}", option="ca_path")  # fmt: skip


def _ca_open_error(exc: OSError, name: str, path: str) -> TransportError:
    if exc.errno in (errno.ENXIO, errno.EOPNOTSUPP, errno.ENODEV):  # a socket or a device without a driver
        return _ca_not_regular(name, path)
    if name == "ca_path":
        return TransportError(
            f"ca_path '{path}' does not exist or cannot be read. Give an existing CA bundle (a PEM file) or a "
            "directory of hashed CA certificates.",
            option="ca_path",
        )
    return TransportError(
        f"The CA bundle named by {name} ('{path}') does not exist or cannot be read: fix it, or give ca_path.",
        option="ca_path",
    )
