"""PKCS12 keystores (_keystore_reader/pkcs12.py): files made by openssl and keytool, the first-entry rule for
aliases, the caller's option names, and cryptography's failures and panics reworded."""

from __future__ import annotations

import os
import subprocess

import keystore_factory as kf
import native_panics
import pytest
from keystore_reading import WRONG, cryptography_errors, fails, load
from library_errors import assert_clean, raiser

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import OptionNames
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_key_material
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.pkcs12 import check_alias, load_pkcs12
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import AliasError, KeystoreError

NAMES = OptionNames(path="path", store_type="type", store_password="password", key_password="kp", alias="alias",
                    certificate_path="cert")  # fmt: skip


@pytest.fixture(scope="session")
def openssl_p12(stores):
    """openssl pkcs12 -export (AES-256) of a key, its certificate and the CA that issued it."""
    return stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True)


@pytest.fixture(scope="session")
def pkcs12_two_entries(stores, any_jdk):
    return stores(("p12two", any_jdk.major), kf.keytool_keystore, store_type="pkcs12", jdk=any_jdk,
                  aliases=("alpha", "Beta"))  # fmt: skip


# --------------------------------------------------------------------------- read directly, as the writer reads back


def test_openssls_export_reads_with_its_chain_in_order(openssl_p12):
    material = load_pkcs12(openssl_p12.read_bytes(), str(openssl_p12.path), openssl_p12.store_password)
    kf.assert_key_matches(material, openssl_p12.cert)
    assert (material.alias, material.source_type) == ("signer", "pkcs12")
    assert material.chain_der == (openssl_p12.cert.der, openssl_p12.chain[0].der)


def test_the_alias_matches_the_first_entry_in_any_case_and_nothing_else(openssl_p12):
    data = openssl_p12.read_bytes()
    assert load_pkcs12(data, "in-memory", openssl_p12.store_password, "SIGNER").alias == "signer"
    with pytest.raises(AliasError) as caught:
        load_pkcs12(data, "/srv/app.p12", openssl_p12.store_password, "other")
    assert caught.value.option == "keystore_alias"
    assert caught.value.hint == ("keytool -importkeystore -srckeystore '/srv/app.p12' -srcalias 'other' "
                                 "-destkeystore single.p12")


def test_messages_name_the_callers_options(openssl_p12):
    data = openssl_p12.read_bytes()
    for password, words in ((WRONG, "could not be opened: wrong password, or the file is corrupt."),
                            (None, "could not be opened without a password: set password, or the file is corrupt."),
                            ("a\x00b", "password holds a NUL byte")):
        with pytest.raises(KeystoreError) as caught:
            load_pkcs12(data, "/srv/app.p12", password, names=NAMES)
        assert caught.value.option == "password" and words in str(caught.value), str(caught.value)
        assert "keystore_password" not in str(caught.value)
    with pytest.raises(AliasError) as caught:
        check_alias("signer", None, "/srv/app.p12", NAMES)
    assert caught.value.option == "alias"
    assert str(caught.value) == ("alias 'signer' cannot be matched: the private key entry of the PKCS12 keystore "
                                 "'/srv/app.p12' has no friendly name (alias). Leave alias unset to use that key.")


def test_a_certificate_only_export_holds_no_private_key(openssl_p12, tmp_path):
    certificate = tmp_path / "cert.pem"
    certificate.write_bytes(openssl_p12.cert.pem)
    exported = tmp_path / "certs.p12"
    subprocess.run([kf.openssl(), "pkcs12", "-export", "-nokeys", "-in", str(certificate), "-out", str(exported),
                    "-passout", "env:P12_PASS"], env={**os.environ, "P12_PASS": "Cert-pass 4"}, check=True,
                   capture_output=True, timeout=60)  # fmt: skip
    with pytest.raises(KeystoreError) as caught:
        load_pkcs12(exported.read_bytes(), str(exported), "Cert-pass 4")
    assert caught.value.option == "keystore_path" and "holds no private key" in str(caught.value)


# --------------------------------------------------------------------------- through the dispatcher, as a user would


@pytest.mark.java
def test_pkcs12_trust_store_holds_no_private_key(stores, new_jdk):
    store = stores("trust-p12", kf.keytool_trust_store, jdk=new_jdk, store_type="pkcs12")
    fails(store, "keystore_path", "The PKCS12 keystore", "holds no private key")


@pytest.mark.java
def test_keytool_pkcs12(stores, any_jdk):
    store = stores(("p12", any_jdk.major), kf.keytool_keystore, store_type="pkcs12", jdk=any_jdk)
    material = load(store)
    kf.assert_key_matches(material, store.cert)
    assert material.source_type == "pkcs12"
    assert material.alias == "signer"
    fails(store, "keystore_password", "wrong keystore_password, or the file is corrupt", keystore_password=WRONG)


@pytest.mark.java
def test_keytool_pkcs12_with_ec_key_and_chain(stores, new_jdk):
    store = stores("p12ec", kf.keytool_keystore, store_type="pkcs12", jdk=new_jdk, key_alg="EC", key_size=256,
                   with_chain=True)  # fmt: skip
    material = load(store)
    kf.assert_key_matches(material, store.cert)
    assert material.key_algorithm == "EC"
    assert material.chain_der == (store.cert.der, store.chain[0].der)


@pytest.mark.parametrize("legacy", [False, True], ids=["aes256", "legacy-rc2"])
def test_openssl_pkcs12(stores, legacy):
    store = stores(("ossl-p12", legacy), kf.openssl_pkcs12, legacy=legacy, with_chain=True)
    material = load(store)
    kf.assert_key_matches(material, store.cert)
    assert material.alias == "signer"
    assert material.chain_der == (store.cert.der, store.chain[0].der)
    fails(store, "keystore_password", "wrong keystore_password, or the file is corrupt", keystore_password=WRONG)
    fails(store, "keystore_password", "without a password", keystore_password=None)


def test_openssl_pkcs12_without_password_or_friendly_name(stores):
    store = stores("ossl-p12-nopw", kf.openssl_pkcs12, password=None, name=None, file_name="nopw.p12")
    material = load(store)
    kf.assert_key_matches(material, store.cert)
    assert material.alias is None
    fails(store, "keystore_alias", "has no friendly name", alias="signer")


@pytest.mark.java
def test_multi_key_pkcs12_refuses_a_non_first_alias(pkcs12_two_entries):
    store = pkcs12_two_entries
    fails(store, "keystore_alias",
          "keystore_alias 'Beta' is not the first private key entry ('alpha'); only the first can be read "
          "from a PKCS12 file: export that entry into its own file", alias="Beta")  # fmt: skip
    for alias in ("alpha", "ALPHA", None):
        material = load(store, alias=alias)
        kf.assert_key_matches(material, store.entries["alpha"])
        assert store.entries["Beta"].der not in material.chain_der  # another entry's leaf is no chain


# --------------------------------------------------------------------------- native panics


NUL_PASSWORD = "Nul\x00Pass-5Jy"


def real_panic_class(store: kf.Keystore) -> type:
    """cryptography 50's own panic class, from its real trigger: a NUL byte in a PKCS12 password."""
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        pkcs12.load_pkcs12(store.read_bytes(), NUL_PASSWORD.encode())
    except Exception:  # noqa: S110 - a cryptography that raises an Exception here has no panic to offer
        pass
    except BaseException as panic:  # the Rust panic: exactly what the nets are for
        return type(panic)
    pytest.skip("this cryptography no longer panics on a NUL byte in a PKCS12 password")


def test_cryptography_really_panics_on_a_nul_in_a_pkcs12_password(stores):
    """The trigger the issue found: a BaseException, not an Exception, that lists the password's bytes."""
    panic = real_panic_class(stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True))
    assert not issubclass(panic, Exception) and panic.__name__ == "PanicException"


def test_a_nul_in_a_pkcs12_password_is_refused_before_cryptography_sees_it(stores, monkeypatch):
    from cryptography.hazmat.primitives.serialization import pkcs12

    store = stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True)
    calls = []
    monkeypatch.setattr(pkcs12, "load_pkcs12", lambda *args: calls.append(args))
    error = fails(store, "keystore_password", "holds a NUL byte", keystore_password=NUL_PASSWORD)
    assert calls == [] and "5Jy" not in str(error) and "[" not in str(error)


def test_the_loader_net_catches_the_real_panic_class(stores, monkeypatch):
    from cryptography.hazmat.primitives.serialization import pkcs12

    store = stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True)
    panic = real_panic_class(store)

    def panicking(*args):
        raise panic(native_panics.panic_text(kf.DEFAULT_STORE_PASSWORD))

    monkeypatch.setattr(pkcs12, "load_pkcs12", panicking)
    error = fails(store, "keystore_path", "could not be read as a PKCS12 keystore")
    assert native_panics.PANIC_MARKER not in str(error) and error.__suppress_context__


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_the_loader_nets_let_the_stopping_exceptions_through(stores, monkeypatch, stop):
    from cryptography.hazmat.primitives.serialization import pkcs12

    store = stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True)

    def stopping(*args):
        raise stop()

    monkeypatch.setattr(pkcs12, "load_pkcs12", stopping)
    with pytest.raises(stop):
        load(store)


# --------------------------------------------------------------------------- cryptography failures, reworded


@pytest.mark.parametrize("name", ["ValueError", "TypeError", "UnsupportedAlgorithm", "InternalError", "RuntimeError"])
def test_cryptography_pkcs12_errors_are_reworded(monkeypatch, pkcs12_file, name):
    from cryptography.hazmat.primitives.serialization import pkcs12

    monkeypatch.setattr(pkcs12, "load_pkcs12", raiser(cryptography_errors()[name]))
    with pytest.raises(KeystoreError) as caught:
        load_key_material(pkcs12_file, keystore_password="p12-pass")
    assert_clean(caught.value)
