# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One exclusive ``flock`` on a lock file, waited for until a deadline: the collection's only lock primitive.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

The keystore writer (``_keystore_writer/paths.py keystore_lock``) and the token
cache's single flight (``_cache/lock.py``) both use it; each turns the neutral
outcomes below into its own behaviour and wording.

The lock file is created 0600 with O_NOFOLLOW and O_NONBLOCK and must be a
regular file of the running user, so a planted link, FIFO or another user's
file is never used. It is removed when released, so no empty file is left
behind and no stale lock of one user blocks another. Removing it is safe
because a waiter that got the lock checks that the file it locked is still the
one at the lock's path, and starts again if not.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time
from typing import Iterator

POLL_SECONDS = 0.05


class LockTimeout(Exception):
    """The lock was still held by another process when the deadline passed."""


class LockFileInTheWay(Exception):
    """Something that is not a usable lock file sits at the lock's path; ``why`` says what (no path in it)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@contextlib.contextmanager
def exclusive_lock(lock_path: str, timeout: float, poll: float = POLL_SECONDS) -> Iterator[str | None]:
    """Hold an exclusive ``flock`` on ``lock_path``, waiting at most ``timeout`` seconds; yields ``lock_path``.

    Yields None, taking no lock, when the lock file cannot be created because its directory is missing or
    cannot be written: the caller cannot write there either. Raises LockTimeout when another process still
    holds the lock at the deadline, LockFileInTheWay when the path holds something else; both before the
    body runs.
    """
    fd = acquire(lock_path, timeout, poll)
    if fd is None:
        yield None
        return
    try:
        yield lock_path
    finally:
        release(fd, lock_path)


def acquire(lock_path: str, timeout: float, poll: float = POLL_SECONDS) -> int | None:
    """The descriptor of ``lock_path``, exclusively locked; None when no lock file can be created there.

    Raises LockTimeout or LockFileInTheWay (see ``exclusive_lock``); the caller must ``release`` the descriptor.
    """
    deadline = time.monotonic() + timeout
    while True:
        fd = open_lock_file(lock_path)
        if fd is None:
            return None
        try:
            _wait_for_flock(fd, deadline, poll)
            locked = _still_at(fd, lock_path)
        except BaseException:
            os.close(fd)
            raise
        if locked:
            return fd
        os.close(fd)  # the holder removed the file while we waited: lock the one at the path now


def release(fd: int, lock_path: str) -> None:
    """Remove the lock file, then drop the lock (closing the descriptor releases the ``flock``)."""
    with contextlib.suppress(OSError):
        os.unlink(lock_path)
    os.close(fd)


def open_lock_file(lock_path: str) -> int | None:
    """A descriptor of the lock file, created 0600 if absent; None when its directory cannot hold one."""
    flags = os.O_RDONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(lock_path, flags, 0o600)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) and not os.path.lexists(lock_path):
            return None
        raise LockFileInTheWay(f"it cannot be opened ({error_name(exc)})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
        os.close(fd)
        raise LockFileInTheWay("it is not a regular file of the user running the task")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.fchmod(fd, 0o600)
    return fd


def _wait_for_flock(fd: int, deadline: float, poll: float) -> None:
    import fcntl

    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LockTimeout() from None
            time.sleep(min(poll, remaining))


def _still_at(fd: int, lock_path: str) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.lstat(lock_path))
    except FileNotFoundError:
        return False


def error_name(exc: BaseException) -> str:
    """``ENOSPC: No space left on device`` for an OSError; never the path or anything the caller passed."""
    code = getattr(exc, "errno", None)
    name = errno.errorcode.get(code, "error") if isinstance(code, int) else "error"
    reason = getattr(exc, "strerror", None)
    return f"{name}: {reason}" if reason else name
