# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a JWT's payload without verifying it, for display and asserts.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Access tokens are verified by the API that receives them, not by their holder,
so decoding here is for humans: which roles, which audience, when it expires.
Plain standard library, so it works where PyJWT is not installed.
"""

from __future__ import annotations

import base64
import binascii
import json

from ansible_collections.azure_ad.oauth.plugins.module_utils._errors import OptionError


def decode_claims(token: str, option: str = "token") -> dict:
    """Return the JSON payload of a compact JWS; raise OptionError when ``token`` is not one."""
    if not isinstance(token, str):
        raise OptionError(f"{option} must be a string holding a JWT, not {type(token).__name__}.", option=option)
    parts = token.strip().split(".")
    if len(parts) != 3 or not all(parts[:2]):
        raise OptionError(
            f"{option} is not a JWT: expected three base64url parts separated by dots, found {len(parts)}. "
            "Some tokens (for example from personal Microsoft accounts) are opaque and cannot be decoded.",
            option=option,
        )
    try:
        payload = json.loads(_b64url_decode(parts[1]))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise OptionError(f"{option} is not a JWT: its payload is not base64url-encoded JSON.", option=option) from None
    if not isinstance(payload, dict):
        raise OptionError(f"{option} is not a JWT: its payload is not a JSON object.", option=option)
    return payload


def try_decode_claims(token: str) -> dict | None:
    """Like decode_claims, but None for opaque tokens."""
    try:
        return decode_claims(token)
    except OptionError:
        return None


def _b64url_decode(text: str) -> bytes:
    if not all(ch.isalnum() or ch in "-_=" for ch in text):
        raise binascii.Error("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
