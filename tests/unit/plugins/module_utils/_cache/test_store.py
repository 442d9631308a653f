"""The cache directory: private, atomic, never followed through a link, and off (with one warning) when unsafe."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._cache import store as store_module
from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.entry import MAX_ENTRY_SIZE
from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.store import ENTRY_SUFFIX, open_store

NAME = "ab" * 32
ROOT = os.geteuid() == 0


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(store_module, "_WARNED", set())


def test_the_directory_is_created_0700_and_entries_0600(tmp_path):
    warnings = []
    store = open_store(str(tmp_path / "a" / "cache"), warnings.append)
    assert store is not None and not warnings
    assert stat.S_IMODE(os.lstat(tmp_path / "a" / "cache").st_mode) == 0o700
    assert store.write(NAME, b"sealed")
    path = tmp_path / "a" / "cache" / (NAME + ENTRY_SUFFIX)
    assert stat.S_IMODE(os.lstat(path).st_mode) == 0o600
    assert store.read(NAME) == b"sealed"
    assert sorted(os.listdir(tmp_path / "a" / "cache")) == [NAME + ENTRY_SUFFIX]  # no temp file left


def test_a_write_replaces_atomically(tmp_path, monkeypatch):
    store = open_store(str(tmp_path), print)
    store.write(NAME, b"old")
    replaced = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (replaced.append((src, dst)), real_replace(src, dst)))
    store.write(NAME, b"new")
    (source, destination), = replaced
    assert os.path.dirname(source) == str(tmp_path) and destination == store.entry_path(NAME)
    assert store.read(NAME) == b"new"


def test_the_tilde_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    store = open_store("~/.cache/azure_ad.oauth", print)
    assert store.directory == str(tmp_path / ".cache" / "azure_ad.oauth")


@pytest.mark.parametrize("kind", ["symlink", "file", "group-writable", "world-writable"])
def test_an_unsafe_directory_is_not_used_and_says_so_once(tmp_path, kind):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    cache_dir = tmp_path / "cache"
    if kind == "symlink":
        cache_dir.symlink_to(real)
    elif kind == "file":
        cache_dir.write_text("")
    else:
        cache_dir.mkdir()
        cache_dir.chmod(0o770 if kind == "group-writable" else 0o707)
    warnings = []
    assert open_store(str(cache_dir), warnings.append) is None
    assert open_store(str(cache_dir), warnings.append) is None
    assert len(warnings) == 1
    assert f"cache_dir '{cache_dir}' is not usable" in warnings[0]
    assert list(real.iterdir()) == []


@pytest.mark.skipif(not ROOT, reason="needs root to give the directory away")
def test_another_users_directory_is_not_used(tmp_path):
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir(mode=0o700)
    os.chown(cache_dir, 65534, 65534)
    warnings = []
    assert open_store(str(cache_dir), warnings.append) is None
    assert "belongs to another user" in warnings[0]


def test_a_directory_that_cannot_be_created_turns_the_cache_off(tmp_path):
    (tmp_path / "file").write_text("")
    warnings = []
    assert open_store(str(tmp_path / "file" / "cache"), warnings.append) is None
    assert "cannot be created (ENOTDIR" in warnings[0]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT])
def test_a_full_or_read_only_directory_degrades_with_one_warning(tmp_path, monkeypatch, code):
    warnings = []
    store = open_store(str(tmp_path), warnings.append)

    def failing_mkstemp(**kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(store_module.tempfile, "mkstemp", failing_mkstemp)
    assert store.write(NAME, b"x") is False
    assert store.write(NAME, b"y") is False
    assert store.disabled and store.read(NAME) is None
    assert len(warnings) == 1 and errno.errorcode[code] in warnings[0]


def test_a_failed_write_leaves_no_temp_file(tmp_path, monkeypatch):
    store = open_store(str(tmp_path), print)
    monkeypatch.setattr(os, "fsync", lambda fd: (_unused for _unused in ()).throw(OSError(errno.ENOSPC, "full")))
    assert store.write(NAME, b"x") is False
    assert os.listdir(tmp_path) == []


def test_what_is_not_a_small_regular_file_of_ours_reads_as_nothing(tmp_path):
    store = open_store(str(tmp_path), print)
    secret = tmp_path / "elsewhere"
    secret.write_bytes(b"not an entry")
    os.symlink(secret, store.entry_path("link"))
    os.mkfifo(store.entry_path("fifo"))
    os.mkdir(store.entry_path("dir"))
    with open(store.entry_path("big"), "wb") as handle:
        handle.write(b"x" * (MAX_ENTRY_SIZE + 1))
    for name in ("link", "fifo", "dir", "big", "absent"):
        assert store.read(name) is None, name
