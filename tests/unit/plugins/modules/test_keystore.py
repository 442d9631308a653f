"""The keystore module run in-process, as Ansible runs it: arguments in, one JSON result out."""

from __future__ import annotations

import datetime
import json
import os
import stat
from unittest import mock

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from module_runner import ModuleRun
from module_runner import run_module as run_in_process

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore import load_key_material
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer import same_key, serialize_keystore
from ansible_collections.azure_ad.oauth.plugins.module_utils._self_signed import generate_self_signed
from ansible_collections.azure_ad.oauth.plugins.modules import keystore

PASSWORD = "Store-pass 1"
KEY_PASSWORD = "Key-pass 2"
SECRETS = (PASSWORD, KEY_PASSWORD, "Wrong-pass 3")


@pytest.fixture
def run_module(monkeypatch, capsys):
    def run(check_mode: bool = False, diff: bool = False, **args) -> ModuleRun:
        result = run_in_process(keystore.main, args, monkeypatch, capsys, check_mode=check_mode, diff=diff)
        for secret in SECRETS:
            assert secret not in result.output, "a password leaked into the module's output"
        assert "PRIVATE KEY" not in result.output, "key material leaked into the module's output"
        return result

    return run


@pytest.fixture(scope="module")
def pair():
    return generate_self_signed("CN=supplied.example.com", 365, 2048)


def key_pem(material) -> str:
    return material.private_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()


def cert_pem(material) -> str:
    return material.certificate.public_bytes(Encoding.PEM).decode()


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def four_runs(run_module, **args) -> list[ModuleRun]:
    """Check mode, for real, then both again: what an integration target does."""
    return [run_module(check_mode=check, **args) for check in (True, False, True, False)]


# --------------------------------------------------------------------------- idempotence and check mode


@pytest.mark.parametrize("keystore_type", ["pkcs12", "jks"])
def test_generate_check_real_check_real(tmp_path, run_module, keystore_type):
    path = tmp_path / f"app.{keystore_type}"
    args = {"path": str(path), "type": keystore_type, "password": PASSWORD, "generate": True, "subject": "CN=app01"}
    if keystore_type == "jks":
        args["key_password"] = KEY_PASSWORD
    first_check = run_module(check_mode=True, **args)
    assert first_check.changed and not path.exists()
    assert first_check["subject"] == "CN=app01" and "sha1_thumbprint" not in first_check.result
    real = run_module(**args)
    assert real.changed and mode_of(path) == 0o600
    data = path.read_bytes()
    runs = [run_module(check_mode=True, **args), run_module(**args)]
    assert [r.changed for r in runs] == [False, False]
    assert path.read_bytes() == data
    assert runs[1]["sha1_thumbprint"] == real["sha1_thumbprint"]
    assert len(real["sha1_thumbprint"]) == 40 and real["sha1_thumbprint"] == real["sha1_thumbprint"].upper()
    assert real["alias"] == "azure-ad" and real["type"] == keystore_type and real["path"] == str(path)
    material = load_key_material(str(path), keystore_type, PASSWORD, args.get("key_password"), "azure-ad")
    assert x509.load_pem_x509_certificate(real["certificate_pem"].encode()) == material.certificate


def test_supplied_material_is_idempotent_and_updates_on_change(tmp_path, run_module, pair):
    path = tmp_path / "app.jks"
    args = {"path": str(path), "type": "jks", "password": PASSWORD, "key_password": KEY_PASSWORD,
            "alias": "Graph", "certificate": cert_pem(pair), "private_key": key_pem(pair)}
    assert [r.changed for r in four_runs(run_module, **args)] == [True, True, False, False]
    loaded = load_key_material(str(path), "jks", PASSWORD, KEY_PASSWORD, "graph")
    assert same_key(loaded.private_key, pair.private_key)
    other = generate_self_signed("CN=renewed", 365, 2048)
    update = {**args, "certificate": cert_pem(other), "private_key": key_pem(other)}
    assert run_module(check_mode=True, **update).changed
    assert same_key(load_key_material(str(path), "jks", PASSWORD, KEY_PASSWORD).private_key, pair.private_key)
    assert run_module(**update).changed
    assert same_key(load_key_material(str(path), "jks", PASSWORD, KEY_PASSWORD).private_key, other.private_key)


def test_material_from_files(tmp_path, run_module, pair):
    (tmp_path / "c.pem").write_text(cert_pem(pair))
    (tmp_path / "k.pem").write_text(key_pem(pair))
    args = {"path": str(tmp_path / "s.p12"), "password": PASSWORD,
            "certificate_path": str(tmp_path / "c.pem"), "private_key_path": str(tmp_path / "k.pem")}
    assert [r.changed for r in four_runs(run_module, **args)] == [True, True, False, False]


def test_content_and_path_forms_are_mutually_exclusive(tmp_path, run_module, pair):
    run = run_module(path=str(tmp_path / "s.p12"), password=PASSWORD, certificate=cert_pem(pair),
                     certificate_path="/x", private_key=key_pem(pair))
    assert run.failed and "mutually exclusive" in run["msg"]


def test_type_change_converts_a_readable_store(tmp_path, run_module):
    path = tmp_path / "k"
    first = run_module(path=str(path), password=PASSWORD, generate=True, subject="CN=a", type="jks")
    second = run_module(path=str(path), password=PASSWORD, generate=True, subject="CN=a", type="pkcs12")
    assert second.changed and second["sha1_thumbprint"] == first["sha1_thumbprint"]
    assert load_key_material(str(path), "pkcs12", PASSWORD).source_type == "pkcs12"


# --------------------------------------------------------------------------- protection


def test_wrong_password_never_overwrites(tmp_path, run_module):
    path = tmp_path / "k.p12"
    run_module(path=str(path), password=PASSWORD, generate=True, subject="CN=a")
    before = path.read_bytes()
    for check in (True, False):
        run = run_module(check_mode=check, path=str(path), password="Wrong-pass 3", generate=True, subject="CN=a")
        assert run.failed and not run.changed
        assert run["error"]["option"] == "password"
        assert "password" in run["msg"] and "force" in run["msg"]
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["k.p12"]


def test_wrong_key_password_never_overwrites(tmp_path, run_module):
    path = tmp_path / "k.jks"
    args = {"path": str(path), "type": "jks", "password": PASSWORD, "key_password": KEY_PASSWORD,
            "generate": True, "subject": "CN=a"}
    run_module(**args)
    before = path.read_bytes()
    run = run_module(**{**args, "key_password": "Wrong-pass 3"})
    assert run.failed and run["error"]["option"] == "key_password"
    assert "key_password" in run["msg"]
    assert path.read_bytes() == before


def test_force_with_backup_replaces_and_keeps_the_old_file(tmp_path, run_module):
    path = tmp_path / "k.p12"
    run_module(path=str(path), password=PASSWORD, generate=True, subject="CN=a")
    before = path.read_bytes()
    run = run_module(path=str(path), password="Wrong-pass 3", generate=True, subject="CN=a", force=True, backup=True)
    assert run.changed
    backup = run["backup_file"]
    assert open(backup, "rb").read() == before
    assert mode_of(backup) == 0o600
    assert load_key_material(str(path), "pkcs12", "Wrong-pass 3").certificate is not None


def test_force_regenerates_a_readable_generated_certificate(tmp_path, run_module):
    args = {"path": str(tmp_path / "k.p12"), "password": PASSWORD, "generate": True, "subject": "CN=a"}
    first = run_module(**args)
    again = run_module(force=True, **args)
    assert again.changed and again["sha1_thumbprint"] != first["sha1_thumbprint"]
    assert "backup_file" not in again.result


def test_garbage_in_the_way_is_not_overwritten(tmp_path, run_module):
    path = tmp_path / "k.p12"
    path.write_text("precious notes")
    run = run_module(path=str(path), password=PASSWORD, generate=True, subject="CN=a")
    assert run.failed and run["error"]["option"] == "path"
    assert path.read_text() == "precious notes"


# --------------------------------------------------------------------------- renewal


def test_expiring_certificate_is_renewed(tmp_path, run_module):
    path = tmp_path / "k.p12"
    short = generate_self_signed("CN=a", 10, 2048)
    path.write_bytes(serialize_keystore("pkcs12", short, "azure-ad", PASSWORD))
    before = path.read_bytes()
    args = {"path": str(path), "password": PASSWORD, "generate": True, "subject": "CN=a", "renew_before_days": 30}
    predicted = run_module(check_mode=True, **args)
    assert predicted.changed and path.read_bytes() == before
    renewed = run_module(**args)
    assert renewed.changed
    new_cert = load_key_material(str(path), "pkcs12", PASSWORD).certificate
    assert new_cert != short.certificate
    assert new_cert.not_valid_after_utc > datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=300)
    assert not run_module(**args).changed


def test_certificate_outside_the_window_is_kept(tmp_path, run_module):
    path = tmp_path / "k.p12"
    path.write_bytes(serialize_keystore("pkcs12", generate_self_signed("CN=a", 60, 2048), "azure-ad", PASSWORD))
    path.chmod(0o600)
    assert not run_module(path=str(path), password=PASSWORD, generate=True, subject="CN=a",
                          renew_before_days=30).changed


# --------------------------------------------------------------------------- export, diff, attributes


def test_export_formats(tmp_path, run_module):
    path, cer = tmp_path / "k.p12", tmp_path / "app.cer"
    args = {"path": str(path), "password": PASSWORD, "generate": True, "subject": "CN=a",
            "certificate_export_path": str(cer)}
    assert [r.changed for r in four_runs(run_module, **args)] == [True, True, False, False]
    material = load_key_material(str(path), "pkcs12", PASSWORD)
    assert cer.read_bytes() == material.certificate.public_bytes(Encoding.DER)
    assert mode_of(cer) == 0o644
    pem_args = {**args, "certificate_export_format": "pem"}
    assert run_module(check_mode=True, **pem_args).changed
    assert cer.read_bytes() == material.certificate.public_bytes(Encoding.DER)
    run = run_module(**pem_args)
    assert run.changed and run["certificate_export_path"] == str(cer)
    assert cer.read_bytes() == material.certificate.public_bytes(Encoding.PEM)
    assert not run_module(**pem_args).changed
    cer.unlink()
    assert run_module(**pem_args).changed and cer.exists()


def test_diff_shows_info_never_key_material(tmp_path, run_module):
    path = tmp_path / "k.p12"
    args = {"path": str(path), "password": PASSWORD, "generate": True, "subject": "CN=a"}
    created = run_module(diff=True, **args)
    diff = created["diff"]
    assert diff["before"] == {}
    assert diff["after"]["subject"] == "CN=a" and diff["after"]["alias"] == "azure-ad"
    assert diff["after"]["sha1_thumbprint"] == created["sha1_thumbprint"]
    assert "BEGIN" not in json.dumps(diff)
    renewed = run_module(diff=True, force=True, **args)
    assert renewed["diff"]["before"]["sha1_thumbprint"] == created["sha1_thumbprint"]
    assert renewed["diff"]["after"]["sha1_thumbprint"] == renewed["sha1_thumbprint"] != created["sha1_thumbprint"]
    assert set(renewed["diff"]["before"]) >= {"subject", "not_before", "not_after", "sha256_thumbprint", "x5t"}
    predicted = run_module(check_mode=True, diff=True, force=True, **args)
    assert "generated when the task runs" in predicted["diff"]["after"]["certificate"]


def test_mode_defaults_to_0600_and_follows_the_task(tmp_path, run_module):
    path = tmp_path / "k.p12"
    args = {"path": str(path), "password": PASSWORD, "generate": True, "subject": "CN=a"}
    run_module(**args)
    assert mode_of(path) == 0o600
    data = path.read_bytes()
    assert run_module(check_mode=True, mode="0640", **args).changed and mode_of(path) == 0o600
    assert run_module(mode="0640", **args).changed
    assert mode_of(path) == 0o640 and path.read_bytes() == data
    assert not run_module(mode="0640", **args).changed
    path.chmod(0o644)
    fixed = run_module(diff=True, **args)
    assert fixed.changed and mode_of(path) == 0o600
    assert fixed["diff"]["before"]["mode"] == "0644" and fixed["diff"]["after"]["mode"] == "0600"


def test_passwords_are_masked_in_the_invocation(tmp_path, run_module, pair):
    run = run_module(path=str(tmp_path / "k.jks"), type="jks", password=PASSWORD, key_password=KEY_PASSWORD,
                     certificate=cert_pem(pair), private_key=key_pem(pair))
    assert run.changed  # run_module already asserted that no secret and no key is in the output


def test_missing_directory_fails_cleanly(tmp_path, run_module):
    run = run_module(path=str(tmp_path / "nowhere" / "k.p12"), password=PASSWORD, generate=True, subject="CN=a")
    assert run.failed and "ENOENT" in run["msg"]


def test_nothing_to_do_without_material_or_generate(tmp_path, run_module):
    run = run_module(path=str(tmp_path / "k.p12"), password=PASSWORD)
    assert run.failed and run["error"]["option"] == "generate"


def test_unexpected_errors_are_contained(tmp_path, run_module):
    with mock.patch.object(keystore, "prepare_keystore", side_effect=RuntimeError(PASSWORD)):
        run = run_module(path=str(tmp_path / "k.p12"), password=PASSWORD, generate=True, subject="CN=a")
    assert run.failed and "RuntimeError" in run["msg"]


def test_subject_defaults_to_the_host_name_without_the_action_plugin(tmp_path, run_module):
    run = run_module(path=str(tmp_path / "k.p12"), password=PASSWORD, generate=True)
    assert run["subject"] == "CN=" + os.uname()[1]


def test_pkcs12_key_password_warns(tmp_path, run_module):
    run = run_module(path=str(tmp_path / "k.p12"), password=PASSWORD, key_password=KEY_PASSWORD, generate=True,
                     subject="CN=a")
    assert "key_password is ignored for type=pkcs12" in json.dumps(run.result.get("warnings"))
