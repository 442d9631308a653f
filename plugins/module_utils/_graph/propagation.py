# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wait, within a bound, for a newly added certificate to reach the token endpoint.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

A certificate added through Graph is written at once, but Entra's token endpoint may refuse it for a while
with AADSTS700027 (key not found). A token asked for with such a certificate is retried on that code alone,
waiting 1, 2, 4... seconds (at most 15 between tries), until ``timeout`` seconds have passed; every other
refusal is final at once.
"""

from __future__ import annotations

import time
from typing import Callable, TypeVar

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import TokenEndpointError

KEY_NOT_FOUND = 700027
MAX_INTERVAL = 15.0
MAX_PROPAGATION_TIMEOUT = 3600

Result = TypeVar("Result")


def until_propagated(acquire: Callable[[], Result], timeout: float, sleep: Callable[[float], None] = time.sleep,
                     clock: Callable[[], float] = time.monotonic) -> Result:  # fmt: skip
    """``acquire()``, retried while it fails with AADSTS700027 and ``timeout`` seconds have not passed."""
    deadline = clock() + timeout
    interval = 1.0
    while True:
        try:
            return acquire()
        except TokenEndpointError as exc:
            left = deadline - clock()
            if KEY_NOT_FOUND not in exc.error_codes:
                raise
            if left <= 0:
                if timeout > 0:
                    exc.message = (f"{exc.message} The certificate was still refused after waiting "
                                   f"{timeout:g} seconds for it to propagate; raise propagation_timeout if it was "
                                   "added moments ago.")  # fmt: skip
                    exc.args = (exc.message,)
                raise
            sleep(min(interval, left))
            interval = min(interval * 2, MAX_INTERVAL)
