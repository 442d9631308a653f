"""PKCS12 and JKS bytes written by the keystore module: read back by us, keytool and openssl."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import keystore_factory as kf
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import (
    KeyMaterial,
    certificate_to_der,
    same_key,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_key_material
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.self_signed import generate_self_signed
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.serialize import (
    serialize_keystore,
    stored_alias,
    verify_keystore_bytes,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import KeystoreError, OptionError

PASSWORD = "Store-pass 1"
# JDK 17 keytool cannot open stores whose password is not ASCII; our own reader can.
UNICODE_PASSWORD = "Störe-pass 1é"
KEY_PASSWORD = "Key-pass 2"


@pytest.fixture(scope="module")
def material():
    return generate_self_signed("CN=writer.example.com,O=Contoso", 30, 2048)


@pytest.fixture(scope="module")
def chained():
    """A leaf signed by an intermediate signed by a root: the leaf's material with a 2-certificate chain.

    The CAs have EC keys (quick to make); the leaf's key is RSA, the only kind the module writes.
    """
    root_key = ec.generate_private_key(ec.SECP256R1())
    inter_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _cert("Root CA", root_key, "Root CA", root_key, ca=True)
    inter = _cert("Issuing CA", inter_key, "Root CA", root_key, ca=True)
    leaf = _cert("app01", leaf_key, "Issuing CA", inter_key, ca=False)
    return KeyMaterial(leaf_key, leaf, (inter, root))


def _cert(subject, key, issuer, issuer_key, ca):
    import datetime

    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    path.chmod(0o600)
    return path


def secret_file(tmp_path: Path, value: str, name: str = "pass.txt") -> Path:
    """A 0600 file holding a password, for -passin file: and -storepass:file (never argv)."""
    fd = os.open(tmp_path / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return tmp_path / name


def run(argv: list[str], env: dict | None = None) -> str:
    result = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


# --------------------------------------------------------------------------- our own reader


@pytest.mark.parametrize("keystore_type", ["pkcs12", "jks"])
def test_round_trip_through_load_key_material(tmp_path, material, keystore_type):
    key_password = KEY_PASSWORD if keystore_type == "jks" else None
    data = serialize_keystore(keystore_type, material, "Azure-AD", PASSWORD, key_password)
    path = write(tmp_path, f"store.{keystore_type}", data)
    alias = stored_alias(keystore_type, "Azure-AD")
    loaded = load_key_material(str(path), keystore_type, PASSWORD, key_password, alias)
    assert loaded.source_type == keystore_type
    assert same_key(loaded.private_key, material.private_key)
    assert certificate_to_der(loaded.certificate) == certificate_to_der(material.certificate)
    assert loaded.chain == ()
    assert loaded.alias == ("azure-ad" if keystore_type == "jks" else "Azure-AD")


@pytest.mark.parametrize("keystore_type", ["pkcs12", "jks"])
def test_unicode_passwords_round_trip(tmp_path, material, keystore_type):
    data = serialize_keystore(keystore_type, material, "a", UNICODE_PASSWORD, UNICODE_PASSWORD + "k")
    key_password = UNICODE_PASSWORD + "k" if keystore_type == "jks" else None
    loaded = load_key_material(str(write(tmp_path, "u", data)), keystore_type, UNICODE_PASSWORD, key_password, "a")
    assert same_key(loaded.private_key, material.private_key)


@pytest.mark.parametrize("keystore_type", ["pkcs12", "jks"])
def test_chain_is_kept_in_order(tmp_path, chained, keystore_type):
    data = serialize_keystore(keystore_type, chained, "app", PASSWORD)
    loaded = load_key_material(str(write(tmp_path, "chain", data)), "auto", PASSWORD, None, "app")
    assert [certificate_to_der(c) for c in loaded.chain] == [certificate_to_der(c) for c in chained.chain]
    assert same_key(loaded.private_key, chained.private_key)


def test_jks_key_entry_is_protected_by_key_password_not_store_password(tmp_path, material):
    path = write(tmp_path, "k.jks", serialize_keystore("jks", material, "a", PASSWORD, KEY_PASSWORD))
    with pytest.raises(KeystoreError) as caught:
        load_key_material(str(path), "jks", PASSWORD, None, "a")
    assert caught.value.option == "key_password"
    with pytest.raises(KeystoreError) as caught:
        load_key_material(str(path), "jks", "Wrong-pass", KEY_PASSWORD, "a")
    assert caught.value.option == "keystore_password"


def test_pkcs12_wrong_password_is_refused(tmp_path, material):
    path = write(tmp_path, "k.p12", serialize_keystore("pkcs12", material, "a", PASSWORD))
    with pytest.raises(KeystoreError) as caught:
        load_key_material(str(path), "pkcs12", "Wrong-pass", None, None)
    assert caught.value.option == "keystore_password"


def test_jks_alias_is_lower_case():
    assert stored_alias("jks", "Azure-AD") == "azure-ad"
    assert stored_alias("pkcs12", "Azure-AD") == "Azure-AD"


@pytest.mark.parametrize(
    ("kwargs", "option"),
    [
        ({"keystore_type": "jceks"}, "type"),
        ({"password": ""}, "password"),
        ({"alias": " "}, "alias"),
        ({"key_password": ""}, "key_password"),
    ],
)
def test_bad_arguments_name_their_option(material, kwargs, option):
    args = {"keystore_type": "pkcs12", "material": material, "alias": "a", "password": PASSWORD} | kwargs
    with pytest.raises(OptionError) as caught:
        serialize_keystore(**args)
    assert caught.value.option == option


def test_certificate_must_match_key(material, chained):
    mixed = KeyMaterial(material.private_key, chained.certificate)
    with pytest.raises(KeystoreError, match="does not match"):
        serialize_keystore("pkcs12", mixed, "a", PASSWORD)
    with pytest.raises(KeystoreError, match="needs a certificate"):
        serialize_keystore("jks", KeyMaterial(material.private_key, None), "a", PASSWORD)


def test_verification_catches_bytes_that_do_not_hold_the_material(material, chained):
    data = serialize_keystore("pkcs12", chained, "a", PASSWORD)
    with pytest.raises(KeystoreError, match="did not read back the same"):
        verify_keystore_bytes(data, "pkcs12", material, "a", PASSWORD)


def test_jks_password_that_java_cannot_hold_is_refused(material):
    with pytest.raises(OptionError) as caught:
        serialize_keystore("jks", material, "a", "bad\ud800pass")
    assert caught.value.option == "password"


# --------------------------------------------------------------------------- real tools


def test_pkcs12_uses_modern_encryption_by_default(tmp_path, material):
    openssl = kf.require(kf.openssl)
    path = write(tmp_path, "modern.p12", serialize_keystore("pkcs12", material, "azure-ad", PASSWORD))
    info = run([openssl, "pkcs12", "-info", "-noout", "-in", str(path), "-passin", "env:KS_PASS"],
               env={"KS_PASS": PASSWORD})
    assert "PBES2, PBKDF2, AES-256-CBC" in info
    assert "PRF hmacWithSHA256" in info
    assert "MAC: sha256" in info
    assert "RC2" not in info and "3DES" not in info and "TripleDES" not in info
    # The password file form works too (-passin file:), and the friendly name is the alias.
    dump = run([openssl, "pkcs12", "-in", str(path), "-nokeys", "-passin", f"file:{secret_file(tmp_path, PASSWORD)}"])
    assert "friendlyName: azure-ad" in dump
    assert "-----BEGIN CERTIFICATE-----" in dump


def test_openssl_extracts_the_same_private_key(tmp_path, material):
    openssl = kf.require(kf.openssl)
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    path = write(tmp_path, "key.p12", serialize_keystore("pkcs12", material, "azure-ad", PASSWORD))
    env = {"KS_PASS": PASSWORD}
    result = subprocess.run([openssl, "pkcs12", "-in", str(path), "-nocerts", "-noenc", "-passin", "env:KS_PASS"],
                            capture_output=True, env={**os.environ, **env}, timeout=60, check=True)
    start = result.stdout.index(b"-----BEGIN PRIVATE KEY-----")
    assert same_key(load_pem_private_key(result.stdout[start:], None), material.private_key)


@pytest.mark.java
@pytest.mark.parametrize("keystore_type", ["pkcs12", "jks"])
def test_keytool_lists_the_entry(tmp_path, material, keystore_type, any_keytool):
    key_password = KEY_PASSWORD if keystore_type == "jks" else None
    data = serialize_keystore(keystore_type, material, "Azure-AD", PASSWORD, key_password)
    path = write(tmp_path, f"store.{keystore_type}", data)
    listing = run([str(any_keytool.keytool), "-J-Duser.language=en", "-list", "-v", "-keystore", str(path),
                   "-storetype", keystore_type.upper(), "-storepass:file", str(secret_file(tmp_path, PASSWORD))])
    assert "Your keystore contains 1 entry" in listing
    assert "Entry type: PrivateKeyEntry" in listing
    expected_alias = "azure-ad" if keystore_type == "jks" else "Azure-AD"
    assert f"Alias name: {expected_alias}" in listing or f"Alias name: {expected_alias.lower()}" in listing
    sha1 = ":".join(f"{b:02X}" for b in __import__("hashlib").sha1(certificate_to_der(material.certificate)).digest())
    assert sha1 in listing


@pytest.mark.java
def test_keytool_decrypts_the_jks_key_with_key_password(tmp_path, material, any_keytool):
    """-importkeystore must decrypt the key entry: proof that key_password protects it."""
    path = write(tmp_path, "k.jks", serialize_keystore("jks", material, "azure-ad", PASSWORD, KEY_PASSWORD))
    store_file = secret_file(tmp_path, PASSWORD, "store.txt")
    key_file = secret_file(tmp_path, KEY_PASSWORD, "key.txt")
    out = tmp_path / "converted.p12"
    run([str(any_keytool.keytool), "-J-Duser.language=en", "-importkeystore", "-noprompt",
         "-srckeystore", str(path), "-srcstoretype", "JKS", "-srcstorepass:file", str(store_file),
         "-srcalias", "azure-ad", "-srckeypass:file", str(key_file),
         "-destkeystore", str(out), "-deststoretype", "PKCS12", "-deststorepass:file", str(store_file)])
    converted = load_key_material(str(out), "pkcs12", PASSWORD)
    assert same_key(converted.private_key, material.private_key)


@pytest.fixture(scope="module", params=["old", "new"])
def any_keytool(request):
    if request.param == "old":
        return kf.require(kf.default_jdk)
    return kf.require(kf.jdk, minimum=21)


# --------------------------------------------------------------------------- keys Entra refuses, native panics


@pytest.mark.parametrize("keystore_type", ["pkcs12", "jks"])
def test_a_key_entra_refuses_is_never_written(chained, keystore_type):
    """A key kept from an old file (supplied keys are refused when read, naming their option)."""
    ec_material = KeyMaterial(ec.generate_private_key(ec.SECP256R1()), None)
    ec_material = KeyMaterial(ec_material.private_key, _cert("ec", ec_material.private_key, "ec",
                                                             ec_material.private_key, ca=False))  # fmt: skip
    with pytest.raises(KeystoreError) as caught:
        serialize_keystore(keystore_type, ec_material, "a", PASSWORD)
    assert caught.value.option == "path"
    assert str(caught.value) == ("The key in path is an EC key; Microsoft Entra ID accepts only RSA keys for "
                                 "certificate credentials. Create an RSA key (2048 bits or more).")  # fmt: skip


WRITE_CALLS = {
    "pkcs12-serialize": ("cryptography.hazmat.primitives.serialization.pkcs12", "serialize_key_and_certificates",
                         "pkcs12", "password"),
    "pkcs12-encryption": ("cryptography.hazmat.primitives.serialization", "PrivateFormat.encryption_builder",
                          "pkcs12", "password"),
    "jks-save": ("jks", "KeyStore.saves", "jks", "key_password"),
    "jks-encrypt": ("jks", "PrivateKeyEntry.encrypt", "jks", "key_password"),
    "jks-entry": ("jks", "PrivateKeyEntry.new", "jks", "key_password"),
}


@pytest.mark.parametrize("call", sorted(WRITE_CALLS))
def test_a_panic_while_writing_is_a_clean_keystore_error(monkeypatch, material, call):
    import native_panics

    module, attribute, keystore_type, option = WRITE_CALLS[call]
    owner, name = native_panics.NativeCall(module, attribute).resolve()
    monkeypatch.setattr(owner, name, native_panics.panicking(getattr(owner, name), PASSWORD))
    with pytest.raises(KeystoreError) as caught:
        serialize_keystore(keystore_type, material, "a", PASSWORD, KEY_PASSWORD if keystore_type == "jks" else None)
    assert caught.value.option == option
    assert "could not be built in memory" in str(caught.value) and "nothing was written" in str(caught.value)
    assert PASSWORD not in str(caught.value) and native_panics.PANIC_MARKER not in str(caught.value)
    assert caught.value.__suppress_context__


def test_a_panic_reading_the_bytes_back_means_nothing_is_written(monkeypatch, material):
    import native_panics

    native_panics.inject("pkcs12-load", PASSWORD, monkeypatch.setattr)
    with pytest.raises(KeystoreError) as caught:
        serialize_keystore("pkcs12", material, "a", PASSWORD)
    assert "did not read back the same; nothing was written" in str(caught.value)
    assert native_panics.PANIC_MARKER not in str(caught.value)
