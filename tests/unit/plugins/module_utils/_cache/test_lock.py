"""The entry lock: held by one fork at a time, and never an error when it cannot be had."""

from __future__ import annotations

import multiprocessing
import os
import time

from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.lock import entry_lock
from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.store import open_store

NAME = "cd" * 32


def _hold(directory, held, release):
    with entry_lock(open_store(directory, print), NAME, 5) as got:
        assert got
        held.set()
        release.wait(30)


def test_the_lock_is_held_then_removed(tmp_path):
    store = open_store(str(tmp_path), print)
    with entry_lock(store, NAME, 1) as held:
        assert held is True
        assert os.path.exists(store.lock_path(NAME))
    assert not os.path.lexists(store.lock_path(NAME))


def test_a_fork_that_cannot_have_it_in_time_goes_on_without_it(tmp_path):
    context = multiprocessing.get_context("fork")
    held, release = context.Event(), context.Event()
    holder = context.Process(target=_hold, args=(str(tmp_path), held, release))
    holder.start()
    try:
        assert held.wait(30)
        started = time.monotonic()
        with entry_lock(open_store(str(tmp_path), print), NAME, 0.3) as got:
            assert got is False
        assert 0.25 < time.monotonic() - started < 10
    finally:
        release.set()
        holder.join(30)
    assert holder.exitcode == 0


def test_something_planted_at_the_lock_path_is_not_an_error(tmp_path):
    store = open_store(str(tmp_path), print)
    victim = tmp_path / "victim"
    victim.write_text("keep")
    os.symlink(victim, store.lock_path(NAME))
    with entry_lock(store, NAME, 1) as got:
        assert got is False
    assert victim.read_text() == "keep"


def test_a_negative_wait_is_a_single_try(tmp_path):
    with entry_lock(open_store(str(tmp_path), print), NAME, -5) as got:
        assert got is True
