# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token cache as the token client uses it: which entry a request maps to, and tokens in and out of it.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

``TokenCache.acquire`` is consulted by ``TokenClient.acquire`` before anything
expensive. A hit reads the keystore's bytes (to derive the entry's key) but
never parses them: no key loader, no pyjks, no PyJWT, no transport. The
credential's material is one branch per credential kind in
``credential_material``; a kind it does not know is simply not cached.
"""

from __future__ import annotations

import time
from typing import Callable

from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.keys import (
    EntryKey,
    certificate_material,
    entry_key,
    federated_material,
    secret_material,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.single_flight import HIT, MISS, fetch_through_cache
from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.store import CacheStore, open_store
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.federated import load_assertion
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import (
    CertificateSettings,
    FederatedSettings,
    TokenRequest,
    TokenTarget,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.response import TokenResult

Note = Callable[[str], None]

# Tokens this process has read or written, by cache_dir and entry name: a second ask in one process (a lookup
# called again in a template, another term) costs a dictionary lookup, not a file read and a decryption. The
# name derives from the credential, so a rotated secret or a replaced keystore misses here as it does on disk.
_IN_MEMORY: dict = {}


def forget_remembered_tokens() -> None:
    """Empty this process's memory of cached tokens (tests that play several processes in one)."""
    _IN_MEMORY.clear()


class TokenCache:
    """The cache of one client: its store is opened, and the credential's material read, once."""

    def __init__(self, request: TokenRequest, warn: Note, info: Note,
                 on_keystore_read: Callable[[str], None] | None = None) -> None:  # fmt: skip
        self.request = request
        self.settings = request.cache
        self._warn = warn
        self._info = info
        self._on_keystore_read = on_keystore_read
        self._store: CacheStore | None = None
        self._opened = False
        self._material: bytes | None = None
        self._keys: dict = {}

    def acquire(self, target: TokenTarget, request_token: Callable[[], TokenResult]) -> TokenResult:
        """The token for ``target``: a fresh cached one, or ``request_token()``'s, which is then cached."""
        material = self._credential_material()
        if material is None:
            return request_token()
        key = self._key_for(material, target)
        remembered = _IN_MEMORY.get((self.settings.directory, key.name))
        if remembered is not None and self._fresh(remembered):
            self._info(f"{HIT} for {_target_label(target)}")
            return token_from_payload(remembered, time.time())
        store = self._open()
        if store is None:
            return request_token()
        requested: list[TokenResult] = []

        def fetch() -> dict:
            result = request_token()
            requested.append(result)
            return token_payload(result)

        payload, how = fetch_through_cache(store, key, fetch, self._fresh, self._wait_seconds())
        _IN_MEMORY[(self.settings.directory, key.name)] = payload
        self._info(f"{how} for {_target_label(target)}")
        if how == MISS and requested:
            return requested[0]
        return token_from_payload(payload, time.time())

    def _key_for(self, material: bytes, target: TokenTarget) -> EntryKey:
        if target not in self._keys:
            self._keys[target] = self.entry_key(material, target)
        return self._keys[target]

    def entry_key(self, material: bytes, target: TokenTarget) -> EntryKey:
        request = self.request
        return entry_key(material, request.authority_host, request.tenant_id, request.client_id,
                         request.api_version, target.resource, target.scopes)  # fmt: skip

    def _open(self) -> CacheStore | None:
        if not self._opened:
            self._opened = True
            self._store = open_store(self.settings.directory, self._warn)
        return self._store

    def _credential_material(self) -> bytes | None:
        if self._material is None:
            self._material = credential_material(self.request, self._on_keystore_read)
        return self._material

    def _fresh(self, payload: dict) -> bool:
        return self.settings.fresh(payload["expires_on"], time.time()) and payload["api_version"] == \
            self.request.api_version  # fmt: skip

    def _wait_seconds(self) -> float:
        # A waiter never waits longer than the request it waits for may itself take.
        return self.request.retry.worst_case_seconds(self.request.timeout)


def credential_material(request: TokenRequest, on_keystore_read: Callable[[str], None] | None = None) -> bytes | None:
    """The material the entry's name and key derive from, one branch per credential kind; None: not cached."""
    if request.certificate is not None:
        return _certificate_material(request.certificate, on_keystore_read)
    if request.client_secret is not None:
        return secret_material(request.client_secret)
    if request.federated is not None:
        return _federated_material(request.federated)
    return None


def _federated_material(settings: FederatedSettings) -> bytes:
    """The token's issuer and subject (never the token), read and checked as the request reads it.

    Its warnings are left to the request that may follow, so that each is given once.
    """
    assertion = load_assertion(settings.assertion, settings.assertion_path, settings.option, lambda message: None)
    return federated_material(*assertion.identity)


def _certificate_material(settings: CertificateSettings, on_keystore_read: Callable[[str], None] | None) -> bytes:
    """The keystore's bytes, read as the loader reads them (same checks, same messages) but never parsed."""
    if on_keystore_read is not None:
        on_keystore_read(settings.keystore_path)
    keystore_bytes = read_file(settings.keystore_path, "keystore_path")
    certificate_bytes = read_file(settings.certificate_path, "certificate_path") if settings.certificate_path else None
    return certificate_material(
        keystore_bytes,
        settings.keystore_password,
        settings.key_password,
        settings.keystore_alias,
        certificate_bytes,
        (settings.keystore_type, settings.thumbprint, settings.signature_algorithm,
         settings.send_certificate_chain, settings.token_duration),
    )  # fmt: skip


def read_file(path: str, option: str) -> bytes:
    """The keystore reader's own read (same checks, same messages), imported only for a certificate."""
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader import load

    return load.read_file(path, option)


def token_payload(result: TokenResult) -> dict:
    """What the cache keeps of a token: everything the task returns, with the expiry as an instant."""
    return {
        "access_token": result.access_token,
        "token_type": result.token_type,
        "expires_in": result.expires_in,
        "expires_on": result.expires_on,
        "api_version": result.api_version,
        "ext_expires_in": result.ext_expires_in,
        "resource": result.resource,
        "scope": list(result.scope),
        "claims": result.claims,
    }


def token_from_payload(payload: dict, now: float) -> TokenResult:
    """The cached token as a result, its lifetimes counted from ``now`` rather than from when it was issued."""
    expires_in = max(0, payload["expires_on"] - int(now))
    ext_expires_in = payload.get("ext_expires_in")
    issued_expires_in = payload.get("expires_in")
    if ext_expires_in is not None and issued_expires_in is not None:
        ext_expires_in = max(0, ext_expires_in - max(0, issued_expires_in - expires_in))
    return TokenResult(
        access_token=payload["access_token"],
        token_type=payload["token_type"],
        expires_in=expires_in,
        expires_on=payload["expires_on"],
        api_version=payload["api_version"],
        ext_expires_in=ext_expires_in,
        resource=payload.get("resource"),
        scope=tuple(payload.get("scope", ())),
        claims=payload.get("claims"),
        cached=True,
    )


def _target_label(target: TokenTarget) -> str:
    return " ".join(target.scopes) or target.resource or ""
