# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token cache's keys: a credential's fingerprint, an entry's file name, and the key that encrypts it.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Everything is derived from the credential itself, so a cache file is useless
to anyone who does not already hold the credential, and a rotated secret or a
replaced keystore simply misses:

- ``secret_material`` / ``certificate_material`` turn a credential into its
  *material*: a canonical, length-prefixed encoding tagged with the credential's
  kind. It is never stored. A new kind of credential adds one function here,
  with its own tag (issue 12: a federated credential keyed by the assertion's
  issuer and subject, never the rotating assertion itself).
- ``entry_key`` derives, with HKDF-SHA256 (RFC 5869), the entry's name (hex
  HMAC-SHA256 over the request's identity: authority, tenant, client,
  api_version and target) and the AES-256-GCM key that encrypts it. Neither
  reveals anything about the credential.

HKDF is written out here with the standard library's ``hmac`` (it is two HMAC
steps), so that naming an entry imports nothing; the unit tests check it
against RFC 5869's test vectors and cryptography's own HKDF.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence, Union

NAME_INFO = b"azure_ad.oauth cache name v1"
KEY_INFO = b"azure_ad.oauth cache key v1"
KEY_LENGTH = 32  # AES-256

Part = Optional[Union[str, bytes, int, bool]]


@dataclass(frozen=True)
class EntryKey:
    """Where an entry lives (``name``, safe to show) and the AEAD key that seals it (never shown)."""

    name: str
    aead_key: bytes = field(repr=False)


def secret_material(client_secret: str) -> bytes:
    """The material of the shared-secret credential: the secret itself."""
    return _material("secret", [client_secret])


def certificate_material(
    keystore_bytes: bytes,
    keystore_password: str | None,
    key_password: str | None,
    alias: str | None,
    certificate_bytes: bytes | None,
    settings: Sequence[Part] = (),
) -> bytes:
    """The material of the certificate credential: the keystore file's bytes (never parsed) and what opens it.

    ``certificate_bytes`` are those of ``certificate_path`` when given; ``settings`` are the options that
    change what is sent (thumbprint, signature algorithm, certificate chain, assertion lifetime), so that
    changing one of them misses too.
    """
    return _material("certificate", [keystore_bytes, keystore_password, key_password, alias, certificate_bytes,
                                     *settings])  # fmt: skip


def federated_material(issuer: str, subject: str) -> bytes:
    """The material of the federated credential: the token's issuer and subject, the same across rotations.

    Never the token itself, which the platform replaces (often hourly): keyed by it, every rotation would miss.
    Unlike a secret or a keystore, an issuer and a subject are identifiers, not secrets, so the encryption of a
    federated entry keeps it from no one who knows them: its confidentiality rests on the cache directory being
    the user's own (the store refuses any other) and on the access token's own short life.
    """
    return _material("federated", [issuer, subject])


def entry_key(
    material: bytes,
    authority_host: str,
    tenant_id: str,
    client_id: str,
    api_version: str,
    resource: str | None,
    scopes: Iterable[str],
) -> EntryKey:
    """The entry's name and AEAD key for one credential and one token target.

    The name is keyed by the credential, so that it reveals nothing, not even which client or tenant it is
    for; the target's scopes are sorted, since their order does not change the token.
    """
    identity = _encode(["request", authority_host.lower(), tenant_id.lower(), client_id.lower(), api_version,
                        resource, *sorted(scopes)])  # fmt: skip
    name_key = hkdf_sha256(material, salt=b"", info=NAME_INFO, length=32)
    name = hmac.new(name_key, identity, hashlib.sha256).hexdigest()
    aead_key = hkdf_sha256(material, salt=name.encode("ascii"), info=KEY_INFO, length=KEY_LENGTH)
    return EntryKey(name=name, aead_key=aead_key)


def hkdf_sha256(material: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA256 (RFC 5869): extract with ``salt``, then expand to ``length`` bytes for ``info``."""
    if not 0 < length <= 255 * hashlib.sha256().digest_size:
        raise ValueError("HKDF-SHA256 can derive 1 to 8160 bytes")
    pseudo_random_key = hmac.new(salt or bytes(hashlib.sha256().digest_size), material, hashlib.sha256).digest()
    output, block, counter = b"", b"", 1
    while len(output) < length:
        block = hmac.new(pseudo_random_key, block + info + bytes([counter]), hashlib.sha256).digest()
        output += block
        counter += 1
    return output[:length]


def _material(kind: str, parts: Sequence[Part]) -> bytes:
    return _encode([kind, *parts])


def _encode(parts: Sequence[Part]) -> bytes:
    """An unambiguous encoding: each part typed and length-prefixed, so ("ab", "c") never equals ("a", "bc")
    and None never equals an empty string."""
    out = bytearray()
    for part in parts:
        if part is None:
            out += b"n"
            continue
        if isinstance(part, bool):
            tag, data = b"b", b"1" if part else b"0"
        elif isinstance(part, int):
            tag, data = b"i", str(part).encode("ascii")
        elif isinstance(part, str):
            tag, data = b"s", part.encode("utf-8", "surrogatepass")
        else:
            tag, data = b"x", bytes(part)
        out += tag + len(data).to_bytes(8, "big") + data
    return bytes(out)
