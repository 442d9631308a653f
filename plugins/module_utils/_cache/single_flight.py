# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Single flight: however many forks ask for one token at once, one request goes out.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

``fetch_through_cache`` reads the entry; on a miss it takes the entry's lock
(waiting at most ``wait_seconds``, the request's own worst case), reads again
(a fork that held the lock may have filled it: "waited for another fork"), and
only then calls ``fetch`` and stores its answer. A fork that cannot have the
lock in time asks the endpoint itself rather than fail. Whatever goes wrong
with the cache (no cryptography, a read-only or full directory, a corrupt
entry) costs a request, never the task.
"""

from __future__ import annotations

from typing import Callable

from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.entry import open_entry, seal_entry
from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.keys import EntryKey
from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.lock import entry_lock
from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.store import CacheStore
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import MUST_PROPAGATE

HIT = "cache hit"
MISS = "cache miss"
WAITED = "waited for another fork"

Fresh = Callable[[dict], bool]


def fetch_through_cache(
    store: CacheStore,
    key: EntryKey,
    fetch: Callable[[], dict],
    fresh: Fresh,
    wait_seconds: float,
) -> tuple[dict, str]:
    """The payload and how it was had: HIT, WAITED or MISS (``fetch`` was called).

    ``fresh`` says whether a payload read back may still be used (its expiry less the refresh margin).
    Exceptions of ``fetch`` pass through untouched; nothing is stored then.
    """
    if not aead_available():
        store.disable("the Python library cryptography, which encrypts its entries, is not installed")
    payload = read_fresh(store, key, fresh)
    if payload is not None:
        return payload, HIT
    with entry_lock(store, key.name, wait_seconds) as held:
        if held:
            payload = read_fresh(store, key, fresh)
            if payload is not None:
                return payload, WAITED
        payload = fetch()
        store_payload(store, key, payload)
        return payload, MISS


def read_fresh(store: CacheStore, key: EntryKey, fresh: Fresh) -> dict | None:
    """The entry's payload when it decrypts, is well formed and is still fresh; None otherwise."""
    if store.disabled:
        return None
    payload = open_entry(store.read(key.name), key)
    return payload if payload is not None and fresh(payload) else None


def store_payload(store: CacheStore, key: EntryKey, payload: dict) -> None:
    """Seal and write ``payload``; a failure to seal turns the cache off with its one warning, never fails."""
    if store.disabled:
        return
    try:
        sealed = seal_entry(payload, key)
    except MUST_PROPAGATE:
        raise
    except BaseException:  # cryptography failing, even natively: the token is good, only the cache is off
        store.disable("its entries cannot be encrypted (the cryptography library failed)")
        return
    store.write(key.name, sealed)


def aead_available() -> bool:
    try:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: F401 pylint: disable=unused-import
    except ImportError:
        return False
    return True
