# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cache options (``cache``, ``cache_dir``, ``refresh_margin``), validated into ``CacheSettings``.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

``_token/request.py build_token_request`` calls ``cache_settings`` with the
task's options, so every entry point built on ``TokenRequest`` (the token
module and lookup, app_certificate) gets the same cache with the same checks.
Nothing here touches the disk: the directory is opened when a token is asked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.defaults import (
    DEFAULT_CACHE_DIR,
    DEFAULT_REFRESH_MARGIN,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError

# Entra's tokens live 60 to 90 minutes: a margin of 50 minutes still leaves a cached token some use.
MAX_REFRESH_MARGIN = 3000


@dataclass(frozen=True)
class CacheSettings:
    """The cache is on: its directory (as given, ``~`` expanded when opened) and the refresh margin."""

    directory: str = DEFAULT_CACHE_DIR
    refresh_margin: int = DEFAULT_REFRESH_MARGIN

    def fresh(self, expires_on: int, now: float) -> bool:
        """Whether a token expiring at ``expires_on`` may still be used at ``now``."""
        return now < expires_on - self.refresh_margin


def cache_settings(options: dict) -> CacheSettings | None:
    """The validated cache settings, or None when ``cache`` is off (or unset, as for the module)."""
    if options.get("cache") is not True:
        return None
    directory = options.get("cache_dir")
    return CacheSettings(
        directory=DEFAULT_CACHE_DIR if directory is None else str(directory),
        refresh_margin=_refresh_margin(options.get("refresh_margin")),
    )


def _refresh_margin(value: object) -> int:
    if value is None:
        return DEFAULT_REFRESH_MARGIN
    number = None
    if not isinstance(value, bool):
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            number = None
    if number is None or not math.isfinite(number) or not number.is_integer() or not 0 <= number <= MAX_REFRESH_MARGIN:
        raise OptionError(
            f"refresh_margin must be a whole number of seconds between 0 and {MAX_REFRESH_MARGIN}, the time before "
            "a cached token expires when it is refreshed rather than reused.",
            option="refresh_margin",
        )
    return int(number)
