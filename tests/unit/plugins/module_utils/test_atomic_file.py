"""The one write helper: 0600 temp file in the same directory, fsync, atomic_move, attributes, cleanup."""

from __future__ import annotations

import json
import os
import stat

import pytest
from ansible.module_utils import basic

from ansible_collections.azure_ad.oauth.plugins.module_utils._atomic_file import (
    file_arguments,
    update_file_attributes,
    write_file_atomically,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._errors import KeystoreError


def make_module(monkeypatch, check_mode=False, **params):
    args = {"_ansible_check_mode": check_mode, **params}
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode())
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy")
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
