# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry transient failures of the token endpoint, respecting throttling.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Entra throttles with 429 and Retry-After, has transient 5xx, and sits behind
proxies that drop connections. Those are retried; any other 4xx is final (a
wrong secret stays wrong). The worst case is bounded: at most ``retries + 1``
requests of ``timeout`` seconds each, plus at most ``retries`` waits of
``max_retry_wait`` seconds each.
"""

from __future__ import annotations

import email.utils
import math
import random
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.defaults import (
    DEFAULT_MAX_RETRY_WAIT,
    DEFAULT_RETRIES,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import TransportError

if TYPE_CHECKING:  # only for annotations: validating a request (RetryPolicy) must not import http.client or ssl
    from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.http import HttpResponse

RETRYABLE_STATUSES = frozenset((408, 429, 500, 502, 503, 504))
# Exponential backoff without Retry-After: full jitter over 1, 2, 4, 8... seconds.
BACKOFF_BASE = 1.0
# The longest Retry-After we read (a year); anything longer is reported as this. It is always more than
# max_retry_wait allows, so such an answer fails at once instead of waiting.
MAX_RETRY_AFTER = 365 * 24 * 3600
_DELTA_SECONDS = re.compile(r"^[0-9]+$")


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = DEFAULT_RETRIES
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT

    def worst_case_seconds(self, timeout: float) -> float:
        return (self.retries + 1) * timeout + self.retries * self.max_retry_wait


@dataclass(frozen=True)
class Retry:
    """One retry as it happened: its number (1 for the first), why, and the seconds waited before it."""

    attempt: int
    reason: str
    wait: float


class RetryWaitTooLong(Exception):
    """The endpoint asked for a longer wait than ``max_retry_wait`` allows."""

    def __init__(self, response: HttpResponse, wait: float) -> None:
        super().__init__(f"Retry-After {wait:g}")
        self.response = response
        self.wait = wait


OnRetry = Callable[[int, str, float], None]


def send_with_retries(
    send: Callable[[], HttpResponse],
    policy: RetryPolicy,
    on_retry: OnRetry | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> HttpResponse:
    """Call ``send`` until it returns a final answer or the retries run out.

    ``send`` is called afresh each time, so a certificate grant signs a new
    assertion (new ``jti``) for every attempt. Returns the last response, which
    may be an error; raises the last TransportError.
    """
    attempt = 0
    while True:
        try:
            response = send()
        except TransportError as exc:
            if not exc.retryable or attempt >= policy.retries:
                if attempt:
                    raise TransportError(
                        f"{exc.message} Gave up after {attempt + 1} attempts.", option=exc.option, reason=exc.reason
                    ) from None
                raise
            reason, wait = exc.reason or type(exc).__name__, backoff(attempt, policy.max_retry_wait)
        else:
            if response.status not in RETRYABLE_STATUSES or attempt >= policy.retries:
                return response
            reason = f"HTTP {response.status}"
            wait = retry_after(response.headers)
            if wait is None:
                wait = backoff(attempt, policy.max_retry_wait)
            elif wait > policy.max_retry_wait:
                raise RetryWaitTooLong(response, wait)
        attempt += 1
        if on_retry is not None:
            on_retry(attempt, reason, wait)
        # Never negative, never past max_retry_wait: the documented ceiling depends on it.
        sleep(min(max(0.0, wait), policy.max_retry_wait))


def backoff(attempt: int, cap: float) -> float:
    """Full-jitter exponential backoff, so parallel workers do not retry in lockstep; never above ``cap``."""
    ceiling = max(0.0, min(cap, BACKOFF_BASE * (2 ** min(attempt, 30))))
    return random.uniform(0, ceiling)  # noqa: S311 - jitter, not crypto


def retry_after(headers: dict, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None.

    The header is the endpoint's word, so anything goes: the result is always a finite number from 0 to
    MAX_RETRY_AFTER (a date in the past waits 0), or None when the value is not one of the two forms.
    """
    value = next((v for k, v in headers.items() if str(k).lower() == "retry-after"), None)
    if value is None:
        return None
    value = str(value).strip()
    if _DELTA_SECONDS.match(value):
        # Only ASCII digits (str.isdigit also takes "²", which float() refuses); a huge number is cut short
        # before int() (Python refuses over 4300 digits) and capped, so the caller's message stays readable.
        digits = value.lstrip("0") or "0"
        return float(MAX_RETRY_AFTER if len(digits) > 12 else min(int(digits), MAX_RETRY_AFTER))
    try:
        when = email.utils.parsedate_to_datetime(value)
        current = time.time() if now is None else now
        wait = when.timestamp() - current
    except (TypeError, ValueError, IndexError, OverflowError, AttributeError):
        return None
    if math.isnan(wait):
        return None
    return min(max(0.0, wait), float(MAX_RETRY_AFTER))
