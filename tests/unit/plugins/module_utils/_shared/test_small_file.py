"""The one non-blocking reader of small regular files: every kind of path that is no such file fails at once."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared import small_file


def problem_of(path, limit=1024) -> small_file.SmallFileProblem:
    with pytest.raises(small_file.SmallFileProblem) as caught:
        small_file.read_small_regular_file(str(path), limit)
    return caught.value


def test_a_regular_file_is_read_whole(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"abc" * 100)
    assert small_file.read_small_regular_file(str(path), 300) == b"abc" * 100


def test_an_empty_file_reads_as_no_bytes_for_the_caller_to_word(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")
    assert small_file.read_small_regular_file(str(path), 10) == b""


def test_a_missing_file(tmp_path):
    assert problem_of(tmp_path / "nope").kind == small_file.MISSING


def test_a_directory(tmp_path):
    assert problem_of(tmp_path).kind == small_file.DIRECTORY


def test_a_fifo_without_a_writer_fails_at_once_instead_of_blocking(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    outcome = []
    reader = threading.Thread(target=lambda: outcome.append(problem_of(fifo).kind), daemon=True)
    reader.start()
    reader.join(10)
    assert outcome == [small_file.NOT_REGULAR], "a FIFO must never block the read"


def test_a_socket_and_a_device_are_not_regular_files(tmp_path):
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "sock"))
        assert problem_of(tmp_path / "sock").kind == small_file.NOT_REGULAR
    finally:
        server.close()
    assert problem_of("/dev/zero").kind == small_file.NOT_REGULAR


def test_a_file_over_the_limit_is_refused_unread(tmp_path):
    path = tmp_path / "big"
    path.write_bytes(b"x" * 1025)
    assert problem_of(path, limit=1024).kind == small_file.TOO_LARGE


def test_a_nul_byte_in_the_path_is_unreadable_never_a_crash(tmp_path):
    assert problem_of(str(tmp_path) + "/a\x00b").kind == small_file.UNREADABLE


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads and searches whatever the modes say")
def test_permission_on_the_file_and_on_a_parent_are_told_apart(tmp_path):
    closed = tmp_path / "closed"
    closed.mkdir()
    (closed / "f").write_bytes(b"x")
    unreadable = tmp_path / "unreadable"
    unreadable.write_bytes(b"x")
    unreadable.chmod(0)
    closed.chmod(0)
    try:
        assert problem_of(unreadable).kind == small_file.PERMISSION
        assert problem_of(closed / "f").kind == small_file.PARENT_CLOSED
    finally:
        closed.chmod(0o700)


def test_the_errno_name_never_the_text():
    assert small_file.errno_name(FileNotFoundError(2, "No such file: secret-path")) == "ENOENT"
    assert small_file.errno_name(ValueError("embedded null byte")) == "error"
