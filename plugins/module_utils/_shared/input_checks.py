# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks on raw option values that every entry point shares.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

A NUL byte cannot be part of a file name, and native libraries handle one in a
password badly (cryptography's Rust layer panics on it). So NUL bytes are
refused up front, before any value reaches a library, with the option named.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError


def reject_nul_bytes(values: Mapping[str, object], names: Iterable[str]) -> None:
    """Raise OptionError for the first option of ``names`` whose string value holds a NUL byte."""
    for name in names:
        value = values.get(name)
        items = value if isinstance(value, (list, tuple)) else [value]
        if any(isinstance(item, str) and "\x00" in item for item in items):
            raise OptionError(
                f"{name} holds a NUL byte (\\x00), which no password, path or name can hold. Check how the value "
                "was produced (a file read with a trailing NUL, a bad template).",
                option=name,
            )
