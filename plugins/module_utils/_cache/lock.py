# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The per-entry lock of the single flight: ``<name>.lock`` in the cache directory.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Built on the collection's one lock primitive (``_shared/file_lock.py``). Unlike
the keystore writer's lock, failing to get it is never an error: a fork that
cannot have the lock in time (or finds something planted at its path) asks the
endpoint itself, without the cache, rather than fail its task.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.store import CacheStore
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared import file_lock


@contextlib.contextmanager
def entry_lock(store: CacheStore, name: str, timeout: float) -> Iterator[bool]:
    """Hold the lock of entry ``name`` for at most ``timeout`` seconds of waiting; yields whether it is held."""
    lock_path = store.lock_path(name)
    try:
        fd = file_lock.acquire(lock_path, max(timeout, 0.0))
    except (file_lock.LockTimeout, file_lock.LockFileInTheWay):
        fd = None
    if fd is None:
        yield False
        return
    try:
        yield True
    finally:
        file_lock.release(fd, lock_path)
