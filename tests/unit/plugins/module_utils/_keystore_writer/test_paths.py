"""Where the keystore module may read and write: regular files only, links only when asked, one writer at a time."""

from __future__ import annotations

import multiprocessing
import os
import socket
import stat
import time

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.paths import (
    MISSING,
    REGULAR,
    SYMLINK,
    is_trusted,
    keystore_lock,
    lock_path_for,
    read_regular_file,
    resolve_target,
    same_file,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import KeystoreError, OptionError

ROOT = os.geteuid() == 0


def make_fifo(path) -> str:
    os.mkfifo(path)
    return str(path)


def make_socket(path):
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    return server


# --------------------------------------------------------------------------- what is at a path


def test_regular_missing_and_symlink(tmp_path):
    (tmp_path / "k.p12").write_bytes(b"x")
    (tmp_path / "link").symlink_to(tmp_path / "k.p12")
    regular = resolve_target(str(tmp_path / "k.p12"), "path")
    assert (regular.kind, regular.uid, regular.exists) == (REGULAR, os.geteuid(), True)
    assert resolve_target(str(tmp_path / "absent"), "path").kind == MISSING
    unfollowed = resolve_target(str(tmp_path / "link"), "path")
    assert unfollowed.kind == SYMLINK and unfollowed.path == str(tmp_path / "link")
    followed = resolve_target(str(tmp_path / "link"), "path", follow=True)
    assert followed.kind == REGULAR and followed.path == str(tmp_path / "k.p12")
    assert followed.given == str(tmp_path / "link")


def test_a_dangling_link_followed_names_its_missing_target(tmp_path):
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere.p12")
    followed = resolve_target(str(tmp_path / "link"), "path", follow=True)
    assert followed.kind == MISSING and followed.path == str(tmp_path / "elsewhere.p12")
    assert resolve_target(str(tmp_path / "link"), "path").kind == SYMLINK


@pytest.mark.parametrize("kind", ["directory", "fifo", "socket", "device"])
def test_special_files_are_refused_without_being_opened(tmp_path, kind, monkeypatch):
    path = tmp_path / "special"
    server = None
    if kind == "directory":
        path.mkdir()
    elif kind == "fifo":
        make_fifo(path)
    elif kind == "socket":
        server = make_socket(path)
    else:
        path = "/dev/null"
    opened = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda *args, **kwargs: opened.append(args) or real_open(*args, **kwargs))
    try:
        with pytest.raises(OptionError) as caught:
            resolve_target(str(path), "certificate_export_path")
    finally:
        if server is not None:
            server.close()
    expected = {"directory": "a directory", "fifo": "a FIFO (named pipe)", "socket": "a socket",
                "device": "a character device"}[kind]  # fmt: skip
    assert caught.value.option == "certificate_export_path"
    assert f"is {expected}, not a regular file" in str(caught.value)
    assert opened == [], "lstat only: a FIFO must never be opened"


def test_a_link_to_a_fifo_is_refused_when_followed(tmp_path):
    make_fifo(tmp_path / "fifo")
    (tmp_path / "link").symlink_to(tmp_path / "fifo")
    with pytest.raises(OptionError, match="FIFO"):
        resolve_target(str(tmp_path / "link"), "path", follow=True)


def test_below_a_file_is_a_clear_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OptionError) as caught:
        resolve_target(str(tmp_path / "file" / "k.p12"), "path")
    assert "is below something that is not a directory" in str(caught.value)


# --------------------------------------------------------------------------- reading


def test_reading_a_fifo_swapped_in_never_blocks(tmp_path):
    """The lstat said regular file; by the time it is opened it is a FIFO: O_NONBLOCK + fstat refuse it."""
    fifo = make_fifo(tmp_path / "fifo")
    started = time.monotonic()
    with pytest.raises(OptionError, match="FIFO"):
        read_regular_file(fifo, "path")
    assert time.monotonic() - started < 5


def test_reading_never_follows_a_link_unless_asked(tmp_path):
    (tmp_path / "real").write_bytes(b"secret")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(OptionError, match="became a symbolic link"):
        read_regular_file(str(tmp_path / "link"), "path")
    assert read_regular_file(str(tmp_path / "link"), "certificate_path", follow=True) == b"secret"
    assert read_regular_file(str(tmp_path / "absent"), "path") is None


def test_reading_is_capped(tmp_path):
    (tmp_path / "big").write_bytes(b"x" * 5000)
    assert len(read_regular_file(str(tmp_path / "big"), "path", limit=1000)) == 1001


# --------------------------------------------------------------------------- one file, many spellings


def test_same_file_by_spelling_link_and_hard_link(tmp_path, monkeypatch):
    keystore = tmp_path / "k.p12"
    keystore.write_bytes(b"x")
    (tmp_path / "link").symlink_to(keystore)
    os.link(keystore, tmp_path / "hard")
    monkeypatch.chdir(tmp_path)
    assert same_file(str(keystore), "k.p12")
    assert same_file(str(keystore), "./k.p12")
    assert same_file(str(keystore), str(tmp_path / "sub" / ".." / "k.p12"))
    assert same_file(str(keystore), str(tmp_path / "link"))
    assert same_file(str(keystore), str(tmp_path / "hard"))
    assert same_file(str(tmp_path / "absent"), "./absent")
    assert not same_file(str(keystore), str(tmp_path / "k.cer"))


# --------------------------------------------------------------------------- trust


@pytest.mark.skipif(not ROOT, reason="needs root to give a file to another user")
def test_another_users_file_is_not_trusted(tmp_path):
    path = tmp_path / "k.p12"
    path.write_bytes(b"x")
    os.chown(path, 65534, 65534)
    target = resolve_target(str(path), "path")
    assert not is_trusted(target)
    assert is_trusted(target, owner="65534")
    assert is_trusted(target, owner="nobody")
    os.chown(path, 0, 0)
    assert is_trusted(resolve_target(str(path), "path"))


def test_own_file_is_trusted_and_a_link_never(tmp_path):
    path = tmp_path / "k.p12"
    path.write_bytes(b"x")
    (tmp_path / "link").symlink_to(path)
    assert is_trusted(resolve_target(str(path), "path"))
    assert not is_trusted(resolve_target(str(tmp_path / "link"), "path"))


# --------------------------------------------------------------------------- the writers' lock


def test_lock_file_is_private_and_removed(tmp_path):
    keystore = tmp_path / "k.p12"
    with keystore_lock(str(keystore)) as lock:
        assert lock == str(tmp_path / ".k.p12.lock") == lock_path_for(str(keystore))
        info = os.lstat(lock)
        assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600
        assert info.st_uid == os.geteuid()
    assert not os.path.lexists(lock)
    assert list(tmp_path.iterdir()) == []


def test_lock_is_released_and_removed_on_failure(tmp_path):
    with pytest.raises(RuntimeError), keystore_lock(str(tmp_path / "k.p12")):
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    with keystore_lock(str(tmp_path / "k.p12"), timeout=1) as lock:
        assert lock is not None


def _hold_lock(path: str, held, release) -> None:
    with keystore_lock(path):
        held.set()
        release.wait(30)


def _hold_and_record(path: str, log: str, index: int) -> None:
    with keystore_lock(path):
        with open(log, "a") as handle:
            handle.write(f"start {index}\n")
        time.sleep(0.05)
        with open(log, "a") as handle:
            handle.write(f"end {index}\n")


def test_a_second_writer_waits_then_times_out_clearly(tmp_path):
    keystore = str(tmp_path / "k.p12")
    context = multiprocessing.get_context("fork")
    held, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_lock, args=(keystore, held, release))
    holder.start()
    try:
        assert held.wait(30)
        started = time.monotonic()
        with pytest.raises(KeystoreError) as caught, keystore_lock(keystore, timeout=0.5):
            pass
        assert 0.4 < time.monotonic() - started < 10
        assert caught.value.option == "path"
        assert "Another task has been writing path" in str(caught.value) and ".k.p12.lock" in str(caught.value)
    finally:
        release.set()
        holder.join(30)
    with keystore_lock(keystore, timeout=5) as lock:  # released: the next writer gets it
        assert lock is not None


def test_writers_take_turns(tmp_path):
    """Twelve processes, each inside the lock for a moment: their critical sections never overlap."""
    keystore, log = str(tmp_path / "k.p12"), str(tmp_path / "log.txt")
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_hold_and_record, args=(keystore, log, index)) for index in range(12)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0] * 12
    lines = open(log).read().splitlines()
    assert len(lines) == 24
    for start, end in zip(lines[::2], lines[1::2], strict=True):
        assert start.startswith("start ") and end == "end " + start.split()[1], lines
    assert not os.path.lexists(lock_path_for(keystore))


@pytest.mark.parametrize("planted", ["symlink", "fifo", "directory"])
def test_a_planted_lock_path_is_refused(tmp_path, planted):
    lock = tmp_path / ".k.p12.lock"
    victim = tmp_path / "victim"
    victim.write_text("do not touch")
    if planted == "symlink":
        lock.symlink_to(victim)
    elif planted == "fifo":
        make_fifo(lock)
    else:
        lock.mkdir()
    started = time.monotonic()
    with pytest.raises(KeystoreError) as caught, keystore_lock(str(tmp_path / "k.p12"), timeout=1):
        pass
    assert time.monotonic() - started < 5
    assert caught.value.option == "path" and "the lock file" in str(caught.value)
    assert victim.read_text() == "do not touch"
    assert os.path.lexists(lock)


@pytest.mark.skipif(not ROOT, reason="needs root to plant another user's lock file")
def test_another_users_lock_file_is_refused(tmp_path):
    lock = tmp_path / ".k.p12.lock"
    lock.write_text("")
    os.chown(lock, 65534, 65534)
    with pytest.raises(KeystoreError, match="not a regular file of the user running the task"), \
            keystore_lock(str(tmp_path / "k.p12"), timeout=1):
        pass


def test_an_existing_lock_file_of_ours_with_a_lax_mode_is_tightened(tmp_path):
    lock = tmp_path / ".k.p12.lock"
    lock.write_text("")
    lock.chmod(0o644)
    with keystore_lock(str(tmp_path / "k.p12")):
        assert stat.S_IMODE(os.lstat(lock).st_mode) == 0o600


def test_no_lock_where_nothing_can_be_written(tmp_path):
    with keystore_lock(str(tmp_path / "missing-dir" / "k.p12")) as lock:
        assert lock is None
