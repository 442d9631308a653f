"""Counters for token requests and TCP connections, safe across request threads.

``snapshot()`` returns::

    {
      "token_requests": 7,
      "by_endpoint": {"v2": 6, "v1": 1},
      "by_client_id": {"5f0c...": 7},
      "by_outcome": {"success": 4, "AADSTS7000215": 1, "fault:429": 1, "fault:drop": 1},
      "faults_served": 2,
      "connections": 3,
      "requests": 12,
      "graph_requests": 0,
    }

``requests`` counts every HTTP request (discovery and admin ones too) and
``connections`` every TCP connection accepted, so ``requests / connections``
shows keep-alive at work. A delay fault counts under ``faults_served`` and then
under the outcome of the request it delayed.
"""

from __future__ import annotations

import collections
import threading


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        self._token_requests = 0
        self._by_endpoint: collections.Counter[str] = collections.Counter()
        self._by_client: collections.Counter[str] = collections.Counter()
        self._by_outcome: collections.Counter[str] = collections.Counter()
        self._faults = 0
        self._connections = 0
        self._requests = 0
        self._graph_requests = 0

    def reset(self) -> None:
        with self._lock:
            self._clear()

    def connection(self) -> None:
        with self._lock:
            self._connections += 1

    def request(self) -> None:
        with self._lock:
            self._requests += 1

    def graph_request(self) -> None:
        with self._lock:
            self._graph_requests += 1

    def token_request(self, endpoint: str, client_id: str | None) -> None:
        with self._lock:
            self._token_requests += 1
            self._by_endpoint[endpoint] += 1
            self._by_client[client_id or "(none)"] += 1

    def fault(self, label: str, final: bool) -> None:
        """A fault served; ``final`` when it replaced the answer (not a delay)."""
        with self._lock:
            self._faults += 1
            if final:
                self._by_outcome[f"fault:{label}"] += 1

    def outcome(self, outcome: str) -> None:
        with self._lock:
            self._by_outcome[outcome] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {
                "token_requests": self._token_requests,
                "by_endpoint": dict(self._by_endpoint),
                "by_client_id": dict(self._by_client),
                "by_outcome": dict(self._by_outcome),
                "faults_served": self._faults,
                "connections": self._connections,
                "requests": self._requests,
                "graph_requests": self._graph_requests,
            }
