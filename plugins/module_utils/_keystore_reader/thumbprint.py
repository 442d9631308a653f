# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Certificate thumbprints: parsing every form users paste, and formatting.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Users meet the same SHA-1 digest as ``AB:CD:..`` (keytool), ``ABCD..``
(Azure portal) and base64url ``x5t`` (JWT header). We reduce all of them to the
raw digest so they can be compared, and format it back on demand.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError

FORMATS = ("hex", "colon", "x5t")

_SEPARATORS = re.compile(r"[\s:\-]")
_HEX = re.compile(r"^[0-9A-Fa-f]+$")
_BASE64URL = re.compile(r"^[A-Za-z0-9_\-+/]+={0,2}$")
# Unpadded base64url lengths of a SHA-1 and a SHA-256 digest.
_BASE64_LENGTHS = {27: 20, 43: 32}


def parse_thumbprint(value: str, option: str = "thumbprint") -> bytes:
    """Return the raw SHA-1 or SHA-256 digest that ``value`` spells.

    Accepts hex (plain, or separated by colons, spaces or dashes, any case)
    and base64url (padded or not). Raises OptionError naming ``option``.
    """
    if not isinstance(value, str) or not value.strip():
        raise OptionError(f"{option} must be a non-empty string.", option=option)
    text = value.strip()
    compact = _SEPARATORS.sub("", text)
    if _HEX.match(compact) and len(compact) in (40, 64):
        return binascii.unhexlify(compact)
    unpadded = text.rstrip("=")
    if _BASE64URL.match(text) and len(unpadded) in _BASE64_LENGTHS:
        raw = _b64decode(unpadded)
        if raw is not None and len(raw) == _BASE64_LENGTHS[len(unpadded)]:
            return raw
    if _HEX.match(compact):
        raise OptionError(
            f"{option} has {len(compact)} hex digits; a SHA-1 thumbprint has 40 and a SHA-256 one has 64.",
            option=option,
        )
    raise OptionError(
        f"{option} is not a thumbprint. Use 40 hex digits (optionally colon-separated, as keytool prints them) "
        "or the base64url x5t value.",
        option=option,
    )


def _b64decode(unpadded: str) -> bytes | None:
    normalised = unpadded.replace("+", "-").replace("/", "_")
    try:
        return base64.urlsafe_b64decode(normalised + "=" * (-len(normalised) % 4))
    except (binascii.Error, ValueError):
        return None


def format_thumbprint(digest: bytes, fmt: str = "hex") -> str:
    """Format a raw digest as ``hex`` (Azure portal), ``colon`` (keytool) or ``x5t`` (JWT)."""
    if fmt == "hex":
        return binascii.hexlify(digest).decode("ascii").upper()
    if fmt == "colon":
        hexed = binascii.hexlify(digest).decode("ascii").upper()
        return ":".join(hexed[i:i + 2] for i in range(0, len(hexed), 2))
    if fmt == "x5t":
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
    raise OptionError("format must be one of {}, not {!r}.".format(", ".join(FORMATS), fmt), option="format")


def certificate_digest(der: bytes, algorithm: str = "sha1") -> bytes:
    """Digest of a DER-encoded certificate, as Entra computes thumbprints."""
    if algorithm not in ("sha1", "sha256"):
        raise OptionError(f"algorithm must be sha1 or sha256, not {algorithm!r}.", option="algorithm")
    return hashlib.new(algorithm, der).digest()
