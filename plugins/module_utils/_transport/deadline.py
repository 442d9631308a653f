# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One deadline for a whole attempt, however the peer trickles, and name resolution bounded by it.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

A socket timeout bounds each read, not the attempt: an endpoint that sends one
byte a second never trips it. So each socket operation gets the time that
remains, and a ``Watchdog`` shuts the attempt's sockets down at the deadline,
which ends any blocked read or write at once. getaddrinfo ignores socket
timeouts, so ``resolve`` runs it in a daemon thread. No signals: Ansible's own
task timeout uses SIGALRM.
"""

from __future__ import annotations

import socket
import threading
import time


class Expired(Exception):
    """The attempt's deadline has passed."""


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left, for a socket timeout; raises Expired when none are."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise Expired()
        return left

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.end


class Watchdog:
    """At the deadline, shut down every socket of the attempt, which ends any blocked read or write at once.

    It holds a duplicate of each socket's descriptor: shutdown acts on the connection, not on the
    descriptor, so it also ends reads through the TLS layer wrapped around the original.
    """

    def __init__(self, deadline: Deadline) -> None:
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
                raise Expired()
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


def resolve(host: str, port: int, deadline: Deadline) -> list:
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
        raise Expired()
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
