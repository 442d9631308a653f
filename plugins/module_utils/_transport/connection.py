# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One connection to the endpoint, or to the proxy before it, opened under the attempt's deadline.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

DNS, TCP connect, the proxy's CONNECT tunnel and the TLS handshake each get the
time that remains, and every socket is watched by the attempt's watchdog. A
failure is wrapped with the phase it happened in, for ``diagnosis`` to word.
"""

from __future__ import annotations

import http.client
import select
import socket
import ssl

from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.deadline import Deadline, Watchdog, resolve
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.proxy import Proxy
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.target import Target


class AttemptFailure(Exception):
    """Where an attempt failed: ``phase`` (dns, connect, proxy, tls, send, response, body) and the cause."""

    def __init__(self, phase: str, cause: BaseException) -> None:
        super().__init__(phase)
        self.phase = phase
        self.cause = cause


class Connection(http.client.HTTPConnection):
    """An http.client connection whose connect, proxy CONNECT and TLS handshake obey the attempt's deadline.

    ``deadline`` and ``watchdog`` are set before each attempt. ``connect`` reuses http.client's CONNECT
    tunnel (``set_tunnel`` / ``_tunnel``), which has existed unchanged in name since Python 3.4.
    """

    def __init__(self, target: Target, proxy: Proxy | None, context: ssl.SSLContext | None) -> None:
        host, port = (proxy.host, proxy.port) if proxy else (target.host, target.port)
        super().__init__(host, port)
        # http.client leaves the port out of the Host header only when it is the scheme's default.
        self.default_port = 443 if target.scheme == "https" else 80
        self.target = target
        self.proxy = proxy
        self.tls_context = context
        self.deadline: Deadline | None = None
        self.watchdog: Watchdog | None = None
        self.phase = "connect"
        if proxy is not None:
            tunnel_headers = {"Proxy-Authorization": proxy.authorization} if proxy.authorization else None
            self.set_tunnel(target.host, target.port, headers=tunnel_headers)

    def connect(self) -> None:
        self.phase = "dns"
        addresses = resolve(self.host, self.port, self.deadline)
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
