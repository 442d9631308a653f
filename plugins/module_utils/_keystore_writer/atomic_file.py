# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where modules write files: a 0600 temp file, fsync, then atomic_move.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

This is the adapter side: it needs the AnsibleModule for ``atomic_move`` and
the file attributes (mode, owner, group, SELinux...).

The temp file sits in the target's directory, so the final rename is atomic
and a reader sees the old file or the new one, never half of one. It is made
by ``mkstemp`` (mode 0600) and removed if anything fails. A new file is
created empty with mode 0600 before the move, because ``atomic_move`` gives a
file it creates the umask's mode (0644, often) until the attributes are applied.

Ownership is never inherited. ``atomic_move`` normally copies the old file's
owner, group and mode onto the new one: a file planted by another user (or
the target of a planted link) would hand them the new keystore. So the move
keeps nothing of the old file; the new one belongs to the running user (the
directory's group in a set-group-ID directory, as for any new file) until the
task's ``owner``, ``group`` and ``mode`` are applied.

Backups are written the same careful way: created 0600 with O_EXCL and
O_NOFOLLOW, then given the keystore's attributes, never a lax mode for a moment.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
import time

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import KeystoreError

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

    ``path`` itself is replaced, never written through: if it is a symbolic link, the link is replaced
    and its target is left alone. Raises KeystoreError naming ``option`` when the file cannot be written;
    nothing is then left behind and the old file is as it was.
    """
    if file_args is None:
        file_args = file_arguments(module, path)
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    try:
        fd, tmp_path = tempfile.mkstemp(prefix=".ansible_tmp_", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise KeystoreError(
            f"Cannot create a file in the directory '{directory}' of {option} ({reason(exc)}); nothing was "
            "changed.",
            option=option,
        ) from None
    placeholder = False
    replaced_link = None
    try:
        try:
            os.fchmod(fd, 0o600)
            _own(fd, directory)
            _write_all(fd, content)
            os.fsync(fd)
        finally:
            os.close(fd)
        if os.path.islink(path):
            # Replace the link itself, never its target. atomic_move would treat a dangling link as a new
            # file and open it up to the umask's mode for a moment: put our 0600 placeholder there first.
            replaced_link = os.readlink(path)
            os.unlink(path)
        placeholder = _create_placeholder(path)
        # keep_dest_attrs=False: take nothing (owner, group, mode) from whatever is at ``path`` now.
        module.atomic_move(tmp_path, path, unsafe_writes=bool(module.params.get("unsafe_writes")),
                           keep_dest_attrs=False)
        placeholder = False
        replaced_link = None
        _fsync_directory(directory)
    except OSError as exc:
        raise KeystoreError(
            f"Cannot write {option} '{path}' ({reason(exc)}); it was left as it was.", option=option
        ) from None
    except Exception:  # atomic_move raises plain Exception naming the paths only
        raise KeystoreError(
            f"Cannot replace {option} '{path}' with its new content; it was left as it was.", option=option
        ) from None
    finally:
        _remove_quietly(tmp_path)
        if placeholder:
            _remove_placeholder(path)
        if replaced_link is not None and not os.path.lexists(path):
            os.symlink(replaced_link, path)  # the write failed: put the link back as it was
    module.set_fs_attributes_if_different({**file_args, "path": path}, True)


def back_up(module, path: str, file_args: dict) -> str:
    """Copy the file (or link) at ``path`` beside it, as ``atomic_move``'s callers name backups; return the copy.

    The copy gets the attributes in ``file_args`` (the keystore's mode, owner and group): it holds the same
    secrets. A link is copied as a link, never followed. On any failure (ENOSPC...) the partial copy is
    removed and KeystoreError names path.
    """
    path = os.path.abspath(path)
    stamp = time.strftime("%Y-%m-%d@%H:%M:%S", time.localtime())
    info = os.lstat(path)
    for attempt in range(100):
        # Ansible's backup name; a second backup within the same second gets a counter, never the first's name.
        backup = f"{path}.{os.getpid()}.{stamp}{f'.{attempt}' if attempt else ''}~"
        try:
            if stat.S_ISLNK(info.st_mode):
                os.symlink(os.readlink(path), backup)
                return backup
            _copy_regular_file(path, backup, info)
            break
        except FileExistsError:
            continue
        except OSError as exc:
            _remove_quietly(backup)
            raise KeystoreError(
                f"Cannot back up path '{path}' to '{backup}' ({reason(exc)}); nothing was changed.", option="path"
            ) from None
    else:
        raise KeystoreError(f"Cannot back up path '{path}': every backup name of this second is taken.",
                            option="path")
    module.set_fs_attributes_if_different({**file_args, "path": backup}, True)
    return backup


def _copy_regular_file(source: str, destination: str, info: os.stat_result) -> None:
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    source_fd = os.open(source, flags)
    try:
        if not stat.S_ISREG(os.fstat(source_fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        out_flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        target_fd = os.open(destination, out_flags, 0o600)
        try:
            os.fchmod(target_fd, 0o600)
            while True:
                chunk = os.read(source_fd, 65536)
                if not chunk:
                    break
                _write_all(target_fd, chunk)
            os.fsync(target_fd)
        finally:
            os.close(target_fd)
        os.utime(destination, ns=(info.st_atime_ns, info.st_mtime_ns), follow_symlinks=False)
    finally:
        os.close(source_fd)


def reason(exc: OSError) -> str:
    """``ENOSPC: No space left on device``: the error, without the paths an OSError may carry."""
    code = exc.errno if isinstance(exc.errno, int) else None
    name = errno.errorcode.get(code, "error") if code is not None else "error"
    return f"{name}: {exc.strerror}" if exc.strerror else name


def _own(fd: int, directory: str) -> None:
    """Give the temp file to the running user and group (the directory's group if it is set-group-ID)."""
    try:
        directory_info = os.stat(directory)
        group = directory_info.st_gid if directory_info.st_mode & stat.S_ISGID else os.getegid()
        os.fchown(fd, os.geteuid(), group)
    except OSError as exc:
        if exc.errno != errno.EPERM:  # not allowed to pick the group: keep the one mkstemp gave
            raise


def _write_all(fd: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _create_placeholder(path: str) -> bool:
    """Create ``path`` empty with mode 0600 if nothing is there; True when this call made it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def _remove_placeholder(path: str) -> None:
    try:
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode) and info.st_size == 0:
            os.unlink(path)
    except OSError:
        pass


def _remove_quietly(path: str) -> None:
    try:
        if os.path.lexists(path):
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
