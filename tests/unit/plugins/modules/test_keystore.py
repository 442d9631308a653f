"""The keystore module run in-process, as Ansible runs it: arguments in, one JSON result out."""

from __future__ import annotations

import datetime
import json
import os
import stat
import tempfile
from pathlib import Path
from unittest import mock

import keystore_factory as kf
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from module_runner import ModuleRun
from module_runner import run_module as run_in_process

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import same_key
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_key_material
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.self_signed import generate_self_signed
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.serialize import serialize_keystore
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


# --------------------------------------------------------------------------- the export path is never the keystore

ROOT = os.geteuid() == 0


def generate_args(path, **more) -> dict:
    return {"path": str(path), "password": PASSWORD, "generate": True, "subject": "CN=a", **more}


@pytest.mark.parametrize(("spelling", "exists"), [
    (spelling, exists) for spelling in ("same", "dot-slash", "relative", "parent-dir", "symlink", "hard-link")
    for exists in (False, True) if spelling != "hard-link" or exists  # a hard link needs the file
])
def test_export_path_equal_to_path_is_refused(tmp_path, run_module, monkeypatch, spelling, exists):
    path = tmp_path / "k.p12"
    if exists:
        run_module(**generate_args(path))
    before = path.read_bytes() if exists else None
    monkeypatch.chdir(tmp_path)
    export = {"same": str(path), "dot-slash": "./k.p12", "relative": "k.p12",
              "parent-dir": str(tmp_path / "sub" / ".." / "k.p12"), "symlink": str(tmp_path / "k.cer"),
              "hard-link": str(tmp_path / "k.cer")}[spelling]  # fmt: skip
    if spelling == "symlink":
        (tmp_path / "k.cer").symlink_to(path)
    if spelling == "hard-link":
        os.link(path, tmp_path / "k.cer")
    for check in (True, False):
        args = generate_args(path, certificate_export_path=export, force=True, follow=spelling == "symlink")
        run = run_module(check_mode=check, **args)
        assert run.failed and not run.changed
        assert run["error"]["option"] == "certificate_export_path"
        assert "is the keystore's own file" in run["msg"]
    assert (path.read_bytes() if exists else path.exists()) == (before if exists else False)


# --------------------------------------------------------------------------- what is at the export path


def other_keystore(tmp_path):
    other = tmp_path / "other.p12"
    other.write_bytes(serialize_keystore("pkcs12", generate_self_signed("CN=other", 30, 2048), "x", PASSWORD))
    return other.read_bytes()


@pytest.mark.parametrize("content", ["keystore", "private-key", "text", "two-certificates", "der-and-trailer",
                                     "pem-with-key"])
def test_an_existing_export_file_that_is_not_just_a_certificate_is_protected(tmp_path, run_module, pair, content):
    cer = tmp_path / "app.cer"
    data = {
        "keystore": other_keystore(tmp_path),
        "private-key": key_pem(pair).encode(),
        "text": b"precious notes\n",
        "two-certificates": (cert_pem(pair) + cert_pem(generate_self_signed("CN=b", 3, 2048))).encode(),
        "der-and-trailer": pair.certificate.public_bytes(Encoding.DER) + b"trailer",
        "pem-with-key": (cert_pem(pair) + key_pem(pair)).encode(),
    }[content]
    cer.write_bytes(data)
    path = tmp_path / "k.p12"
    for check in (True, False):
        run = run_module(check_mode=check, **generate_args(path, certificate_export_path=str(cer)))
        assert run.failed and run["error"]["option"] == "certificate_export_path"
        assert "holds something other than one certificate" in run["msg"] and "force: true" in run["msg"]
    assert cer.read_bytes() == data
    assert not path.exists(), "the keystore is not written either when the export is refused"
    forced = run_module(**generate_args(path, certificate_export_path=str(cer), force=True))
    assert forced.changed
    assert cer.read_bytes() == load_key_material(str(path), "pkcs12", PASSWORD).certificate.public_bytes(Encoding.DER)


@pytest.mark.parametrize("old", ["der", "pem", "empty"])
def test_an_export_file_holding_just_a_certificate_is_replaced(tmp_path, run_module, old):
    cer = tmp_path / "app.cer"
    stale = generate_self_signed("CN=stale", 3, 2048).certificate
    cer.write_bytes({"der": stale.public_bytes(Encoding.DER), "pem": stale.public_bytes(Encoding.PEM),
                     "empty": b""}[old])  # fmt: skip
    run = run_module(**generate_args(tmp_path / "k.p12", certificate_export_path=str(cer)))
    assert run.changed and cer.read_bytes() != stale.public_bytes(Encoding.DER)
    assert x509.load_der_x509_certificate(cer.read_bytes()).subject.rfc4514_string() == "CN=a"


# --------------------------------------------------------------------------- files that are not regular files


@pytest.mark.parametrize("where", ["path", "certificate_export_path"])
@pytest.mark.parametrize("kind", ["fifo", "directory", "device", "socket"])
def test_special_files_are_refused_and_never_hang(tmp_path, run_module, where, kind):
    import socket
    import time

    special = tmp_path / "special"
    server = None
    if kind == "fifo":
        os.mkfifo(special)
    elif kind == "directory":
        special.mkdir()
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(special))
    else:
        special = "/dev/null"
    args = generate_args(tmp_path / "k.p12", force=True)
    if where == "path":
        args["path"] = str(special)
    else:
        args["certificate_export_path"] = str(special)
    started = time.monotonic()
    try:
        runs = [run_module(check_mode=check, **args) for check in (True, False)]
    finally:
        if server is not None:
            server.close()
    assert time.monotonic() - started < 30
    for run in runs:
        assert run.failed and run["error"]["option"] == where
        assert "not a regular file" in run["msg"]
    assert not (tmp_path / "k.p12").exists()


# --------------------------------------------------------------------------- symlinks


@pytest.mark.parametrize("where", ["path", "certificate_export_path"])
def test_a_symlink_is_never_followed_unless_asked(tmp_path, run_module, where):
    victim = tmp_path / "victim"
    victim.write_bytes(b"do not touch")
    victim.chmod(0o644)
    link = tmp_path / "link"
    link.symlink_to(victim)
    args = generate_args(tmp_path / "k.p12")
    args["path" if where == "path" else "certificate_export_path"] = str(link)
    refused = run_module(**args)
    assert refused.failed and refused["error"]["option"] == where and "is a symbolic link" in refused["msg"]
    assert link.is_symlink() and victim.read_bytes() == b"do not touch"
    forced = run_module(**args, force=True)
    assert forced.changed
    assert not link.is_symlink() and stat.S_ISREG(os.lstat(link).st_mode)
    assert victim.read_bytes() == b"do not touch" and mode_of(victim) == 0o644
    assert mode_of(link) == (0o600 if where == "path" else 0o644)


def test_follow_writes_the_links_target(tmp_path, run_module):
    real = tmp_path / "real.p12"
    link = tmp_path / "k.p12"
    link.symlink_to(real)
    first = run_module(**generate_args(link, follow=True))
    assert first.changed and link.is_symlink() and real.is_file()
    assert first["path"] == str(link)
    again = run_module(**generate_args(link, follow=True))
    assert not again.changed and again["sha1_thumbprint"] == first["sha1_thumbprint"]
    assert load_key_material(str(real), "pkcs12", PASSWORD).certificate is not None
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no lock or temp file left behind"


@pytest.mark.skipif(not ROOT, reason="needs root and setpriv to plant a link as another user")
def test_a_link_planted_by_another_user_in_a_sticky_directory(run_module, request):
    """The issue's case: /tmp-like directory, a link planted by nobody, force: true, run as root."""
    import shutil
    import subprocess

    setpriv = shutil.which("setpriv")
    if not setpriv:
        pytest.skip("no setpriv")
    # Outside pytest's 0700 base directory, so that nobody can reach it.
    shared = Path(tempfile.mkdtemp(prefix="keystore-sticky-", dir="/tmp"))
    request.addfinalizer(lambda: shutil.rmtree(shared, ignore_errors=True))
    shared.chmod(0o1777)
    planter_file = shared / "planter-owned"
    planted = shared / "app.p12"
    plant = 'echo mine > "$1" && chmod 666 "$1" && ln -s "$1" "$2"'
    subprocess.run([setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", "/bin/sh", "-c", plant, "sh",
                    str(planter_file), str(planted)], check=True, timeout=60)  # fmt: skip
    assert os.lstat(planted).st_uid != 0 and planted.is_symlink()
    refused = run_module(**generate_args(planted))
    assert refused.failed and "is a symbolic link" in refused["msg"]
    run = run_module(**generate_args(planted, force=True, backup=True))
    assert run.changed
    info = os.lstat(planted)
    assert stat.S_ISREG(info.st_mode), "the link itself is replaced"
    assert (info.st_uid, info.st_gid) == (os.geteuid(), os.getegid()), "never the planter's ownership"
    assert mode_of(planted) == 0o600
    assert planter_file.read_text() == "mine\n" and os.lstat(planter_file).st_uid != 0, "the link's target untouched"
    assert os.readlink(run["backup_file"]) == str(planter_file)  # the backup is the link, not its target's content


@pytest.mark.skipif(not ROOT, reason="needs root to plant another user's file")
def test_a_file_planted_by_another_user_is_not_trusted_nor_inherited(tmp_path, run_module):
    path = tmp_path / "k.p12"
    planted = generate_self_signed("CN=planter", 30, 2048)
    path.write_bytes(serialize_keystore("pkcs12", planted, "azure-ad", PASSWORD))  # opens with our password!
    os.chown(path, 65534, 65534)
    path.chmod(0o644)
    refused = run_module(**generate_args(path))
    assert refused.failed and "belongs to another user (uid 65534)" in refused["msg"]
    assert "sha1_thumbprint" not in refused.result, "the planter's certificate is never reported as ours"
    forced = run_module(**generate_args(path, force=True))
    assert forced.changed and (os.lstat(path).st_uid, mode_of(path)) == (os.geteuid(), 0o600)
    assert not same_key(load_key_material(str(path), "pkcs12", PASSWORD).private_key, planted.private_key)
    # Set owner to keep an application user's keystore: trusted, kept, and stays theirs.
    os.chown(path, 65534, 65534)
    kept = run_module(**generate_args(path, owner="65534"))
    assert not kept.changed and os.lstat(path).st_uid == 65534


@pytest.mark.skipif(not ROOT, reason="needs root to plant another user's file")
def test_an_export_file_of_another_user_is_replaced_by_ours(tmp_path, run_module):
    path, cer = tmp_path / "k.p12", tmp_path / "app.cer"
    first = run_module(**generate_args(path, certificate_export_path=str(cer)))
    os.chown(cer, 65534, 65534)  # same content, but its owner could swap in another certificate later
    again = run_module(**generate_args(path, certificate_export_path=str(cer)))
    assert again.changed and os.lstat(cer).st_uid == os.geteuid()
    assert again["sha1_thumbprint"] == first["sha1_thumbprint"]


# --------------------------------------------------------------------------- backups, full disks, the lock


def test_backup_gets_the_keystores_mode_not_the_old_files(tmp_path, run_module):
    path = tmp_path / "k.p12"
    run_module(**generate_args(path))
    path.chmod(0o644)  # as keytool leaves a file
    run = run_module(**generate_args(path, force=True, backup=True))
    assert mode_of(run["backup_file"]) == 0o600 and mode_of(path) == 0o600
    assert os.lstat(run["backup_file"]).st_uid == os.geteuid()
    run = run_module(**generate_args(path, force=True, backup=True, mode="0640"))
    assert mode_of(run["backup_file"]) == 0o640


def test_a_write_that_runs_out_of_space_cleans_up_and_names_path(tmp_path, run_module, monkeypatch):
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer import atomic_file as _atomic_file

    path = tmp_path / "k.p12"
    run_module(**generate_args(path))
    before = path.read_bytes()
    real_write_all = _atomic_file._write_all
    calls = []

    def full_on_the_keystore(fd, content):
        calls.append(len(content))
        if len(calls) > 1:  # the backup went through; the keystore does not
            raise OSError(28, "No space left on device")
        real_write_all(fd, content)

    monkeypatch.setattr(_atomic_file, "_write_all", full_on_the_keystore)
    run = run_module(**generate_args(path, force=True, backup=True))
    assert run.failed and run["error"]["option"] == "path"
    assert f"Cannot write path '{path}' (ENOSPC" in run["msg"] and "left as it was" in run["msg"]
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.p12"], "no temp file, no backup, no lock file left"


def test_no_lock_file_is_left_and_check_mode_makes_none(tmp_path, run_module, monkeypatch):
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer import paths as _keystore_paths

    taken = []
    real_lock = _keystore_paths.keystore_lock

    def spy(path, *args, **kwargs):
        taken.append(path)
        return real_lock(path, *args, **kwargs)

    monkeypatch.setattr(keystore, "keystore_lock", spy)
    path = tmp_path / "k.p12"
    run_module(check_mode=True, **generate_args(path))
    assert taken == [] and list(tmp_path.iterdir()) == []
    run_module(**generate_args(path))
    assert taken == [str(path)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.p12"]


# --------------------------------------------------------------------------- native panics and NUL bytes


MODULE_PANIC_CALLS = {
    # name: (module, attribute, the task's material)
    "pkcs12-serialize": ("cryptography.hazmat.primitives.serialization.pkcs12", "serialize_key_and_certificates",
                         "generate"),
    "pkcs12-load": ("cryptography.hazmat.primitives.serialization.pkcs12", "load_pkcs12", "generate"),
    "rsa-generate": ("cryptography.hazmat.primitives.asymmetric.rsa", "generate_private_key", "generate"),
    "certificate-sign": ("cryptography.x509", "CertificateBuilder.sign", "generate"),
    "pem-key-load": ("cryptography.hazmat.primitives.serialization", "load_pem_private_key", "supplied"),
    "pem-certificate-parse": ("cryptography.x509", "load_pem_x509_certificate", "supplied"),
    "jks-save": ("jks", "KeyStore.saves", "jks"),
    "jks-store-load": ("jks", "KeyStore.loads", "jks"),
}


@pytest.mark.parametrize("call", sorted(MODULE_PANIC_CALLS))
@pytest.mark.parametrize("existing", [False, True])
def test_a_native_panic_through_the_module_is_a_clean_failure(tmp_path, monkeypatch, capsys, pair, call, existing):
    """No MODULE FAILURE, no traceback, no password in any form: a failure naming an option, the file untouched."""
    import native_panics

    module_name, attribute, material = MODULE_PANIC_CALLS[call]
    path = tmp_path / "k"
    args = {"path": str(path), "password": PASSWORD, "force": True}
    if material == "supplied":
        args.update(certificate=cert_pem(pair), private_key=key_pem(pair))
    else:
        args.update(generate=True, subject="CN=a")
    if material == "jks":
        args.update(type="jks", key_password=KEY_PASSWORD)
    if existing:
        path.write_bytes(serialize_keystore(args.get("type", "pkcs12"), pair, "azure-ad", PASSWORD,
                                            args.get("key_password")))  # fmt: skip
    before = path.read_bytes() if existing else None
    owner, name = native_panics.NativeCall(module_name, attribute).resolve()
    monkeypatch.setattr(owner, name, native_panics.panicking(getattr(owner, name), PASSWORD))
    run = run_in_process(keystore.main, args, monkeypatch, capsys)
    monkeypatch.undo()
    if call == "pkcs12-load" and not existing and run.failed is False:
        pytest.fail("the read-back check must meet the panic")
    assert run.failed, run.result
    assert run["error"]["option"] in {"password", "key_password", "path", "key_size", "subject", "private_key",
                                      "certificate"}  # fmt: skip
    unwanted = [*native_panics.secret_forms(PASSWORD), native_panics.PANIC_MARKER, "Traceback", "MODULE FAILURE",
                "Unexpected internal error", "PanicException"]  # fmt: skip
    for form in unwanted:
        assert form not in run.output, form
    assert (path.read_bytes() if existing else path.exists()) == (before if existing else False)
    assert sorted(p.name for p in tmp_path.iterdir()) == (["k"] if existing else [])


@pytest.mark.parametrize("option", ["password", "key_password", "private_key_passphrase", "path", "certificate_path",
                                    "private_key_path", "certificate_export_path", "alias", "subject"])
def test_a_nul_byte_is_refused_through_the_module(tmp_path, run_module, option):
    args = generate_args(tmp_path / "k.p12", type="jks")
    secret_part = "Nul-secret 5"
    args[option] = secret_part + "\x00x" if option.endswith(("password", "passphrase")) else "ab\x00cd"
    run = run_module(**args)
    assert run.failed and run["error"]["option"] == option
    assert "NUL byte" in run["msg"]
    assert secret_part not in run.output
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- messages a new user meets


def test_alias_mismatch_names_alias(tmp_path, run_module):
    store = kf.require(kf.keytool_keystore, tmp_path, aliases=("one", "two"), key_password=None,
                       store_password=PASSWORD)  # fmt: skip
    run = run_module(path=str(store.path), type="jks", password=PASSWORD, alias="three", generate=True,
                     subject="CN=a")  # fmt: skip
    assert run.failed and run["error"]["option"] == "alias"
    assert "alias 'three'" in run["msg"] and "Set alias to the name of the entry to keep" in run["msg"]
    assert "passwords it was made with" not in run["msg"]


def test_a_long_subject_given_by_the_user_says_what_is_wrong(tmp_path, run_module):
    run = run_module(**generate_args(tmp_path / "k.p12", subject="CN=" + "h" * 70 + ".example.com"))
    assert run.failed and run["error"]["option"] == "subject"
    assert "a CN of 82 characters, but a certificate's CN holds at most 64" in run["msg"]
    assert "not a distinguished name" not in run["msg"]


def test_subject_alt_name_reaches_the_certificate(tmp_path, run_module):
    path = tmp_path / "k.p12"
    run = run_module(**generate_args(path, subject_alt_name=["DNS:app01.example.com", "IP:10.1.2.3"]))
    assert run.changed
    certificate = load_key_material(str(path), "pkcs12", PASSWORD).certificate
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["app01.example.com"]


def test_the_hosts_own_long_name_never_fails(tmp_path, run_module, monkeypatch):
    """Without the action plugin, the module defaults to the host's name: a long one is cut, and kept in a SAN."""
    fqdn = "node-" + "x" * 70 + ".example.com"
    monkeypatch.setattr(os, "uname", lambda: os.uname_result(("Linux", fqdn, "6", "#1", "x86_64")))
    path = tmp_path / "k.p12"
    run = run_module(path=str(path), password=PASSWORD, generate=True)
    assert run.changed and run["subject"] == "CN=" + fqdn[:64]
    san = load_key_material(str(path), "pkcs12", PASSWORD).certificate.extensions.get_extension_for_class(
        x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == [fqdn]


@pytest.mark.parametrize("kind", ["ec", "rsa1024", "ed25519"])
def test_a_weak_key_is_refused_at_write_time(tmp_path, run_module, kind):
    import subprocess

    kf.require(kf.openssl)
    spec = {"ec": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], "rsa1024": ["-newkey", "rsa:1024"],
            "ed25519": ["-newkey", "ed25519"]}[kind]  # fmt: skip
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", *spec, "-noenc", "-keyout", str(key), "-out", str(cert), "-subj",
                    "/CN=weak", "-days", "30"], capture_output=True, timeout=120, check=True)  # fmt: skip
    for check in (True, False):
        run = run_module(check_mode=check, path=str(tmp_path / "k.p12"), password=PASSWORD,
                         private_key_path=str(key), certificate_path=str(cert))  # fmt: skip
        assert run.failed and run["error"]["option"] == "private_key_path"
        assert "Microsoft Entra ID" in run["msg"]
    assert not (tmp_path / "k.p12").exists()


def test_an_export_that_cannot_be_written_fails_before_the_keystore_is(tmp_path, run_module):
    path = tmp_path / "k.p12"
    run = run_module(**generate_args(path, certificate_export_path=str(tmp_path / "missing" / "app.cer")))
    assert run.failed and run["error"]["option"] == "certificate_export_path"
    assert "its directory" in run["msg"] and "does not exist" in run["msg"]
    assert not path.exists()
