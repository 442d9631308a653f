# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One request and its answer over a kept-alive connection, under a deadline and a byte cap.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

The answer is never decompressed (``Accept-Encoding: identity``; any other
Content-Encoding is refused unread) and is read in chunks up to
``MAX_BODY_BYTES``; http.client bounds header lines and their count. Redirects
are never followed: the answer is returned whatever its status.
"""

from __future__ import annotations

import http.client
import socket
import ssl

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import MUST_PROPAGATE, TransportError
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.connection import AttemptFailure, Connection
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.deadline import Deadline, Expired, Watchdog
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.diagnosis import transport_error
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.proxy import Proxy
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.target import Target
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.trust import trust_environment

# A token answer is a few kilobytes; 1 MiB is generous, and bounds memory whatever the endpoint sends.
MAX_BODY_BYTES = 1 << 20
READ_CHUNK = 64 * 1024

# Idle keep-alive connections, one per origin, proxy and trust setting, so several tokens in one
# process pay one TLS handshake. A connection is taken out while in use, so threads never share one.
_POOL: dict = {}


def exchange(target: Target, proxy: Proxy | None, context: ssl.SSLContext | None, verify: bool | str,
             method: str, headers: dict, body: bytes | None, deadline: Deadline) -> tuple:  # fmt: skip
    """One attempt: a pooled connection if one is alive (once more on a fresh one if it turns out stale)."""
    key = (target.scheme, target.host, target.port, proxy, verify, trust_environment())
    pooled = _POOL.pop(key, None)
    if pooled is not None and not pooled.idle_and_alive():
        pooled.close()
        pooled = None
    connection = pooled or Connection(target, proxy, context)
    try:
        try:
            status, answer_headers, answer, reusable = _send(connection, target, method, headers, body, deadline)
        except AttemptFailure as failure:
            connection.close()
            if pooled is None or not _is_stale(failure, deadline):
                raise
            connection = Connection(target, proxy, context)
            status, answer_headers, answer, reusable = _send(connection, target, method, headers, body, deadline)
    except AttemptFailure as failure:
        connection.close()
        raise transport_error(failure, target, proxy, deadline) from None
    except BaseException:
        connection.close()
        raise
    if reusable:
        _POOL[key] = connection
    else:
        connection.close()
    return status, answer_headers, answer


def _is_stale(failure: AttemptFailure, deadline: Deadline) -> bool:
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


def _send(connection: Connection, target: Target, method: str, headers: dict, body: bytes | None,
          deadline: Deadline) -> tuple:  # fmt: skip
    """Send the request and read the answer under ``deadline``: (status, headers, body, reusable)."""
    watchdog = Watchdog(deadline)
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
    except (Expired, TransportError):
        raise
    except MUST_PROPAGATE:
        raise
    except BaseException as exc:  # a library or native failure: classified, never shown raw
        raise AttemptFailure(connection.phase, exc) from None
    finally:
        watchdog.stop()
        connection.deadline = connection.watchdog = None


def _headers(response: http.client.HTTPResponse) -> dict:
    """The answer's headers as a plain dict; repeated headers are joined with ", " as requests did."""
    joined: dict = {}
    for name, value in response.getheaders():
        joined[name] = f"{joined[name]}, {value}" if name in joined else value
    return joined


def _check_framing(response: http.client.HTTPResponse, target: Target) -> None:
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


def _read_body(sock: socket.socket, response: http.client.HTTPResponse, target: Target,
               deadline: Deadline) -> bytes:  # fmt: skip
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


def _too_large(target: Target) -> TransportError:
    return TransportError(
        f"The answer from {target.url_origin} is larger than {MAX_BODY_BYTES // 1024} KiB; a token answer is a few "
        "kilobytes, so this is not Microsoft Entra ID. Check authority_host and any proxy in between.",
        option="authority_host",
    )
