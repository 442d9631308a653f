# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where modules write files: a 0600 temp file, fsync, then atomic_move.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

This is the adapter side: it needs the AnsibleModule for ``atomic_move``,
``backup_local`` and the file attributes (mode, owner, group, SELinux...).

The temp file sits in the target's directory, so the final rename is atomic
and a reader sees the old file or the new one, never half of one. It is made
by ``mkstemp`` (mode 0600) and removed if anything fails. A new file is
created empty with mode 0600 before the move, because ``atomic_move`` gives a
file it creates the umask's mode (0644, often) until the attributes are applied.
"""

from __future__ import annotations

import errno
import os
import tempfile

from ansible_collections.azure_ad.oauth.plugins.module_utils._errors import KeystoreError

DEFAULT_MODE = "0600"


def file_arguments(module, path: str, mode: str | int | None = None) -> dict:
    """The module's file attributes for ``path``; ``mode`` overrides, else the task's, else 0600."""
    args = module.load_file_common_arguments(module.params, path=path)
    if mode is not None:
        args["mode"] = mode
    elif args.get("mode") is None:
        args["mode"] = DEFAULT_MODE
    return args


def update_file_attributes(module, file_args: dict, changed: bool, diff: dict | None = None) -> bool:
    """Apply mode/owner/group/... to an existing file; True when something changed (or would, in check mode)."""
    return module.set_fs_attributes_if_different(file_args, changed, diff=diff)


def write_file_atomically(
    module, path: str, content: bytes, file_args: dict | None = None, option: str = "path"
) -> None:
    """Replace ``path`` with ``content``, then apply ``file_args`` (default: the task's, mode 0600).

    Raises KeystoreError naming ``option`` when the file cannot be written.
    """
    if file_args is None:
        file_args = file_arguments(module, path)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp_path = tempfile.mkstemp(prefix=".ansible_tmp_", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise KeystoreError(
            f"Cannot create a file in the directory '{directory}' ({_reason(exc)}).", option=option
        ) from None
    placeholder = False
    try:
        try:
            os.fchmod(fd, 0o600)
            _write_all(fd, content)
            os.fsync(fd)
        finally:
            os.close(fd)
        placeholder = _create_placeholder(path)
        module.atomic_move(tmp_path, os.path.abspath(path), unsafe_writes=bool(module.params.get("unsafe_writes")))
        placeholder = False
        _fsync_directory(directory)
    except OSError as exc:
        raise KeystoreError(f"Cannot write '{path}' ({_reason(exc)}).", option=option) from None
    except Exception:  # atomic_move raises plain Exception naming the paths only
        raise KeystoreError(f"Cannot replace '{path}' with its new content.", option=option) from None
    finally:
        if os.path.lexists(tmp_path):
            os.unlink(tmp_path)
        if placeholder:
            _remove_placeholder(path)
    module.set_fs_attributes_if_different(file_args, True)


def _reason(exc: OSError) -> str:
    code = exc.errno if isinstance(exc.errno, int) else None
    name = errno.errorcode.get(code, "error") if code is not None else "error"
    return f"{name}: {exc.strerror}" if exc.strerror else name


def _write_all(fd: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _create_placeholder(path: str) -> bool:
    """Create ``path`` empty with mode 0600 if it does not exist; True when this call made it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def _remove_placeholder(path: str) -> None:
    try:
        if os.path.getsize(path) == 0:
            os.unlink(path)
    except OSError:
        pass


def _fsync_directory(directory: str) -> None:
    """Make the rename durable where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
