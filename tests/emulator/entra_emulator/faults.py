"""Fault injection for token requests: a queue, plus an optional random fault.

A fault spec is a dict with a ``type``:

- ``{"type": "status", "status": 429, "retry_after": 2}``: answer with that
  status (408, 429, 500, 502, 503 or 504) and a realistic body. ``retry_after``
  (seconds, 429 and 503 only) becomes a ``Retry-After`` header, as seconds or, with
  ``"retry_after_format": "http-date"``, as an HTTP date that many seconds ahead.
- ``{"type": "drop"}``: close the connection without answering.
- ``{"type": "delay", "seconds": 1.5}``: wait, then answer normally.

Any spec may add ``"times": n`` to be queued n times. The queue is consumed in
order, one fault per token request. The random mode, ``{"probability": p,
"seed": s, "fault": spec}``, gives every request (once the queue is empty) that
fault with probability p, from its own seeded generator.
"""

from __future__ import annotations

import collections
import email.utils
import random
import threading
import time
from dataclasses import dataclass

STATUSES = (408, 429, 500, 502, 503, 504)
_KEYS = {
    "status": {"type", "status", "retry_after", "retry_after_format", "times"},
    "drop": {"type", "times"},
    "delay": {"type", "seconds", "times"},
}


@dataclass(frozen=True)
class Fault:
    kind: str
    status: int | None = None
    retry_after: int | None = None
    http_date: bool = False
    seconds: float = 0.0

    @property
    def label(self) -> str:
        """How stats name it: ``429``, ``drop`` or ``delay``."""
        return str(self.status) if self.kind == "status" else self.kind

    def retry_after_header(self, now: float | None = None) -> str | None:
        if self.retry_after is None:
            return None
        if self.http_date:
            moment = (time.time() if now is None else now) + self.retry_after
            return email.utils.formatdate(moment, usegmt=True)
        return str(self.retry_after)


def parse_fault(spec: dict) -> tuple[Fault, int]:
    """A spec's ``Fault`` and how many times to queue it; ValueError if malformed."""
    if not isinstance(spec, dict):
        raise ValueError(f"a fault is a dict, not {spec!r}")
    kind = spec.get("type")
    if kind not in _KEYS:
        raise ValueError(f"a fault's type is one of {sorted(_KEYS)}, not {kind!r}")
    unknown = set(spec) - _KEYS[kind]
    if unknown:
        raise ValueError(f"unknown keys in a {kind} fault: {sorted(unknown)}")
    times = spec.get("times", 1)
    if not isinstance(times, int) or times < 1:
        raise ValueError("times is a positive integer")
    if kind == "drop":
        return Fault("drop"), times
    if kind == "delay":
        seconds = spec.get("seconds")
        if not isinstance(seconds, (int, float)) or seconds < 0:
            raise ValueError("a delay needs seconds >= 0")
        return Fault("delay", seconds=float(seconds)), times
    status = spec.get("status")
    if status not in STATUSES:
        raise ValueError(f"status is one of {STATUSES}, not {status!r}")
    retry_after = spec.get("retry_after")
    if retry_after is not None and (status not in (429, 503) or not isinstance(retry_after, int) or retry_after < 0):
        raise ValueError("retry_after is whole seconds >= 0, for a 429 or a 503")
    if status == 429 and retry_after is None:
        retry_after = 1
    fmt = spec.get("retry_after_format", "seconds")
    if fmt not in ("seconds", "http-date"):
        raise ValueError("retry_after_format is 'seconds' or 'http-date'")
    return Fault("status", status=status, retry_after=retry_after, http_date=fmt == "http-date"), times


class FaultPlan:
    """The faults still to serve; safe to share between request threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: collections.deque[Fault] = collections.deque()
        self._random: tuple[float, Fault, random.Random] | None = None

    def replace(self, faults: list[dict] | None = None, random_fault: dict | None = None) -> None:
        """Swap in a new plan; validates everything before changing anything."""
        queue: list[Fault] = []
        for spec in faults or []:
            fault, times = parse_fault(spec)
            queue.extend([fault] * times)
        chance = None
        if random_fault is not None:
            probability = random_fault.get("probability")
            if not isinstance(probability, (int, float)) or not 0 <= probability <= 1:
                raise ValueError("probability is a number from 0 to 1")
            fault, _unused = parse_fault(random_fault.get("fault"))
            chance = (float(probability), fault, random.Random(random_fault.get("seed")))
        with self._lock:
            self._queue = collections.deque(queue)
            self._random = chance

    def clear(self) -> None:
        self.replace()

    def next(self) -> Fault | None:
        """The fault for the next token request, if any."""
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            if self._random is not None:
                probability, fault, rng = self._random
                if rng.random() < probability:
                    return fault
            return None

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)
