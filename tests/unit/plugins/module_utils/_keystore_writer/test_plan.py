"""The keystore module's decision: keep, write or generate, from what the file really holds."""

from __future__ import annotations

import datetime
import os
import time
from dataclasses import replace

import keystore_factory as kf
import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.plan import (
    ABSENT,
    GENERATE,
    KEEP,
    READABLE,
    UNREADABLE,
    WRITE,
    KeystoreRequest,
    inspect_existing,
    plan_keystore,
    request_from_params,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.self_signed import generate_self_signed
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.serialize import serialize_keystore
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import KeystoreError, OptionError

PASSWORD = "Store-pass 1"
KEY_PASSWORD = "Key-pass 2"
NOW = datetime.datetime.now(datetime.UTC)


@pytest.fixture(scope="module")
def material():
    return generate_self_signed("CN=plan.example.com", 365, 2048)


@pytest.fixture(scope="module")
def other():
    return generate_self_signed("CN=other.example.com", 365, 2048)


def request(path, **overrides) -> KeystoreRequest:
    fields = {"path": str(path), "keystore_type": "pkcs12", "password": PASSWORD, "alias": "azure-ad"}
    fields.update(overrides)
    return KeystoreRequest(**fields)


def decide(req: KeystoreRequest, now=NOW):
    existing = inspect_existing(req.path, req.keystore_type, req.password, req.key_password, req.alias,
                                follow=req.follow, owner=req.owner)
    return plan_keystore(req, existing, now)


def lay_down(path, material, keystore_type="pkcs12", alias="azure-ad", password=PASSWORD, key_password=None):
    path.write_bytes(serialize_keystore(keystore_type, material, alias, password, key_password))
    return path


# --------------------------------------------------------------------------- supplied material


def test_absent_file_is_written(tmp_path, material):
    plan = decide(request(tmp_path / "k.p12", supplied=material))
    assert plan.action == WRITE and plan.existing.state == ABSENT
    assert plan.material.alias == "azure-ad" and plan.material.source_type == "pkcs12"


@pytest.mark.parametrize("keystore_type", ["pkcs12", "jks"])
def test_same_content_is_kept(tmp_path, material, keystore_type):
    key_password = KEY_PASSWORD if keystore_type == "jks" else None
    path = lay_down(tmp_path / "k", material, keystore_type, "Azure-AD" if keystore_type == "jks" else "azure-ad",
                    key_password=key_password)
    alias = "AZURE-AD" if keystore_type == "jks" else "azure-ad"  # JKS aliases match in any case
    plan = decide(request(path, keystore_type=keystore_type, key_password=key_password, alias=alias,
                          supplied=material))
    assert plan.action == KEEP, plan.reasons
    assert not plan.changed


def test_different_certificate_is_written(tmp_path, material, other):
    path = lay_down(tmp_path / "k.p12", other)
    plan = decide(request(path, supplied=material))
    assert plan.action == WRITE
    assert "the private key differs" in plan.reasons and "the certificate differs" in plan.reasons


def test_renamed_alias_is_written(tmp_path, material):
    path = lay_down(tmp_path / "k.p12", material, alias="old-name")
    plan = decide(request(path, supplied=material))
    assert plan.action == WRITE
    assert plan.reasons == ("the key entry is not named 'azure-ad'",)


def test_pkcs12_alias_is_case_sensitive(tmp_path, material):
    path = lay_down(tmp_path / "k.p12", material, alias="Azure-AD")
    assert decide(request(path, supplied=material)).action == WRITE


def test_other_type_that_opens_is_converted(tmp_path, material):
    path = lay_down(tmp_path / "k", material, "jks")
    plan = decide(request(path, supplied=material))
    assert plan.action == WRITE
    assert plan.reasons == ("the file is jks, not pkcs12",)


def test_force_rewrites_identical_content(tmp_path, material):
    path = lay_down(tmp_path / "k.p12", material)
    plan = decide(request(path, supplied=material, force=True))
    assert plan.action == WRITE and plan.reasons == ("force",)


def test_chain_difference_is_seen(tmp_path, material, other):
    path = lay_down(tmp_path / "k.p12", material)
    with_chain = replace(material, chain=(other.certificate,))
    assert decide(request(path, supplied=with_chain)).reasons == ("the chain differs",)


# --------------------------------------------------------------------------- protection


def test_wrong_password_is_refused_naming_password(tmp_path, material):
    path = lay_down(tmp_path / "k.p12", material, password="Other-pass 3")
    with pytest.raises(KeystoreError) as caught:
        decide(request(path, supplied=material))
    error = caught.value
    assert error.option == "password"
    assert "left untouched" in str(error) and "force: true" in str(error)
    assert "keystore_password" not in str(error)
    assert PASSWORD not in str(error) and "Other-pass 3" not in str(error)


def test_wrong_key_password_is_refused_naming_key_password(tmp_path, material):
    path = lay_down(tmp_path / "k.jks", material, "jks", key_password=KEY_PASSWORD)
    with pytest.raises(KeystoreError) as caught:
        decide(request(path, keystore_type="jks", supplied=material))  # key_password unset: defaults to password
    assert caught.value.option == "key_password"
    assert "key_password" in str(caught.value)


def test_garbage_file_is_refused_naming_path(tmp_path, material):
    path = tmp_path / "notes.txt"
    path.write_text("not a keystore")
    with pytest.raises(KeystoreError) as caught:
        decide(request(path, supplied=material, generate=True))
    assert caught.value.option == "path"


def test_force_replaces_an_unreadable_file(tmp_path, material):
    path = lay_down(tmp_path / "k.p12", material, password="Other-pass 3")
    plan = decide(request(path, supplied=material, force=True))
    assert plan.action == WRITE and plan.existing.state == UNREADABLE
    plan = decide(request(path, generate=True, subject="CN=x", force=True))
    assert plan.action == GENERATE


def test_jks_with_several_other_entries_is_refused(tmp_path, material):
    store = kf.require(kf.keytool_keystore, tmp_path, aliases=("one", "two"), key_password=None)
    with pytest.raises(KeystoreError) as caught:
        decide(request(store.path, keystore_type="jks", password=store.store_password, supplied=material))
    assert caught.value.option == "alias"


def test_keytool_store_with_one_other_alias_opens_and_is_rewritten(tmp_path, material):
    store = kf.require(kf.keytool_keystore, tmp_path, store_type="pkcs12", store_password=PASSWORD)
    plan = decide(request(store.path, supplied=material))
    assert plan.existing.state == READABLE and plan.existing.material.alias == "signer"
    assert plan.action == WRITE


def test_directory_is_refused(tmp_path, material):
    with pytest.raises(OptionError) as caught:
        decide(request(tmp_path, supplied=material))
    assert caught.value.option == "path"


# --------------------------------------------------------------------------- generated certificates


def test_generate_when_absent(tmp_path):
    plan = decide(request(tmp_path / "k.p12", generate=True, subject="CN=x"))
    assert plan.action == GENERATE and plan.material is None


def test_existing_valid_certificate_is_kept_when_generating(tmp_path, material):
    path = lay_down(tmp_path / "k.p12", material)
    plan = decide(request(path, generate=True, subject="CN=something-else", renew_before_days=30))
    assert plan.action == KEEP


def test_certificate_within_renewal_window_is_regenerated(tmp_path):
    short = generate_self_signed("CN=short", 10, 2048)
    path = lay_down(tmp_path / "k.p12", short)
    assert decide(request(path, generate=True, subject="CN=short", renew_before_days=5)).action == KEEP
    plan = decide(request(path, generate=True, subject="CN=short", renew_before_days=30))
    assert plan.action == GENERATE
    assert plan.reasons == ("the certificate expires within 30 days",)


def test_expiry_is_judged_against_now(tmp_path, material):
    path = lay_down(tmp_path / "k.p12", material)
    later = NOW + datetime.timedelta(days=340)
    assert decide(request(path, generate=True, subject="CN=x", renew_before_days=30), now=later).action == GENERATE


def test_force_regenerates(tmp_path, material):
    path = lay_down(tmp_path / "k.p12", material)
    assert decide(request(path, generate=True, subject="CN=x", force=True)).action == GENERATE


def test_generated_certificate_moves_to_new_alias_without_regenerating(tmp_path, material):
    path = lay_down(tmp_path / "k.p12", material)
    plan = decide(request(path, keystore_type="jks", alias="New", generate=True, subject="CN=x"))
    assert plan.action == WRITE
    assert plan.material.alias == "new" and plan.material.certificate == material.certificate


def test_no_material_and_no_generate_keeps_a_readable_file(tmp_path, material):
    path = lay_down(tmp_path / "k.p12", material)
    assert decide(request(path)).action == KEEP


def test_no_material_no_generate_and_no_file_fails(tmp_path):
    with pytest.raises(OptionError) as caught:
        decide(request(tmp_path / "k.p12"))
    assert caught.value.option == "generate"


# --------------------------------------------------------------------------- options


def test_request_from_params_validates_generation(tmp_path):
    params = {"path": str(tmp_path / "k"), "type": "pkcs12", "password": PASSWORD, "alias": "azure-ad",
              "generate": True, "subject": "CN=x", "valid_days": 10, "key_size": 2048, "renew_before_days": 10}
    with pytest.raises(OptionError) as caught:
        request_from_params(params)
    assert caught.value.option == "renew_before_days"
    with pytest.raises(OptionError) as caught:
        request_from_params({**params, "renew_before_days": 5, "subject": "not a dn"})
    assert caught.value.option == "subject"
    req = request_from_params({**params, "renew_before_days": 5, "subject": None}, default_host="host")
    assert req.subject == "CN=host" and req.subject_alt_name == ()
    with pytest.raises(OptionError) as caught:
        request_from_params({**params, "valid_days": 0, "renew_before_days": 0})
    assert caught.value.option == "valid_days"
    defaults = request_from_params({"path": "/k", "password": PASSWORD, "alias": "a", "type": None})
    assert (defaults.keystore_type, defaults.valid_days, defaults.key_size, defaults.renew_before_days) == (
        "pkcs12", 365, 2048, 30)


def test_key_password_only_counts_for_jks(tmp_path):
    params = {"path": str(tmp_path / "k"), "type": "pkcs12", "password": PASSWORD, "alias": "a",
              "key_password": KEY_PASSWORD}
    assert request_from_params(params).key_password is None
    assert request_from_params({**params, "type": "jks"}).key_password == KEY_PASSWORD
    with pytest.raises(OptionError):
        request_from_params({**params, "password": ""})


def test_loader_messages_use_this_modules_option_names(tmp_path, material):
    """The readers word the existing file's problems with this module's names; a path is never rewritten."""
    directory = tmp_path / "keystore_path-keystore_password"
    directory.mkdir()
    path = lay_down(directory / "k.p12", material, password="Other-pass 3")
    existing = inspect_existing(str(path), "pkcs12", PASSWORD, None, "azure-ad")
    assert existing.state == UNREADABLE and existing.problem.option == "password"
    assert str(existing.problem) == (f"The PKCS12 keystore '{path}' could not be opened: wrong password, or the file "
                                     "is corrupt.")  # fmt: skip


# --------------------------------------------------------------------------- refusals name the option at fault


def test_only_the_alias_failing_names_alias_not_the_passwords(tmp_path, material):
    store = kf.require(kf.keytool_keystore, tmp_path, aliases=("one", "two"), key_password=None)
    with pytest.raises(KeystoreError) as caught:
        decide(request(store.path, keystore_type="jks", password=store.store_password, alias="three",
                       supplied=material))  # fmt: skip
    message = str(caught.value)
    assert caught.value.option == "alias"
    assert "its entries cannot be matched to alias 'three'" in message
    assert "Set alias to the name of the entry to keep, or set force: true" in message
    assert "passwords it was made with" not in message and "Give the password" not in message


def test_each_refusal_asks_for_its_own_option(tmp_path, material):
    path = lay_down(tmp_path / "k.p12", material, password="Other-pass 3")
    with pytest.raises(KeystoreError, match="Give the password it was made with, or set force: true"):
        decide(request(path, supplied=material))
    jks = lay_down(tmp_path / "k.jks", material, "jks", key_password=KEY_PASSWORD)
    with pytest.raises(KeystoreError, match="Give the key_password it was made with, or set force: true"):
        decide(request(jks, keystore_type="jks", supplied=material))
    garbage = tmp_path / "notes.txt"
    garbage.write_text("not a keystore")
    with pytest.raises(KeystoreError, match="Check path, or set force: true"):
        decide(request(garbage, supplied=material))


# --------------------------------------------------------------------------- what the module will not open


def test_a_symlink_is_not_read_and_only_force_replaces_it(tmp_path, material):
    real = lay_down(tmp_path / "real.p12", material)
    link = tmp_path / "k.p12"
    link.symlink_to(real)
    with pytest.raises(OptionError) as caught:
        decide(request(link, supplied=material))
    assert caught.value.option == "path" and "is a symbolic link" in str(caught.value)
    assert "follow: true" in str(caught.value) and "force: true" in str(caught.value)
    forced = decide(request(link, supplied=material, force=True))
    assert forced.action == WRITE and forced.existing.untouchable is not None
    followed = decide(request(link, supplied=material, follow=True))
    assert followed.action == KEEP and followed.existing.target.path == str(real)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to plant another user's file")
def test_another_users_keystore_is_not_trusted_even_if_it_opens(tmp_path, material):
    """A planter who puts their own PEM key at path must not have it kept and its certificate reported."""
    path = lay_down(tmp_path / "k.p12", material)
    os.chown(path, 65534, 65534)
    with pytest.raises(KeystoreError) as caught:
        decide(request(path, generate=True, subject="CN=x"))
    assert caught.value.option == "path"
    assert "belongs to another user (uid 65534)" in str(caught.value)
    assert decide(request(path, generate=True, subject="CN=x", owner="65534")).action == KEEP
    assert decide(request(path, generate=True, subject="CN=x", force=True)).action == GENERATE


def test_a_fifo_at_path_is_refused_without_blocking(tmp_path, material):
    os.mkfifo(tmp_path / "k.p12")
    started = time.monotonic()
    with pytest.raises(OptionError) as caught:
        decide(request(tmp_path / "k.p12", supplied=material, force=True))
    assert time.monotonic() - started < 5
    assert caught.value.option == "path" and "FIFO" in str(caught.value)


@pytest.mark.parametrize("call", ["pkcs12-load", "jks-store-load"])
def test_a_panic_reading_the_existing_file_leaves_it_untouched(tmp_path, monkeypatch, material, call):
    import native_panics

    keystore_type = "jks" if call.startswith("jks") else "pkcs12"
    path = lay_down(tmp_path / "k", material, keystore_type)
    native_panics.inject(call, PASSWORD, monkeypatch.setattr)
    with pytest.raises(KeystoreError) as caught:
        decide(request(path, keystore_type=keystore_type, supplied=material))
    assert "left untouched" in str(caught.value) and caught.value.option == "path"
    assert native_panics.PANIC_MARKER not in str(caught.value) and PASSWORD not in str(caught.value)


# --------------------------------------------------------------------------- NUL bytes, up front


@pytest.mark.parametrize("option", ["path", "password", "key_password", "alias", "subject", "private_key_passphrase",
                                    "certificate_path", "private_key_path", "certificate_export_path",
                                    "subject_alt_name", "certificate", "private_key", "chain"])
def test_a_nul_byte_in_any_option_is_refused_first(tmp_path, option):
    params = {"path": str(tmp_path / "k.p12"), "type": "jks", "password": PASSWORD, "alias": "a",
              "generate": True, "subject": "CN=x"}  # fmt: skip
    value = "ab\x00cd"
    params[option] = [value] if option in ("subject_alt_name", "chain") else value
    with pytest.raises(OptionError) as caught:
        request_from_params(params)
    assert caught.value.option == option and "NUL byte" in str(caught.value)
    assert value not in str(caught.value)
