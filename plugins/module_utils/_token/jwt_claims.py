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
import re

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*={0,2}\Z")
# Real tokens nest claims two or three levels deep and hold a few dozen values.
MAX_CLAIMS_DEPTH = 32
MAX_CLAIMS_NODES = 10000


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
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise OptionError(f"{option} is not a JWT: its payload is not base64url-encoded JSON.", option=option) from None
    if not isinstance(payload, dict):
        raise OptionError(f"{option} is not a JWT: its payload is not a JSON object.", option=option)
    return payload


def try_decode_claims(token: str) -> dict | None:
    """Like decode_claims, but None for opaque tokens, and for payloads no real token has.

    The token comes from the endpoint: its claims are returned to Ansible, whose own processing of a result
    recurses, so a payload nested deeper than any real token is dropped rather than handed on.
    """
    try:
        claims = decode_claims(token)
    except OptionError:
        return None
    return claims if _is_shallow(claims) else None


def _is_shallow(value: object) -> bool:
    """True when ``value`` nests at most MAX_CLAIMS_DEPTH deep within MAX_CLAIMS_NODES values (bounded work)."""
    pending = [(value, 1)]
    budget = MAX_CLAIMS_NODES
    while pending:
        item, depth = pending.pop()
        budget -= 1
        if budget < 0 or depth > MAX_CLAIMS_DEPTH:
            return False
        if isinstance(item, dict):
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
    return True


def _b64url_decode(text: str) -> bytes:
    if not _BASE64URL.match(text):
        raise binascii.Error("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
