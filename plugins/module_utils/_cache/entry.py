# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One cache entry: a token sealed with AES-256-GCM, and read back only when every check passes.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

An entry is ``MAGIC`` + a 12-byte random nonce + AESGCM(key).encrypt(nonce,
JSON payload, associated data = the entry's name). The name as associated data
binds an entry to its file name: an entry copied over another one's name does
not decrypt. ``open_entry`` treats the file as untrusted input: too large, the
wrong magic, a failed decryption, bad JSON or a field of the wrong type all
give None (a miss), never an error.

Only cryptography's AEAD is imported, and only here: a cache hit never
imports pyjks, PyJWT or the transport.
"""

from __future__ import annotations

import json
import os

from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.keys import EntryKey
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import MUST_PROPAGATE

MAGIC = b"AZADOC\x01"
NONCE_LENGTH = 12
MAX_ENTRY_SIZE = 64 * 1024

# The token's fields as the cache keeps them: name -> (accepted types, required).
_FIELDS = {
    "access_token": ((str,), True),
    "token_type": ((str,), True),
    "expires_on": ((int,), True),
    "expires_in": ((int,), False),
    "api_version": ((str,), True),
    "ext_expires_in": ((int, type(None)), False),
    "resource": ((str, type(None)), False),
    "scope": ((list,), False),
    "claims": ((dict, type(None)), False),
}


def seal_entry(payload: dict, key: EntryKey) -> bytes:
    """The bytes of an entry holding ``payload`` (a dict of the fields above), encrypted under ``key``."""
    aesgcm = _aesgcm_class()(key.aead_key)
    nonce = os.urandom(NONCE_LENGTH)
    plaintext = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return MAGIC + nonce + aesgcm.encrypt(nonce, plaintext, key.name.encode("ascii"))


def open_entry(data: bytes | None, key: EntryKey) -> dict | None:
    """The payload of an entry, or None when the bytes are not a sound entry sealed under ``key``."""
    if not data or len(data) > MAX_ENTRY_SIZE or not data.startswith(MAGIC):
        return None
    nonce = data[len(MAGIC):len(MAGIC) + NONCE_LENGTH]
    sealed = data[len(MAGIC) + NONCE_LENGTH:]
    if len(nonce) != NONCE_LENGTH or not sealed:
        return None
    try:
        plaintext = _aesgcm_class()(key.aead_key).decrypt(nonce, sealed, key.name.encode("ascii"))
    except MUST_PROPAGATE:
        raise
    except BaseException:  # InvalidTag, or anything native: a foreign or damaged entry is a miss
        return None
    try:
        payload = json.loads(plaintext.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return payload if _well_formed(payload) else None


def _well_formed(payload: object) -> bool:
    if not isinstance(payload, dict) or set(payload) - set(_FIELDS):
        return False
    for name, (types, required) in _FIELDS.items():
        if name not in payload:
            if required:
                return False
            continue
        value = payload[name]
        if isinstance(value, bool) or not isinstance(value, types):
            return False
    scope = payload.get("scope", [])
    return all(isinstance(item, str) for item in scope) and bool(payload["access_token"])


def _aesgcm_class():
    # Imported when first needed: naming an entry or finding none costs no cryptography import.
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM
