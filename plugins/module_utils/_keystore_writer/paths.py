# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which files the keystore module may read and replace, and the lock that serializes its writers.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

The module writes secrets, often as root, sometimes into directories that
others can write to. So:

- a path is looked at with ``lstat`` before anything opens it: a FIFO, socket,
  device or directory is refused without being opened (opening a FIFO blocks);
- a symbolic link is never followed unless the task sets ``follow``: without
  it, the link is treated as a file that is not ours (refused, or replaced
  itself with ``force``), so nothing is ever written through a planted link;
- files are opened with O_NOFOLLOW and O_NONBLOCK, and checked again with
  ``fstat``, so a file swapped after the ``lstat`` cannot make us block or follow;
- an existing file is trusted (read as ours, kept, or its content reused) only
  when it belongs to the running user, root, or the task's ``owner``;
- the export path may never be the keystore itself, however it is spelled;
- writers of one keystore take turns: ``keystore_lock`` holds an exclusive
  ``flock`` on ``.<name>.lock`` beside the keystore around read, plan and write.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from dataclasses import dataclass
from typing import Iterator

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared import file_lock
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import KeystoreError, OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.file_lock import error_name

MAX_READ_SIZE = 1024 * 1024
# How long a run waits for another run writing the same keystore. Generating a 4096-bit key and writing it
# takes seconds; thirty runs queued behind one another stay well within this.
LOCK_TIMEOUT = 300.0
_LOCK_POLL = file_lock.POLL_SECONDS

MISSING, REGULAR, SYMLINK = "missing", "regular", "symlink"
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


@dataclass(frozen=True)
class Target:
    """A file the module may write: ``path`` is where (the link's target when ``follow`` resolved one).

    ``kind`` is MISSING, REGULAR or SYMLINK (a link left unfollowed). ``given`` is the path as the task spelled it.
    """

    given: str
    path: str
    kind: str
    uid: int | None = None

    @property
    def exists(self) -> bool:
        return self.kind != MISSING


def describe_kind(mode: int) -> str | None:
    """``a FIFO (named pipe)``, ``a directory``... for what is not a regular file or a link; None otherwise."""
    return next((label for test, label in _KINDS if test(mode)), None)


def _lstat(path: str, option: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        raise OptionError(f"{option} '{path}' is below something that is not a directory.", option=option) from None
    except PermissionError:
        raise OptionError(
            f"{option} '{path}' cannot be reached: permission denied on a parent directory.", option=option
        ) from None
    except OSError as exc:
        raise OptionError(f"{option} '{path}' cannot be examined ({error_name(exc)}).", option=option) from None


def _refuse_special(path: str, option: str, info: os.stat_result) -> None:
    kind = describe_kind(info.st_mode)
    if kind is not None:
        raise OptionError(
            f"{option} '{path}' is {kind}, not a regular file; the keystore module reads and writes regular files "
            "only. Give a file's path.",
            option=option,
        )


def resolve_target(path: str, option: str, follow: bool = False) -> Target:
    """What is at ``path``, looked at without opening it.

    Refuses anything that is neither a regular file nor a symbolic link (nor absent). A link is followed
    only when ``follow`` is set; then the result describes its target (which may be absent).
    """
    given = os.path.abspath(path)
    info = _lstat(given, option)
    if info is None:
        return Target(path, given, MISSING)
    if stat.S_ISLNK(info.st_mode):
        if not follow:
            return Target(path, given, SYMLINK, info.st_uid)
        real = os.path.realpath(given)
        target_info = _lstat(real, option)
        if target_info is None:
            return Target(path, real, MISSING)
        _refuse_special(real, option, target_info)
        return Target(path, real, REGULAR, target_info.st_uid)
    _refuse_special(given, option, info)
    return Target(path, given, REGULAR, info.st_uid)


def symlink_refusal(target: Target, option: str) -> OptionError:
    """Why a link left unfollowed is not replaced without ``force``."""
    return OptionError(
        f"{option} '{target.given}' is a symbolic link. The keystore module does not follow links unless "
        "follow: true (then it reads and writes the link's target); set force: true to replace the link itself "
        "with a regular file, leaving its target untouched.",
        option=option,
    )


def same_file(first: str, second: str) -> bool:
    """True when two paths name one file: the same spelling, the same target through links, or a hard link."""
    if os.path.normpath(os.path.abspath(first)) == os.path.normpath(os.path.abspath(second)):
        return True
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    for look in (os.lstat, os.stat):
        try:
            if os.path.samestat(look(first), look(second)):
                return True
        except (OSError, ValueError):
            continue
    return False


def owner_uid(owner: str | int | None) -> int | None:
    """The uid of a task's ``owner`` (a name or a number), or None when unset or unknown."""
    if owner is None or owner == "":
        return None
    text = str(owner)
    if text.isdigit():
        return int(text)
    try:
        import pwd

        return pwd.getpwnam(text).pw_uid
    except (KeyError, ImportError):
        return None


def trusted_uids(owner: str | int | None = None) -> set[int]:
    """Owners whose files the module trusts: the running user, root, and the task's ``owner``."""
    uids = {os.geteuid(), 0}
    wanted = owner_uid(owner)
    if wanted is not None:
        uids.add(wanted)
    return uids


def is_trusted(target: Target, owner: str | int | None = None) -> bool:
    """True when an existing regular file belongs to someone whose content the module may rely on."""
    return target.kind == REGULAR and target.uid in trusted_uids(owner)


def untrusted_refusal(target: Target, option: str) -> KeystoreError:
    return KeystoreError(
        f"The existing file at {option} '{target.given}' was left untouched: it belongs to another user "
        f"(uid {target.uid}), so its content is not trusted. Set owner to that user if the file is theirs, or set "
        "force: true to replace it (with backup: true to keep a copy).",
        option=option,
    )


def open_regular_file(path: str, option: str, follow: bool = False) -> int:
    """An O_RDONLY descriptor of the regular file ``path``; it never blocks and follows a link only if asked.

    Raises OptionError naming ``option``, or FileNotFoundError when the file does not exist.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= os.O_NOFOLLOW
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except PermissionError:
        raise OptionError(
            f"{option} '{path}' is not readable by this user (permission denied).", option=option
        ) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:
            raise OptionError(
                f"{option} '{path}' became a symbolic link while the task ran; it was not followed.", option=option
            ) from None
        raise OptionError(f"{option} '{path}' cannot be read ({error_name(exc)}).", option=option) from None
    try:
        _refuse_special(path, option, os.fstat(fd))
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular_file(path: str, option: str, follow: bool = False, limit: int = MAX_READ_SIZE) -> bytes | None:
    """The bytes of a regular file (None when it does not exist), read without blocking or following links.

    Returns at most ``limit`` + 1 bytes, so a caller can tell that the file is larger than ``limit``.
    """
    try:
        fd = open_regular_file(path, option, follow)
    except FileNotFoundError:
        return None
    try:
        chunks = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise OptionError(f"{option} '{path}' cannot be read ({error_name(exc)}).", option=option) from None
    finally:
        os.close(fd)


def read_small_file(path: str, option: str, follow: bool = False) -> bytes | None:
    """``read_regular_file``, refusing an empty file or one larger than MAX_READ_SIZE (OptionError naming
    ``option``): neither is a keystore, a key or a certificate. None when the file does not exist."""
    data = read_regular_file(path, option, follow)
    if data is not None and len(data) > MAX_READ_SIZE:
        raise OptionError(
            f"{option} '{path}' is larger than {MAX_READ_SIZE // 1024} KiB: that is no keystore or key file.",
            option=option,
        )
    if data is not None and not data:
        raise OptionError(f"{option} '{path}' is empty.", option=option)
    return data


def lock_path_for(path: str) -> str:
    directory, name = os.path.split(os.path.abspath(path))
    return os.path.join(directory, f".{name}.lock")


@contextlib.contextmanager
def keystore_lock(path: str, timeout: float = LOCK_TIMEOUT) -> Iterator[str | None]:
    """Hold an exclusive lock for writing ``path``; yields the lock file's path (None: no lock was needed).

    The lock is an ``flock`` on ``.<name>.lock`` beside ``path``, taken by the collection's one lock primitive
    (``_shared/file_lock.py``): created 0600 with O_NOFOLLOW, never a link or another user's file, removed
    when released.

    When the directory cannot be written (missing, read-only), no lock is taken: this run cannot write the
    keystore either, and says so when it tries.
    """
    lock_path = lock_path_for(path)
    # The primitive raises both before the body runs, and the body (a keystore write) takes no other lock.
    try:
        with file_lock.exclusive_lock(lock_path, timeout, _LOCK_POLL) as held:
            yield held
    except file_lock.LockTimeout:
        raise KeystoreError(
            f"Another task has been writing path '{path}' for more than {int(timeout)} seconds (it holds "
            f"the lock file '{lock_path}'); nothing was changed. Run the tasks that write one keystore one "
            "after another, or remove a stale lock file.",
            option="path",
        ) from None
    except file_lock.LockFileInTheWay as exc:
        raise _lock_error(lock_path, path, exc.why) from None


def _lock_error(lock_path: str, path: str, why: str) -> KeystoreError:
    return KeystoreError(
        f"Cannot lock path '{path}' for writing: the lock file '{lock_path}' is in the way ({why}). Remove it if "
        "no other task is writing this keystore.",
        option="path",
    )
