"""The one write helper: 0600 temp file in the same directory, fsync, atomic_move, attributes, cleanup."""

from __future__ import annotations

import json
import os
import stat

import pytest
from ansible.module_utils import basic

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.atomic_file import (
    back_up,
    file_arguments,
    update_file_attributes,
    write_file_atomically,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import KeystoreError


def make_module(monkeypatch, check_mode=False, **params):
    args = {"_ansible_check_mode": check_mode, **params}
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode())
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)  # 2.19 and later
    return basic.AnsibleModule({"path": {"type": "path"}}, add_file_common_args=True, supports_check_mode=True)


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_file_is_0600_by_default_even_with_a_lax_umask(tmp_path, monkeypatch):
    module = make_module(monkeypatch)
    target = tmp_path / "store.p12"
    old = os.umask(0o022)
    try:
        seen = []
        real_move = module.atomic_move

        def spy(src, dest, **kwargs):
            seen.append(mode_of(src))
            real_move(src, dest, **kwargs)
            seen.append(mode_of(dest))  # before the attributes are applied again

        monkeypatch.setattr(module, "atomic_move", spy)
        write_file_atomically(module, str(target), b"secret bytes")
    finally:
        os.umask(old)
    assert target.read_bytes() == b"secret bytes"
    assert mode_of(target) == 0o600
    assert seen == [0o600, 0o600], "the file must never be readable by others, not even for a moment"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store.p12"]


def test_mode_owner_from_the_task(tmp_path, monkeypatch):
    module = make_module(monkeypatch, mode="0640")
    target = tmp_path / "k"
    write_file_atomically(module, str(target), b"x")
    assert mode_of(target) == 0o640


def test_replacing_keeps_a_single_file_and_applies_mode(tmp_path, monkeypatch):
    target = tmp_path / "k"
    target.write_bytes(b"old")
    target.chmod(0o644)
    module = make_module(monkeypatch)
    write_file_atomically(module, str(target), b"new")
    assert target.read_bytes() == b"new"
    assert mode_of(target) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["k"]


def test_failed_move_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "k"
    target.write_bytes(b"old")
    module = make_module(monkeypatch)

    def broken(src, dest, **kwargs):
        raise Exception(f"Could not replace {dest!r} with {src!r}.")

    monkeypatch.setattr(module, "atomic_move", broken)
    with pytest.raises(KeystoreError) as caught:
        write_file_atomically(module, str(target), b"new")
    assert caught.value.option == "path"
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["k"]


def no_space(*args, **kwargs):
    raise OSError(28, "No space left on device")


def test_failed_move_of_a_new_file_leaves_nothing(tmp_path, monkeypatch):
    module = make_module(monkeypatch)
    monkeypatch.setattr(module, "atomic_move", no_space)
    with pytest.raises(KeystoreError, match="ENOSPC"):
        write_file_atomically(module, str(tmp_path / "new"), b"data", option="certificate_export_path")
    assert list(tmp_path.iterdir()) == []


def test_missing_directory_is_a_clear_error(tmp_path, monkeypatch):
    module = make_module(monkeypatch)
    with pytest.raises(KeystoreError) as caught:
        write_file_atomically(module, str(tmp_path / "missing" / "k"), b"x")
    assert "ENOENT" in str(caught.value)


def test_attributes_in_check_mode_are_predicted_not_applied(tmp_path, monkeypatch):
    target = tmp_path / "k"
    target.write_bytes(b"x")
    target.chmod(0o644)
    module = make_module(monkeypatch, check_mode=True)
    diff = {"before": {}, "after": {}}
    assert update_file_attributes(module, file_arguments(module, str(target)), False, diff) is True
    assert mode_of(target) == 0o644
    assert diff["before"]["mode"] == "0644" and diff["after"]["mode"] == "0600"


def test_explicit_mode_overrides(tmp_path, monkeypatch):
    module = make_module(monkeypatch, mode="0600")
    assert file_arguments(module, str(tmp_path / "x.cer"), mode="0644")["mode"] == "0644"


# --------------------------------------------------------------------------- never inherited, never through a link

ROOT = os.geteuid() == 0


@pytest.mark.skipif(not ROOT, reason="needs root to plant another user's file")
def test_a_replaced_file_never_keeps_the_old_owner_or_mode(tmp_path, monkeypatch):
    """atomic_move copies the old file's owner and mode; a planted file must not get the new keystore."""
    target = tmp_path / "k.p12"
    target.write_bytes(b"planted")
    os.chown(target, 65534, 65534)
    target.chmod(0o666)
    write_file_atomically(make_module(monkeypatch), str(target), b"new keystore")
    info = os.lstat(target)
    assert (info.st_uid, info.st_gid) == (os.geteuid(), os.getegid())
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert target.read_bytes() == b"new keystore"


@pytest.mark.skipif(not ROOT, reason="needs root to give the file to another user")
def test_owner_and_group_of_the_task_are_applied(tmp_path, monkeypatch):
    target = tmp_path / "k.p12"
    write_file_atomically(make_module(monkeypatch, owner="65534", group="65534"), str(target), b"x")
    assert (os.lstat(target).st_uid, os.lstat(target).st_gid) == (65534, 65534)


def test_a_link_is_replaced_itself_and_its_target_left_alone(tmp_path, monkeypatch):
    victim = tmp_path / "victim"
    victim.write_bytes(b"do not touch")
    victim.chmod(0o644)
    link = tmp_path / "k.p12"
    link.symlink_to(victim)
    write_file_atomically(make_module(monkeypatch), str(link), b"new keystore")
    assert not link.is_symlink() and link.read_bytes() == b"new keystore" and mode_of(link) == 0o600
    assert victim.read_bytes() == b"do not touch" and mode_of(victim) == 0o644


def test_a_dangling_link_is_replaced_without_creating_its_target(tmp_path, monkeypatch):
    link = tmp_path / "k.p12"
    link.symlink_to(tmp_path / "elsewhere")
    seen = []
    module = make_module(monkeypatch)
    real_move = module.atomic_move

    def spy(src, dest, **kwargs):
        seen.append(kwargs.get("keep_dest_attrs"))
        real_move(src, dest, **kwargs)
        seen.append(mode_of(dest))  # before the attributes are applied again: never the umask's 0644

    monkeypatch.setattr(module, "atomic_move", spy)
    write_file_atomically(module, str(link), b"x")
    assert seen == [False, 0o600]
    assert not (tmp_path / "elsewhere").exists()


def test_a_failed_write_puts_a_replaced_link_back(tmp_path, monkeypatch):
    link = tmp_path / "k.p12"
    link.symlink_to(tmp_path / "elsewhere")
    module = make_module(monkeypatch)
    monkeypatch.setattr(module, "atomic_move", no_space)
    with pytest.raises(KeystoreError):
        write_file_atomically(module, str(link), b"x")
    assert link.is_symlink() and os.readlink(link) == str(tmp_path / "elsewhere")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.p12"]


# --------------------------------------------------------------------------- backups


@pytest.mark.parametrize("old_mode", [0o644, 0o600, 0o640])
def test_backup_gets_the_keystores_attributes_never_0644(tmp_path, monkeypatch, old_mode):
    target = tmp_path / "k.p12"
    target.write_bytes(b"old keystore")
    target.chmod(old_mode)
    module = make_module(monkeypatch)
    modes = []
    real_open = os.open

    def spy_open(path, flags, mode=0o777, *args, **kwargs):
        fd = real_open(path, flags, mode, *args, **kwargs)
        if str(path).endswith("~"):
            modes.append(stat.S_IMODE(os.fstat(fd).st_mode))
        return fd

    monkeypatch.setattr(os, "open", spy_open)
    backup = back_up(module, str(target), file_arguments(module, str(target)))
    monkeypatch.undo()
    assert open(backup, "rb").read() == b"old keystore"
    assert mode_of(backup) == 0o600 and modes == [0o600], "the copy is never more open than 0600"
    assert os.lstat(backup).st_uid == os.geteuid()
    assert os.path.basename(backup).startswith("k.p12.") and backup.endswith("~")


def test_backup_follows_the_task_mode(tmp_path, monkeypatch):
    target = tmp_path / "k.p12"
    target.write_bytes(b"old")
    module = make_module(monkeypatch, mode="0640")
    assert mode_of(back_up(module, str(target), file_arguments(module, str(target)))) == 0o640


def test_backup_of_a_link_is_a_link(tmp_path, monkeypatch):
    link = tmp_path / "k.p12"
    link.symlink_to("/etc/hostname")
    module = make_module(monkeypatch)
    backup = back_up(module, str(link), file_arguments(module, str(link)))
    assert os.readlink(backup) == "/etc/hostname"


def test_backup_that_runs_out_of_space_is_removed(tmp_path, monkeypatch):
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer import atomic_file as _atomic_file

    target = tmp_path / "k.p12"
    target.write_bytes(b"old")
    module = make_module(monkeypatch)
    monkeypatch.setattr(_atomic_file, "_write_all", no_space)
    with pytest.raises(KeystoreError) as caught:
        back_up(module, str(target), file_arguments(module, str(target)))
    assert caught.value.option == "path"
    assert "Cannot back up path" in str(caught.value) and "ENOSPC" in str(caught.value)
    assert [p.name for p in tmp_path.iterdir()] == ["k.p12"] and target.read_bytes() == b"old"


# --------------------------------------------------------------------------- a full disk, for real


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A 64 KiB tmpfs (root only), unmounted afterwards; skips where it cannot be mounted."""
    import subprocess

    if not ROOT:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(mount)],
                          capture_output=True, timeout=30, check=False)  # fmt: skip
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True, timeout=30, check=False)


def fill(directory, leave: int = 0) -> None:
    """Fill the file system of ``directory`` up to ``leave`` bytes."""
    fd = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 1024)
    except OSError:
        pass
    finally:
        os.close(fd)
    if leave:
        os.truncate(directory / "filler", os.path.getsize(directory / "filler") - leave)


def test_enospc_leaves_the_old_keystore_and_no_temp_file(tiny_tmpfs, monkeypatch):
    target = tiny_tmpfs / "k.p12"
    target.write_bytes(b"old keystore")
    fill(tiny_tmpfs)
    before = sorted(p.name for p in tiny_tmpfs.iterdir())
    with pytest.raises(KeystoreError) as caught:
        write_file_atomically(make_module(monkeypatch), str(target), os.urandom(32 * 1024))
    assert caught.value.option == "path"
    assert "ENOSPC" in str(caught.value) and f"path '{target}'" in str(caught.value)
    assert target.read_bytes() == b"old keystore"
    assert sorted(p.name for p in tiny_tmpfs.iterdir()) == before


def test_enospc_in_a_backup_leaves_no_partial_copy(tiny_tmpfs, monkeypatch):
    target = tiny_tmpfs / "k.p12"
    target.write_bytes(os.urandom(24 * 1024))
    fill(tiny_tmpfs, leave=8 * 1024)
    before = sorted(p.name for p in tiny_tmpfs.iterdir())
    module = make_module(monkeypatch)
    with pytest.raises(KeystoreError) as caught:
        back_up(module, str(target), file_arguments(module, str(target)))
    assert "ENOSPC" in str(caught.value) and caught.value.option == "path"
    assert sorted(p.name for p in tiny_tmpfs.iterdir()) == before
