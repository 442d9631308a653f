"""PEM (and DER) keys and certificates (_keystore_reader/pem.py): files made by openssl and ssh-keygen, read as a
PEM keystore and by the loader the keystore module shares, and cryptography's failures reworded."""

from __future__ import annotations

import os
import subprocess

import keystore_factory as kf
import pytest
from keystore_reading import WRONG, cryptography_errors, fails, load
from library_errors import assert_clean, raiser

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import (
    OptionNames,
    certificate_to_der,
    same_key,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_key_material
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.pem import (
    Source,
    certificate_blocks,
    load_certificates,
    load_pem,
    load_private_key,
    private_key_blocks,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import KeystoreError

PASSPHRASE = "Pem-pass 7"
KEY_FILE = Source("private_key_path '/etc/app.key'", "private_key_path")
CERT_FILE = Source("certificate_path '/etc/app.crt'", "certificate_path")


def openssl(*args: str, password: str | None = None) -> bytes:
    """Run openssl as a user would, a password (if any) in the environment, never on the command line."""
    env = {**os.environ, "PEM_PASS": password or ""}
    return subprocess.run([kf.openssl(), *args], env=env, check=True, capture_output=True, timeout=60).stdout


def der_key(store: kf.Keystore, passphrase: str | None = None) -> bytes:
    """The store's key as DER PKCS#8 (openssl pkcs8 -topk8), encrypted with AES-256 when ``passphrase`` is set."""
    protection = ["-v2", "aes256", "-passout", "env:PEM_PASS"] if passphrase else ["-nocrypt"]
    return openssl("pkcs8", "-topk8", "-in", str(store.path), "-outform", "DER", *protection, password=passphrase)


def fails_to_load(blob: bytes, label: str | None, password: str | None, option: str, message: str) -> None:
    with pytest.raises(KeystoreError) as caught:
        load_private_key(blob, label, KEY_FILE, password, "private_key_passphrase")
    assert (caught.value.option, str(caught.value)) == (option, message)
    assert caught.value.__cause__ is None and PASSPHRASE not in str(caught.value)


@pytest.fixture(scope="module")
def key_only(stores):
    return stores("pem-key-only", kf.pem_files, layout="key-only")


@pytest.fixture(scope="module")
def split_with_chain(stores):
    return stores("pem-split", kf.pem_files, layout="split", with_chain=True)


# --------------------------------------------------------------------------- one private key, PEM or DER


def test_a_der_key_loads_with_and_without_its_passphrase(key_only):
    plain, encrypted = der_key(key_only), der_key(key_only, PASSPHRASE)
    original = load_pem(key_only.read_bytes(), str(key_only.path)).private_key
    for blob, password in ((plain, None), (encrypted, PASSPHRASE)):
        assert same_key(load_private_key(blob, None, KEY_FILE, password, "private_key_passphrase"), original)
    fails_to_load(encrypted, None, None, "private_key_passphrase",
                  "The private key in private_key_path '/etc/app.key' is encrypted: set private_key_passphrase.")
    fails_to_load(encrypted, None, WRONG, "private_key_passphrase", "The private key in private_key_path "
                  "'/etc/app.key' could not be decrypted: wrong private_key_passphrase.")  # fmt: skip
    fails_to_load(plain, None, PASSPHRASE, "private_key_passphrase",
                  "The private key in private_key_path '/etc/app.key' is not encrypted: unset private_key_passphrase.")
    fails_to_load(plain[:-40], None, None, "private_key_path",
                  "The private key in private_key_path '/etc/app.key' could not be parsed.")


@pytest.mark.parametrize("key_format", ["pkcs8", "traditional"])
def test_an_encrypted_pem_key_says_which_password_is_missing_or_wrong(stores, key_format):
    store = stores(("pem-both", key_format), kf.pem_files, key_password=kf.DEFAULT_KEY_PASSWORD, key_format=key_format)
    [(label, block)] = private_key_blocks(store.read_bytes())
    fails_to_load(block, label, None, "private_key_passphrase",
                  "The private key in private_key_path '/etc/app.key' is encrypted: set private_key_passphrase.")
    fails_to_load(block, label, WRONG, "private_key_passphrase", "The private key in private_key_path "
                  "'/etc/app.key' could not be decrypted: wrong private_key_passphrase.")  # fmt: skip
    assert load_private_key(block, label, KEY_FILE, kf.DEFAULT_KEY_PASSWORD, "private_key_passphrase") is not None


def test_an_openssh_key_is_refused_with_the_command_that_converts_it(tmp_path):
    key = tmp_path / "id_rsa"
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-f", str(key)], check=True,
                   capture_output=True, timeout=60)  # fmt: skip
    [(label, block)] = private_key_blocks(key.read_bytes())
    with pytest.raises(KeystoreError) as caught:
        load_private_key(block, label, KEY_FILE, None, "private_key_passphrase")
    assert str(caught.value) == ("The private key in private_key_path '/etc/app.key' is in OpenSSH format, not PEM. "
                                 "Hint: Convert it with: ssh-keygen -p -m PKCS8 -f <file>")
    assert caught.value.option == "private_key_path"
    with pytest.raises(KeystoreError, match="is in OpenSSH format"):
        load_pem(key.read_bytes(), str(key))


# --------------------------------------------------------------------------- certificates, PEM or DER


def test_certificates_come_in_file_order_from_pem_and_alone_from_der(split_with_chain):
    store = split_with_chain
    pem = store.certificate_path.read_bytes()  # the leaf, then the CA that issued it
    expected = [store.cert.der, store.chain[0].der]
    assert [certificate_to_der(cert) for cert in load_certificates(pem, CERT_FILE)] == expected
    assert [block.startswith(b"-----BEGIN CERTIFICATE-----") for block in certificate_blocks(pem)] == [True, True]
    assert [certificate_to_der(cert) for cert in load_certificates(store.cert.der, CERT_FILE)] == [store.cert.der]


def test_what_is_not_a_certificate_says_so(split_with_chain):
    store = split_with_chain
    damaged = store.cert.pem.replace(b"\n", b"\n!", 3)
    cases = {
        store.read_bytes(): "certificate_path '/etc/app.crt' holds no PEM certificate.",
        damaged: "A certificate in certificate_path '/etc/app.crt' could not be parsed.",
        store.cert.der[:-10]: "certificate_path '/etc/app.crt' is neither a PEM nor a DER certificate.",
    }
    for data, message in cases.items():
        with pytest.raises(KeystoreError) as caught:
            load_certificates(data, CERT_FILE)
        assert (str(caught.value), caught.value.option) == (message, "certificate_path")


# --------------------------------------------------------------------------- a PEM keystore


def test_openssls_bag_attributes_around_the_blocks_are_ignored(stores, tmp_path):
    """openssl pkcs12 -nodes writes "Bag Attributes" lines around each block: a PEM keystore as users make it."""
    p12 = stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True)
    text = openssl("pkcs12", "-in", str(p12.path), "-nodes", "-passin", "env:PEM_PASS", password=p12.store_password)
    assert b"Bag Attributes" in text
    material = load_pem(text, "exported.pem")
    kf.assert_key_matches(material, p12.cert)
    assert material.chain_der == (p12.cert.der, p12.chain[0].der) and material.alias is None


def test_messages_name_the_callers_options(stores):
    names = OptionNames(path="path", store_type="type", store_password="password", key_password="kp",
                        alias="alias", certificate_path="cert")  # fmt: skip
    store = stores(("pem-both", "pkcs8"), kf.pem_files, key_password=kf.DEFAULT_KEY_PASSWORD)
    with pytest.raises(KeystoreError) as caught:
        load_pem(store.read_bytes(), "/srv/key.pem", names=names)
    assert (caught.value.option, str(caught.value)) == ("kp", "The private key in '/srv/key.pem' is encrypted: set kp.")
    with pytest.raises(KeystoreError) as caught:
        load_pem(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "/srv/key.pem", names=names)
    assert caught.value.option == "path" and "holds no private key (only certificates)" in str(caught.value)


# --------------------------------------------------------------------------- through the dispatcher, as a user would


@pytest.mark.parametrize(
    ("layout", "key_format", "encrypted", "key_type"),
    [
        ("combined", "pkcs8", False, "rsa"),
        ("combined", "pkcs8", True, "rsa"),
        ("combined", "traditional", True, "rsa"),
        ("combined", "traditional", False, "ec"),
        ("split", "pkcs8", False, "rsa"),
        ("split", "traditional", True, "rsa"),
        ("split-der", "pkcs8", True, "ec"),
    ],
)
def test_pem(stores, layout, key_format, encrypted, key_type):
    password = kf.DEFAULT_KEY_PASSWORD if encrypted else None
    store = stores(("pem", layout, key_format, encrypted, key_type), kf.pem_files, layout=layout,
                   key_password=password, key_format=key_format, key_type=key_type,
                   with_chain=layout != "split-der")  # fmt: skip
    material = load(store)
    kf.assert_key_matches(material, store.cert)
    assert material.source_type == "pem"
    assert material.chain_der == (store.cert.der, *(cert.der for cert in store.chain))
    assert material.key_algorithm == key_type.upper()
    if encrypted:
        fails(store, "key_password", "is encrypted: set key_password", key_password=None)
        fails(store, "key_password", "wrong key_password", key_password=WRONG)
        # key_password defaults to keystore_password, as for JKS
        kf.assert_key_matches(load(store, key_password=None, keystore_password=password), store.cert)
    else:
        kf.assert_key_matches(load(store, key_password=WRONG), store.cert)  # an unencrypted key needs none


def test_pem_certificates_before_the_key(stores):
    store = stores("pem-cert-first", kf.pem_files, with_chain=True, cert_first=True)
    material = load(store)
    kf.assert_key_matches(material, store.cert)
    assert material.chain_der == (store.cert.der, store.chain[0].der)


def test_pem_key_without_certificate(stores):
    store = stores("pem-key-only", kf.pem_files, layout="key-only")
    material = load(store)
    assert material.certificate is None
    assert material.leaf_der is None
    assert material.chain == ()
    assert material.key_algorithm == "RSA"


def test_pem_certificate_without_key(stores):
    store = stores("pem-cert-only", kf.pem_files, layout="cert-only")
    fails(store, "keystore_path", "holds no private key (only certificates)")


def test_pem_with_a_certificate_of_another_key(stores, tmp_path):
    mine = stores("pem-key-only", kf.pem_files, layout="key-only")
    other = stores("pem-other", kf.pem_files, layout="split")
    fails(mine, "certificate_path", "does not match the private key", certificate_path=str(other.certificate_path))
    combined = tmp_path / "mismatch.pem"
    combined.write_bytes(mine.read_bytes() + other.certificate_path.read_bytes())
    with pytest.raises(KeystoreError) as caught:
        load_key_material(str(combined))
    assert caught.value.option == "keystore_path"
    assert "matches its private key" in str(caught.value)


@pytest.mark.parametrize("key_format", ["pkcs8", "traditional"])
def test_pem_key_password_wins_over_a_different_keystore_password(stores, monkeypatch, key_format):
    """Both given, different: the key decrypts only with key_password, and keystore_password is never tried."""
    from cryptography.hazmat.primitives import serialization

    store = stores(("pem-both", key_format), kf.pem_files, key_password=kf.DEFAULT_KEY_PASSWORD, key_format=key_format)
    tried = []
    real = serialization.load_pem_private_key

    def recording(data, password, *args, **kwargs):
        tried.append(password)
        return real(data, password, *args, **kwargs)

    monkeypatch.setattr(serialization, "load_pem_private_key", recording)
    material = load(store, keystore_password=kf.DEFAULT_STORE_PASSWORD, key_password=kf.DEFAULT_KEY_PASSWORD)
    kf.assert_key_matches(material, store.cert)
    assert tried == [kf.DEFAULT_KEY_PASSWORD.encode()]


def test_pem_a_wrong_key_password_is_not_rescued_by_the_keystore_password(stores):
    """keystore_password is the fallback only when key_password is unset, never a second try."""
    store = stores(("pem-both", "pkcs8"), kf.pem_files, key_password=kf.DEFAULT_KEY_PASSWORD)
    fails(store, "key_password", "wrong key_password", keystore_password=kf.DEFAULT_KEY_PASSWORD, key_password=WRONG)


# --------------------------------------------------------------------------- cryptography failures, reworded


@pytest.mark.parametrize("name", ["ValueError", "TypeError", "UnsupportedAlgorithm", "InternalError", "RuntimeError"])
def test_cryptography_pem_key_errors_are_reworded(monkeypatch, pem_file, name):
    from cryptography.hazmat.primitives import serialization

    monkeypatch.setattr(serialization, "load_pem_private_key", raiser(cryptography_errors()[name]))
    with pytest.raises(KeystoreError) as caught:
        load_key_material(pem_file)
    assert_clean(caught.value)


@pytest.mark.parametrize("name", ["ValueError", "RuntimeError"])
def test_cryptography_certificate_errors_are_reworded(monkeypatch, pem_file, name):
    from cryptography import x509

    monkeypatch.setattr(x509, "load_pem_x509_certificate", raiser(cryptography_errors()[name]))
    with pytest.raises(KeystoreError) as caught:
        load_key_material(pem_file)
    assert_clean(caught.value)
