# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a small regular file without ever blocking: the one way keystores, certificates and token files are read.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

The file is opened once, without blocking (O_NONBLOCK: a FIFO opens at once
instead of waiting for a writer; O_NOCTTY: a terminal never becomes ours), and
every check runs on that descriptor, so a path swapped between a check and the
read cannot slip a FIFO or a device past it. The read is capped, so a file that
grows while it is read cannot exhaust memory.

What went wrong is reported as a ``SmallFileProblem`` whose ``kind`` each
caller words for its own option (a keystore, a token file).
"""

from __future__ import annotations

import errno
import os
import stat

READ_CHUNK = 64 * 1024

# SmallFileProblem kinds.
MISSING = "missing"
PERMISSION = "permission"  # the file itself may not be read
PARENT_CLOSED = "parent closed"  # a parent directory may not be searched
DIRECTORY = "directory"
NOT_REGULAR = "not regular"  # a FIFO, socket or device
TOO_LARGE = "too large"
UNREADABLE = "unreadable"  # any other OSError; ``errno_name`` says which


class SmallFileProblem(Exception):
    def __init__(self, kind: str, errno_name: str = "error") -> None:
        super().__init__(kind)
        self.kind = kind
        self.errno_name = errno_name


def read_small_regular_file(path: str, limit: int) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them, or SmallFileProblem."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)
                             | getattr(os, "O_CLOEXEC", 0))  # fmt: skip
    except (OSError, ValueError) as exc:  # ValueError: an embedded NUL byte
        raise _open_problem(path, exc) from None
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise SmallFileProblem(DIRECTORY)
        if not stat.S_ISREG(info.st_mode):
            raise SmallFileProblem(NOT_REGULAR)
        if info.st_size > limit:
            raise SmallFileProblem(TOO_LARGE)
        data = _read_at_most(descriptor, limit + 1)
    except OSError as exc:
        raise SmallFileProblem(UNREADABLE, errno_name(exc)) from None
    finally:
        os.close(descriptor)
    if len(data) > limit:  # the file grew after fstat
        raise SmallFileProblem(TOO_LARGE)
    return data


def errno_name(exc: Exception) -> str:
    """``ENOENT`` and the like: the error's name, never its text (which can quote the path's bytes)."""
    code = getattr(exc, "errno", None)
    return errno.errorcode.get(code, "error") if isinstance(code, int) else "error"


def _open_problem(path: str, exc: Exception) -> SmallFileProblem:
    if isinstance(exc, FileNotFoundError):
        return SmallFileProblem(MISSING)
    if isinstance(exc, PermissionError):
        return SmallFileProblem(PARENT_CLOSED if _parent_closed(path) else PERMISSION)
    if getattr(exc, "errno", None) == errno.ENXIO:  # a socket, or a device with nothing behind it
        return SmallFileProblem(NOT_REGULAR)
    return SmallFileProblem(UNREADABLE, errno_name(exc))


def _parent_closed(path: str) -> bool:
    """After EACCES on open: True when the path cannot even be looked up (a parent directory is closed)."""
    try:
        os.stat(path)
    except PermissionError:
        return True
    except OSError:
        return False
    return False


def _read_at_most(descriptor: int, limit: int) -> bytes:
    chunks = []
    remaining = limit
    while remaining > 0:
        chunk = os.read(descriptor, min(remaining, READ_CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
