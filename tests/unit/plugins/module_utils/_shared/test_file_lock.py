"""The one flock-with-deadline primitive: exclusive, bounded, private, and never fooled by a planted path."""

from __future__ import annotations

import multiprocessing
import os
import stat
import time

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared import file_lock
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.file_lock import (
    LockFileInTheWay,
    LockTimeout,
    error_name,
    exclusive_lock,
)


def _hold(lock_path: str, held, release) -> None:
    with exclusive_lock(lock_path, 5):
        held.set()
        release.wait(30)


def test_the_lock_file_is_private_and_removed_on_release(tmp_path):
    lock_path = str(tmp_path / "x.lock")
    with exclusive_lock(lock_path, 1) as held:
        assert held == lock_path
        info = os.lstat(lock_path)
        assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600 and info.st_uid == os.geteuid()
    assert not os.path.lexists(lock_path)


def test_a_waiter_gives_up_at_its_deadline_then_gets_the_lock_once_released(tmp_path):
    lock_path = str(tmp_path / "x.lock")
    context = multiprocessing.get_context("fork")
    held, release = context.Event(), context.Event()
    holder = context.Process(target=_hold, args=(lock_path, held, release))
    holder.start()
    try:
        assert held.wait(30)
        started = time.monotonic()
        with pytest.raises(LockTimeout), exclusive_lock(lock_path, 0.3):
            pytest.fail("the body must not run without the lock")
        assert 0.25 < time.monotonic() - started < 10
    finally:
        release.set()
        holder.join(30)
    with exclusive_lock(lock_path, 5) as held_now:
        assert held_now == lock_path


def test_a_waiter_that_locked_a_removed_file_starts_again(tmp_path, monkeypatch):
    """The holder unlinks the file on release: a waiter holding the old inode must not think it has the lock."""
    lock_path = str(tmp_path / "x.lock")
    calls = []
    real_still_at = file_lock._still_at

    def first_time_gone(fd, path):
        calls.append(path)
        return False if len(calls) == 1 else real_still_at(fd, path)

    monkeypatch.setattr(file_lock, "_still_at", first_time_gone)
    with exclusive_lock(lock_path, 1) as held:
        assert held == lock_path
    assert len(calls) == 2


@pytest.mark.parametrize("planted", ["symlink", "fifo", "directory"])
def test_a_planted_path_is_refused_without_following_or_blocking(tmp_path, planted):
    lock_path = tmp_path / "x.lock"
    victim = tmp_path / "victim"
    victim.write_text("keep")
    if planted == "symlink":
        lock_path.symlink_to(victim)
    elif planted == "fifo":
        os.mkfifo(lock_path)
    else:
        lock_path.mkdir()
    started = time.monotonic()
    with pytest.raises(LockFileInTheWay) as caught, exclusive_lock(str(lock_path), 1):
        pass
    assert time.monotonic() - started < 5
    assert str(tmp_path) not in caught.value.why
    assert victim.read_text() == "keep" and os.path.lexists(lock_path)


def test_a_lax_lock_file_of_ours_is_tightened(tmp_path):
    lock_path = tmp_path / "x.lock"
    lock_path.write_text("")
    lock_path.chmod(0o644)
    with exclusive_lock(str(lock_path), 1):
        assert stat.S_IMODE(os.lstat(lock_path).st_mode) == 0o600


def test_no_lock_where_no_file_can_be_created(tmp_path):
    with exclusive_lock(str(tmp_path / "missing" / "x.lock"), 1) as held:
        assert held is None


def test_error_name_never_quotes_the_path():
    text = error_name(OSError(28, "No space left on device", "/secret/path"))
    assert text == "ENOSPC: No space left on device"
    assert error_name(ValueError("x")) == "error"
