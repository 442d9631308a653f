# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cache directory: where entries are read and written, safely, or not at all.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

``open_store`` creates ``cache_dir`` (0700, parents too) and uses it only when
it is a real directory (not a link), owned by the running user and writable by
no one else; otherwise the cache is off for this run, with one warning. Entries
are read with O_NOFOLLOW and O_NONBLOCK, checked on the descriptor (a regular
file of ours, at most ``MAX_ENTRY_SIZE``), and written atomically: a 0600 temp
file in the same directory, fsync, ``os.replace``. A read-only or full
directory turns the cache off with one warning per process; nothing here ever
fails the task.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from typing import Callable

from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.entry import MAX_ENTRY_SIZE
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.file_lock import error_name

ENTRY_SUFFIX = ".token"
LOCK_SUFFIX = ".lock"

Warn = Callable[[str], None]

# One warning per process and cache_dir: a lookup in a loop must not repeat it a hundred times.
_WARNED: set = set()


class CacheStore:
    """An usable cache directory. ``disabled`` turns true, with one warning, the first time a write fails."""

    def __init__(self, directory: str, warn: Warn) -> None:
        self.directory = directory
        self.disabled = False
        self._warn = warn

    def entry_path(self, name: str) -> str:
        return os.path.join(self.directory, name + ENTRY_SUFFIX)

    def lock_path(self, name: str) -> str:
        return os.path.join(self.directory, name + LOCK_SUFFIX)

    def read(self, name: str) -> bytes | None:
        """The entry's bytes, or None when there is none or it is not a small regular file of ours."""
        if self.disabled:
            return None
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.entry_path(name), flags)
        except OSError:
            return None  # absent, a link, unreadable: a miss, and the next write replaces it
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or info.st_size > MAX_ENTRY_SIZE:
                return None
            return os.read(fd, MAX_ENTRY_SIZE + 1)
        except OSError:
            return None
        finally:
            os.close(fd)

    def write(self, name: str, data: bytes) -> bool:
        """Replace the entry atomically with ``data`` (0600); False, with the one warning, when it cannot."""
        if self.disabled:
            return False
        temp_path = None
        try:
            fd, temp_path = tempfile.mkstemp(prefix=".tmp-", suffix=ENTRY_SUFFIX, dir=self.directory)
            with os.fdopen(fd, "wb") as handle:  # mkstemp creates it 0600
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_path, self.entry_path(name))
            temp_path = None
            return True
        except OSError as exc:
            self.disable(f"it cannot be written ({error_name(exc)})")
            return False
        finally:
            if temp_path is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp_path)

    def disable(self, why: str) -> None:
        """Turn the cache off for the rest of this run, with one warning per process and directory."""
        self.disabled = True
        warn_once(self.directory, why, self._warn)


def open_store(directory: str, warn: Warn) -> CacheStore | None:
    """The store at ``directory`` (created 0700 when absent), or None with one warning when it is not safe."""
    directory = os.path.abspath(os.path.expanduser(directory))
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        info = os.lstat(directory)
    except OSError as exc:
        warn_once(directory, f"it cannot be created ({error_name(exc)})", warn)
        return None
    why = _unsafe(info)
    if why is not None:
        warn_once(directory, why, warn)
        return None
    if not os.access(directory, os.W_OK | os.X_OK):
        warn_once(directory, "it is not writable by this user", warn)
        return None
    return CacheStore(directory, warn)


def _unsafe(info: os.stat_result) -> str | None:
    """Why a cache directory must not be used, or None: others could plant, read or swap entries in it."""
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a directory"
    if info.st_uid != os.geteuid():
        return "it belongs to another user"
    if stat.S_IMODE(info.st_mode) & 0o022:
        return f"other users can write to it (mode {stat.S_IMODE(info.st_mode):04o}); use a directory of mode 0700"
    return None


def warn_once(directory: str, why: str, warn: Warn) -> None:
    if directory in _WARNED:
        return
    _WARNED.add(directory)
    warn(f"The token cache is off for this run: cache_dir '{directory}' is not usable, {why}. Tokens are "
         "requested from the endpoint every time.")  # fmt: skip
