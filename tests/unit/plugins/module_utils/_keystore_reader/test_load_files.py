"""Reading the file, detecting its type from bytes, the safety net, lazy imports, and the pyjks workaround parts."""

from __future__ import annotations

import ast
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import keystore_factory as kf
import pytest
from collection_path import REPO_ROOT

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader import load as _keystore
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader import pem as _keystore_pem
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.jks import (
    JCE_KEY_PROTECTOR_OID,
    decode_oid,
    decrypt_entry,
    read_encrypted_private_key_info,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import (
    MAX_FILE_SIZE,
    detect_keystore_type,
    load_key_material,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import KeystoreError

REPO = REPO_ROOT
READER = REPO / "plugins" / "module_utils" / "_keystore_reader"
PLUGIN_FILES = sorted(path.name for path in READER.glob("*.py") if path.name != "__init__.py")


def fails(option: str, *fragments: str, **kwargs) -> KeystoreError:
    with pytest.raises(KeystoreError) as caught:
        load_key_material(**kwargs)
    assert caught.value.option == option, str(caught.value)
    for fragment in fragments:
        assert fragment in str(caught.value)
    return caught.value


def write(tmp_path: Path, name: str, data: bytes) -> str:
    target = tmp_path / name
    target.write_bytes(data)
    return str(target)


# --------------------------------------------------------------------------- detection from bytes


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xfe\xed\xfe\xed\x00\x00\x00\x02", "jks"),
        (b"\xce\xce\xce\xce\x00\x00\x00\x02", "jceks"),
        (b"\x30\x82\x0a\x01\x02\x01\x03\x30", "pkcs12"),  # DER, long-form length
        (b"\x30\x81\xf0\x02\x01\x03\x30", "pkcs12"),
        (b"\x30\x40\x02\x01\x03\x30", "pkcs12"),  # short-form length
        (b"\x30\x80\x02\x01\x03\x30", "pkcs12"),  # BER indefinite length
        (b"-----BEGIN PRIVATE KEY-----\nMII=\n", "pem"),
        (b"Bag Attributes\n    friendlyName: x\n-----BEGIN CERTIFICATE-----\n", "pem"),
    ],
)
def test_detect_from_bytes(data, expected):
    assert detect_keystore_type(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\xfe\xed\xfe",
        b"\x30\x82\x04\xbd\x02\x01\x00\x30",  # a DER PKCS#8 key: INTEGER 0, not 3
        b"\x30\x82\x04\xbd\x30\x82\x03\xa5",  # a DER certificate
        b"\x30\x85\x00\x00\x00\x00\x01\x02\x01\x03",  # absurd length of length
        b"PK\x03\x04 a zip file",
        b"ssh-rsa AAAAB3NzaC1yc2E",
    ],
)
def test_detect_rejects_other_bytes(data):
    with pytest.raises(KeystoreError) as caught:
        detect_keystore_type(data)
    assert caught.value.option == "keystore_path"


def test_detection_uses_bytes_not_the_name(tmp_path):
    store = kf.committed_jdk25_keystore()
    disguised = write(tmp_path, "client.p12", store.read_bytes())
    material = load_key_material(**store.load_kwargs(path=disguised))
    assert material.source_type == "jks"
    kf.assert_key_matches(material, store.cert)


def test_type_disagreeing_with_bytes_names_both():
    store = kf.committed_jdk25_keystore()
    error = fails("keystore_type", "keystore_type is pkcs12 but the file", "is a JKS keystore",
                  **store.load_kwargs(keystore_type="pkcs12"))  # fmt: skip
    assert "fixture-" not in str(error)


def test_type_given_but_bytes_are_no_keystore(tmp_path):
    fails("keystore_path", "keystore_type is jks but", "is not a JKS, JCEKS, PKCS12 or PEM keystore",
          path=write(tmp_path, "x.jks", b"hello, world"), keystore_type="jks")  # fmt: skip


# --------------------------------------------------------------------------- reading the file


def test_missing_file(tmp_path):
    fails("keystore_path", "does not exist", path=str(tmp_path / "nope.jks"))


def test_directory(tmp_path):
    fails("keystore_path", "is a directory", path=str(tmp_path))


def test_not_a_regular_file_is_not_read(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # reading it would block forever
    fails("keystore_path", "is not a regular file", path=str(fifo))


def test_empty_file(tmp_path):
    fails("keystore_path", "is empty", path=write(tmp_path, "empty.p12", b""))


def test_absurdly_large_file(tmp_path):
    fails("keystore_path", "is larger than 1024 KiB", path=write(tmp_path, "big.pem", b"-" * (MAX_FILE_SIZE + 1)))
    # exactly at the cap it is read (and then found to be no keystore)
    fails("keystore_path", "is not a JKS", path=write(tmp_path, "cap.bin", b"\0" * MAX_FILE_SIZE))


def test_random_bytes(tmp_path):
    fails("keystore_path", "is not a JKS, JCEKS, PKCS12 or PEM keystore",
          path=write(tmp_path, "random.jks", os.urandom(3000).replace(b"-----BEGIN", b"")))  # fmt: skip


def test_nul_in_path():
    fails("keystore_path", "cannot be read", path="/tmp/a\0b")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads mode 000 files")
def test_unreadable_file(tmp_path):
    target = Path(write(tmp_path, "locked.p12", b"\x30\x03\x02\x01\x03"))
    target.chmod(0)
    fails("keystore_path", "not readable by this user", path=str(target))


def open_failing_for(monkeypatch, target: str, error: OSError) -> None:
    """Make os.open fail with ``error`` for ``target`` only, as the reader sees it."""
    real_open = os.open

    def fake_open(path, *args, **kwargs):
        if os.fspath(path) == target:
            raise error
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(_keystore.os, "open", fake_open)


def test_unreadable_file_simulated(tmp_path, monkeypatch):
    """The same path as a mode 000 file, for root (which reads anything)."""
    target = write(tmp_path, "locked.p12", b"\x30\x03\x02\x01\x03")
    open_failing_for(monkeypatch, target, PermissionError(13, "Permission denied"))
    fails("keystore_path", "not readable by this user (permission denied)", path=target)


def test_closed_parent_directory_simulated(tmp_path, monkeypatch):
    """EACCES on open, and the path cannot even be looked up: a parent directory is at fault."""
    target = write(tmp_path, "locked.p12", b"\x30\x03\x02\x01\x03")
    open_failing_for(monkeypatch, target, PermissionError(13, "Permission denied"))
    real_stat = os.stat

    def stat_denied_on_target(path, *args, **kwargs):
        if os.fspath(path) == target:
            raise PermissionError(13, "x")
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(_keystore.os, "stat", stat_denied_on_target)
    fails("keystore_path", "cannot be reached: permission denied on a parent directory", path=target)


def test_other_os_errors_show_only_the_errno_name(tmp_path, monkeypatch):
    target = write(tmp_path, "io.p12", b"\x30\x03\x02\x01\x03")
    open_failing_for(monkeypatch, target, OSError(5, "Input/output error with secret-looking text"))
    error = fails("keystore_path", "cannot be read (EIO)", path=target)
    assert "secret-looking" not in str(error)


def test_read_errors_show_only_the_errno_name(tmp_path, monkeypatch):
    target = write(tmp_path, "io.p12", b"\x30\x03\x02\x01\x03")

    def broken(*args, **kwargs):
        raise OSError(5, "Input/output error with secret-looking text")

    monkeypatch.setattr(_keystore.os, "read", broken)
    error = fails("keystore_path", "cannot be read (EIO)", path=target)
    assert "secret-looking" not in str(error)


def in_thread_with_deadline(action, seconds: float = 10.0):
    """Run ``action`` in a daemon thread; fail the test (instead of hanging it) if it does not return in time."""
    outcome = {}

    def target():
        try:
            outcome["value"] = action()
        except BaseException as error:  # handed back to the test
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds}s"
    return outcome


def test_a_path_swapped_to_a_fifo_after_any_check_never_blocks(tmp_path, monkeypatch):
    """The reader checks the descriptor it opened, not the path: a stat that says "regular file" cannot fool it."""
    fifo = tmp_path / "swapped.p12"
    os.mkfifo(fifo)  # opening it for reading without O_NONBLOCK waits forever for a writer
    regular = os.stat(write(tmp_path, "decoy.p12", b"\x30\x03\x02\x01\x03"))
    real_stat = os.stat
    monkeypatch.setattr(_keystore.os, "stat", lambda path, *a, **k: regular if os.fspath(path) == str(fifo)
                        else real_stat(path, *a, **k))  # fmt: skip
    outcome = in_thread_with_deadline(lambda: load_key_material(str(fifo)))
    error = outcome.get("error")
    assert isinstance(error, KeystoreError) and error.option == "keystore_path", outcome
    assert "is not a regular file" in str(error)


def test_a_fifo_as_certificate_path_never_blocks(tmp_path):
    store = kf.committed_jdk25_keystore()
    fifo = tmp_path / "cert.pem"
    os.mkfifo(fifo)
    outcome = in_thread_with_deadline(lambda: load_key_material(**store.load_kwargs(certificate_path=str(fifo))))
    error = outcome.get("error")
    assert isinstance(error, KeystoreError) and error.option == "certificate_path", outcome
    assert "is not a regular file" in str(error)


def test_a_socket_is_not_a_regular_file(tmp_path):
    path = tmp_path / "s.p12"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        fails("keystore_path", "is not a regular file", path=str(path))


def test_a_device_is_not_a_regular_file():
    outcome = in_thread_with_deadline(lambda: load_key_material(os.devnull))
    assert isinstance(outcome.get("error"), KeystoreError) and "is not a regular file" in str(outcome["error"])


def test_certificate_path_file_errors_name_certificate_path(tmp_path):
    store = kf.committed_jdk25_keystore()
    fails("certificate_path", "certificate_path", "does not exist",
          **store.load_kwargs(certificate_path=str(tmp_path / "none.crt")))  # fmt: skip
    fails("certificate_path", "is a directory", **store.load_kwargs(certificate_path=str(tmp_path)))
    fails("certificate_path", "is empty",
          **store.load_kwargs(certificate_path=write(tmp_path, "empty.crt", b"")))  # fmt: skip


def test_certificate_path_with_the_right_certificate(tmp_path):
    store = kf.committed_jdk25_keystore()
    for name, data in (("cert.pem", store.cert.pem), ("cert.der", store.cert.der)):
        material = load_key_material(**store.load_kwargs(certificate_path=write(tmp_path, name, data)))
        kf.assert_key_matches(material, store.cert)


# --------------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    ("kwargs", "option"),
    [
        ({"path": ""}, "keystore_path"),
        ({"path": None}, "keystore_path"),
        ({"path": "/x", "keystore_type": "zip"}, "keystore_type"),
        ({"path": "/x", "keystore_type": None}, "keystore_type"),
        ({"path": "/x", "keystore_password": b"bytes"}, "keystore_password"),
        ({"path": "/x", "key_password": 1234}, "key_password"),
        ({"path": "/x", "alias": ["a"]}, "keystore_alias"),
        ({"path": "/x", "certificate_path": 3}, "certificate_path"),
    ],
)
def test_bad_arguments(kwargs, option):
    fails(option, **kwargs)


def test_empty_alias_and_certificate_path_count_as_unset():
    store = kf.committed_jdk25_keystore()
    material = load_key_material(**store.load_kwargs(alias="", certificate_path=""))
    kf.assert_key_matches(material, store.cert)


# --------------------------------------------------------------------------- the safety net


def test_an_unexpected_library_error_becomes_a_generic_keystore_error(tmp_path, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("library text quoting input bytes: Key-pass 2")

    monkeypatch.setattr(_keystore_pem, "load_pem", explode)
    error = fails("keystore_path", "could not be read as a PEM keystore",
                  path=write(tmp_path, "k.pem", b"-----BEGIN PRIVATE KEY-----\n"))  # fmt: skip
    assert "Key-pass" not in str(error)
    assert error.__cause__ is None
    assert error.__suppress_context__


# --------------------------------------------------------------------------- lazy imports, Python 3.8


def test_importing_the_loader_imports_no_crypto_library_and_pem_needs_no_pyjks(tmp_path):
    store = kf.require(kf.pem_files, tmp_path, layout="combined")
    script = (
        "import sys\n"
        "from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_key_material\n"
        "assert not {'jks', 'cryptography', 'pyasn1'} & set(sys.modules), sorted(sys.modules)\n"
        f"load_key_material({str(store.path)!r})\n"
        "assert 'cryptography' in sys.modules\n"
        "assert 'jks' not in sys.modules and 'pyasn1' not in sys.modules\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO / ".cache" / "collections"))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", PLUGIN_FILES)
def test_plugin_code_parses_as_python_3_8(name):
    source = (READER / name).read_text()
    ast.parse(source, filename=name, feature_version=(3, 8))
    assert "from __future__ import annotations" in source
    assert "INTERNAL USE ONLY" in source


# --------------------------------------------------------------------------- the tiny DER reader


def der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(raw)]) + raw + content


JKS_OID = bytes.fromhex("2b060104012a02110101")
JCE_OID = bytes.fromhex("2b060104012a021301")


def test_decode_oid():
    assert decode_oid(JKS_OID) == "1.3.6.1.4.1.42.2.17.1.1"
    assert decode_oid(JCE_OID) == JCE_KEY_PROTECTOR_OID
    assert decode_oid(bytes.fromhex("2a864886f70d010101")) == "1.2.840.113549.1.1.1"
    with pytest.raises(ValueError):
        decode_oid(b"\x2b\x86")


@pytest.mark.parametrize("params", [b"", b"\x05\x00"], ids=["jdk21+", "jdk-before-21"])
def test_encrypted_private_key_info_with_and_without_null(params):
    blob = der(0x30, der(0x30, der(0x06, JKS_OID) + params) + der(0x04, b"\x01" * 300))
    assert read_encrypted_private_key_info(blob) == ("1.3.6.1.4.1.42.2.17.1.1", params, b"\x01" * 300)


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"\x30",
        der(0x31, der(0x30, der(0x06, JKS_OID)) + der(0x04, b"x")),  # SET, not SEQUENCE
        der(0x30, der(0x30, der(0x06, JKS_OID)) + der(0x04, b"x")) + b"\x00",  # trailing byte
        der(0x30, der(0x30, der(0x06, JKS_OID)) + der(0x04, b"x") + b"\x00"),  # trailing inside
        der(0x30, der(0x30, der(0x06, JKS_OID)) + der(0x04, b"x"))[:-1],  # truncated
        b"\x30\x85\x00\x00\x00\x00\x05" + b"\x00" * 5,  # five length bytes
        b"\x30\x80\x00\x00",  # indefinite length: not DER
    ],
)
def test_encrypted_private_key_info_rejects_malformed_der(blob):
    with pytest.raises(ValueError):
        read_encrypted_private_key_info(blob)


# --------------------------------------------------------------------------- JCEKS: garbage from a wrong password


def jceks_entry(pkcs8: bytes, password: str, salt: bytes, iterations: int) -> bytes:
    """An EncryptedPrivateKeyInfo as keytool writes for JCEKS, but with a low iteration count (fast to test)."""
    from Cryptodome.Cipher import DES3
    from jks.sun_crypto import _jce_pbe_derive_key_and_iv
    from jks.util import add_pkcs7_padding

    key, iv = _jce_pbe_derive_key_and_iv(password, salt, iterations)
    encrypted = DES3.new(key, DES3.MODE_CBC, iv=iv).encrypt(add_pkcs7_padding(pkcs8, 8))
    params = der(0x30, der(0x04, salt) + der(0x02, iterations.to_bytes(2, "big")))
    return der(0x30, der(0x30, der(0x06, JCE_OID) + params) + der(0x04, encrypted))


def test_jceks_wrong_passwords_that_pass_the_padding_check_still_say_wrong_key_password():
    """~0.4% of wrong JCEKS passwords leave valid padding; pyjks then raises PyAsn1Error. We say key_password."""
    from cryptography.hazmat.primitives import serialization
    from jks import PrivateKeyEntry
    from jks.sun_crypto import jce_pbe_decrypt
    from pyasn1.error import PyAsn1Error

    store = kf.committed_jdk25_keystore()
    original = load_key_material(**store.load_kwargs()).private_key
    pkcs8 = original.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption())  # fmt: skip
    salt = bytes.fromhex("0011223344556677")
    entry = jceks_entry(pkcs8, "right-pass", salt, 256)

    key = decrypt_entry(entry, "right-pass", "jceks", "entry", "test.jceks")
    assert key.private_numbers() == original.private_numbers()

    ciphertext = read_encrypted_private_key_info(entry)[2]
    padding_passed = []
    for index in range(1500):
        password = f"wrong-{index:04d}"
        with pytest.raises(KeystoreError) as caught:
            decrypt_entry(entry, password, "jceks", "entry", "test.jceks")
        assert caught.value.option == "key_password"
        assert "wrong key_password" in str(caught.value)
        assert password not in str(caught.value)
        try:
            jce_pbe_decrypt(ciphertext, password, salt, 256)
        except Exception:  # noqa: S112 - bad padding: the common case
            continue
        padding_passed.append(password)
    assert padding_passed, "no wrong password passed the padding check: the rare case went untested"

    # and this is what plain pyjks does with one of them
    raw = PrivateKeyEntry(encrypted=entry, store_type="jceks", cert_chain=[])
    raw.alias = "entry"
    with pytest.raises(PyAsn1Error):
        raw.decrypt(padding_passed[0])


def test_jceks_protector_is_refused_in_a_jks_store():
    entry = jceks_entry(b"\x30\x03\x02\x01\x00", "pw", b"\x01" * 8, 1)
    with pytest.raises(KeystoreError) as caught:
        decrypt_entry(entry, "pw", "jks", "entry", "test.jks")
    assert caught.value.option == "keystore_path"
    assert "does not support (OID 1.3.6.1.4.1.42.2.19.1)" in str(caught.value)


def test_jceks_absurd_iteration_count_is_refused():
    salt = b"\x01" * 8
    params = der(0x30, der(0x04, salt) + der(0x02, (10**8).to_bytes(4, "big")))
    entry = der(0x30, der(0x30, der(0x06, JCE_OID) + params) + der(0x04, b"\x00" * 64))
    with pytest.raises(KeystoreError) as caught:
        decrypt_entry(entry, "pw", "jceks", "entry", "test.jceks")
    assert caught.value.option == "keystore_path"
    assert "iteration count" in str(caught.value)
