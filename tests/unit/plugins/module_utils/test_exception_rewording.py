"""Library exceptions never reach the user raw.

pyjks and cryptography put whatever they like in their messages: file bytes,
sometimes the input they choked on. Here each library function the keystore
readers call is replaced by one that raises with a secret-looking MARKER in
its message, and the collection's error must carry neither the marker nor the
library exception as its cause or visible context (so no traceback shows it).
The transport's cases (ssl, http.client, socket) are in _transport/test_diagnosis.py and
test_trust.py, the lookup's in lookup/test_token.py, the safety net's in _adapters/.
"""

from __future__ import annotations

import errno
import os

import keystore_factory as kf
import pytest
from cert_builder import cert_pem, key_pem, rsa_key, self_signed, write_private

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_key_material
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    AzureAdOAuthError,
    KeystoreError,
)

MARKER = "LEAK-MARKER-hunter2-7f3a9c"


def assert_clean(error: BaseException, option: str | None = None) -> None:
    """The collection's error: no marker anywhere, no visible library cause, the right option."""
    assert isinstance(error, AzureAdOAuthError), f"{type(error).__name__} escaped: {error}"
    assert MARKER not in str(error) and MARKER not in repr(error.args)
    assert error.__cause__ is None
    assert error.__suppress_context__ or error.__context__ is None, "a traceback would show the library error"
    if option is not None:
        assert error.option == option, (error.option, str(error))


def raiser(exc: BaseException):
    def raise_it(*args, **kwargs):
        raise exc

    return raise_it


# --------------------------------------------------------------------------- key files


@pytest.fixture(scope="module")
def pem_file(tmp_path_factory):
    key = rsa_key()
    return write_private(tmp_path_factory.mktemp("pem") / "app.pem", key_pem(key), cert_pem(self_signed(key)))


@pytest.fixture(scope="module")
def pkcs12_file(tmp_path_factory):
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12

    key = rsa_key()
    data = pkcs12.serialize_key_and_certificates(b"signer", key, self_signed(key), None,
                                                 BestAvailableEncryption(b"p12-pass"))  # fmt: skip
    return write_private(tmp_path_factory.mktemp("p12") / "app.p12", data)


def jks_store():
    """The committed JKS (written by keytool 25), so no JDK is needed here."""
    return kf.committed_jdk25_keystore()


def pyasn1_error(message):
    from pyasn1.error import PyAsn1Error

    return PyAsn1Error(message)


def jks_errors():
    from jks.util import BadKeystoreFormatException, KeystoreSignatureException, UnsupportedKeystoreVersionException

    return [
        (KeystoreSignatureException(MARKER), "keystore_password"),
        (UnsupportedKeystoreVersionException(MARKER), "keystore_path"),
        (BadKeystoreFormatException(MARKER), "keystore_path"),
        (pyasn1_error(MARKER), "keystore_path"),
        (ValueError(MARKER), "keystore_path"),
        (UnicodeDecodeError("utf-8", MARKER.encode(), 0, 1, MARKER), "keystore_path"),
        (RuntimeError(MARKER), "keystore_path"),
    ]


@pytest.mark.parametrize("index", range(7))
def test_pyjks_store_errors_are_reworded(monkeypatch, index):
    import jks

    exc, option = jks_errors()[index]
    monkeypatch.setattr(jks.KeyStore, "loads", raiser(exc))
    with pytest.raises(KeystoreError) as caught:
        load_key_material(**jks_store().load_kwargs())
    assert_clean(caught.value, option)


@pytest.mark.parametrize("kind", ["bad-hash", "pyasn1", "runtime"])
def test_pyjks_key_decryption_errors_are_reworded(monkeypatch, kind):
    from jks import sun_crypto
    from jks.util import BadHashCheckException

    exc = {"bad-hash": BadHashCheckException(MARKER), "pyasn1": pyasn1_error(MARKER),
           "runtime": RuntimeError(MARKER)}[kind]  # fmt: skip
    monkeypatch.setattr(sun_crypto, "jks_pkey_decrypt", raiser(exc))
    with pytest.raises(KeystoreError) as caught:
        load_key_material(**jks_store().load_kwargs())
    # A failed hash check is a wrong key password; anything else is reported without its text.
    assert_clean(caught.value, "key_password" if kind == "bad-hash" else "keystore_path")


def der(tag: int, body: bytes) -> bytes:
    assert len(body) < 128
    return bytes([tag, len(body)]) + body


def jceks_entry() -> bytes:
    """An EncryptedPrivateKeyInfo with the JCEKS protector; the ciphertext is never really decrypted here."""
    oid = bytes.fromhex("2b060104012a021301")  # 1.3.6.1.4.1.42.2.19.1
    params = der(0x30, der(0x04, b"\x01" * 8) + der(0x02, b"\x01"))
    return der(0x30, der(0x30, der(0x06, oid) + params) + der(0x04, b"\x00" * 16))


@pytest.mark.parametrize("outcome", ["pyasn1-error", "garbage"])
def test_jceks_wrong_password_oddities_say_wrong_key_password(monkeypatch, outcome):
    """A wrong JCEKS password that passes the padding check yields garbage (plain pyjks: a PyAsn1Error)."""
    from jks import sun_crypto

    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.jks import decrypt_entry

    if outcome == "garbage":
        monkeypatch.setattr(sun_crypto, "jce_pbe_decrypt", lambda *args: MARKER.encode() + b"\x30\x82")
    else:
        monkeypatch.setattr(sun_crypto, "jce_pbe_decrypt", raiser(pyasn1_error(MARKER)))
    with pytest.raises(KeystoreError) as caught:
        decrypt_entry(jceks_entry(), "wrong-pass", "jceks", "entry", "test.jceks")
    assert_clean(caught.value, "key_password")
    assert "wrong key_password" in str(caught.value)


def cryptography_errors():
    from cryptography.exceptions import InternalError, UnsupportedAlgorithm

    return {
        "ValueError": ValueError(MARKER),
        "TypeError": TypeError(MARKER),
        "UnsupportedAlgorithm": UnsupportedAlgorithm(MARKER),
        "InternalError": InternalError(MARKER, []),
        "RuntimeError": RuntimeError(MARKER),
    }


@pytest.mark.parametrize("name", ["ValueError", "TypeError", "UnsupportedAlgorithm", "InternalError", "RuntimeError"])
def test_cryptography_pkcs12_errors_are_reworded(monkeypatch, pkcs12_file, name):
    from cryptography.hazmat.primitives.serialization import pkcs12

    monkeypatch.setattr(pkcs12, "load_pkcs12", raiser(cryptography_errors()[name]))
    with pytest.raises(KeystoreError) as caught:
        load_key_material(pkcs12_file, keystore_password="p12-pass")
    assert_clean(caught.value)


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


@pytest.mark.parametrize("name", ["ValueError", "UnsupportedAlgorithm", "RuntimeError"])
def test_cryptography_jks_key_parse_errors_are_reworded(monkeypatch, name):
    from cryptography.hazmat.primitives import serialization

    monkeypatch.setattr(serialization, "load_der_private_key", raiser(cryptography_errors()[name]))
    with pytest.raises(KeystoreError) as caught:
        load_key_material(**jks_store().load_kwargs())
    assert_clean(caught.value)


@pytest.mark.parametrize("where", ["open", "fstat", "read"])
def test_os_errors_name_only_the_errno(monkeypatch, pem_file, where):
    """The reader opens the file once (os.open), checks the descriptor (os.fstat), then reads it (os.read)."""
    error = OSError(errno.EIO, MARKER)
    inode = os.stat(pem_file).st_ino
    real = getattr(os, where)
    real_fstat = os.fstat

    def failing_for_the_key_file(first, *args, **kwargs):
        # Only for the key file: pytest itself calls these functions on its own descriptors meanwhile.
        if (first == pem_file) if where == "open" else (real_fstat(first).st_ino == inode):
            raise error
        return real(first, *args, **kwargs)

    monkeypatch.setattr(os, where, failing_for_the_key_file)
    with pytest.raises(KeystoreError) as caught:
        load_key_material(pem_file)
    assert_clean(caught.value, "keystore_path")
    assert "EIO" in str(caught.value)
