"""The dispatcher (_keystore_reader/load.py): reading the file without blocking, detecting the type from the
bytes, the arguments, the caller's option names, the safety net around every reader, and lazy imports."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import keystore_factory as kf
import native_panics
import pytest
from collection_path import REPO_ROOT
from keystore_reading import fails, load
from library_errors import MARKER, assert_clean

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader import load as _keystore
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader import pem as _keystore_pem
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import OptionNames
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import (
    MAX_FILE_SIZE,
    detect_keystore_type,
    load_key_material,
    load_keystore_bytes,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import AliasError, KeystoreError

REPO = REPO_ROOT
NAMES = OptionNames(path="path", store_type="type", store_password="password", key_password="kp", alias="alias",
                    certificate_path="cert")  # fmt: skip


def fails_with(option: str, *fragments: str, **kwargs) -> KeystoreError:
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
    error = fails_with("keystore_type", "keystore_type is pkcs12 but the file", "is a JKS keystore",
                       **store.load_kwargs(keystore_type="pkcs12"))  # fmt: skip
    assert "fixture-" not in str(error)


def test_type_given_but_bytes_are_no_keystore(tmp_path):
    fails_with("keystore_path", "keystore_type is jks but", "is not a JKS, JCEKS, PKCS12 or PEM keystore",
               path=write(tmp_path, "x.jks", b"hello, world"), keystore_type="jks")  # fmt: skip


@pytest.mark.java
def test_detection_ignores_misleading_extensions(stores, jks_old, tmp_path):
    p12 = stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True)
    pem = stores("pem-split", kf.pem_files, layout="split", with_chain=True)
    for store, disguise, source_type in ((p12, "store.jks", "pkcs12"), (jks_old, "store.pem", "jks"),
                                         (pem, "key.p12", "pem")):  # fmt: skip
        target = tmp_path / disguise
        target.write_bytes(store.read_bytes())
        material = load(store, path=str(target))
        kf.assert_key_matches(material, store.cert)
        assert material.source_type == source_type


@pytest.mark.java
def test_keystore_type_disagreeing_with_the_bytes_names_both(jks_old, stores):
    fails(jks_old, "keystore_type", "keystore_type is pkcs12 but the file", "is a JKS keystore", keystore_type="pkcs12")
    fails(jks_old, "keystore_type", "keystore_type is jceks but", "is a JKS keystore", keystore_type="JCEKS")
    p12 = stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True)
    fails(p12, "keystore_type", "keystore_type is jks but the file", "is a PKCS12 keystore", keystore_type="jks")
    kf.assert_key_matches(load(p12, keystore_type="PKCS12"), p12.cert)
    kf.assert_key_matches(load(p12, keystore_type="p12"), p12.cert)


# --------------------------------------------------------------------------- reading the file


def test_missing_file(tmp_path):
    fails_with("keystore_path", "does not exist", path=str(tmp_path / "nope.jks"))


def test_directory(tmp_path):
    fails_with("keystore_path", "is a directory", path=str(tmp_path))


def test_not_a_regular_file_is_not_read(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)  # reading it would block forever
    fails_with("keystore_path", "is not a regular file", path=str(fifo))


def test_empty_file(tmp_path):
    fails_with("keystore_path", "is empty", path=write(tmp_path, "empty.p12", b""))


def test_absurdly_large_file(tmp_path):
    fails_with("keystore_path", "is larger than 1024 KiB", path=write(tmp_path, "big.pem", b"-" * (MAX_FILE_SIZE + 1)))
    # exactly at the cap it is read (and then found to be no keystore)
    fails_with("keystore_path", "is not a JKS", path=write(tmp_path, "cap.bin", b"\0" * MAX_FILE_SIZE))


def test_random_bytes(tmp_path):
    fails_with("keystore_path", "is not a JKS, JCEKS, PKCS12 or PEM keystore",
               path=write(tmp_path, "random.jks", os.urandom(3000).replace(b"-----BEGIN", b"")))  # fmt: skip


def test_nul_in_path():
    fails_with("keystore_path", "cannot be read", path="/tmp/a\0b")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads mode 000 files")
def test_unreadable_file(tmp_path):
    target = Path(write(tmp_path, "locked.p12", b"\x30\x03\x02\x01\x03"))
    target.chmod(0)
    fails_with("keystore_path", "not readable by this user", path=str(target))


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
    fails_with("keystore_path", "not readable by this user (permission denied)", path=target)


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
    fails_with("keystore_path", "cannot be reached: permission denied on a parent directory", path=target)


def test_other_os_errors_show_only_the_errno_name(tmp_path, monkeypatch):
    target = write(tmp_path, "io.p12", b"\x30\x03\x02\x01\x03")
    open_failing_for(monkeypatch, target, OSError(5, "Input/output error with secret-looking text"))
    error = fails_with("keystore_path", "cannot be read (EIO)", path=target)
    assert "secret-looking" not in str(error)


def test_read_errors_show_only_the_errno_name(tmp_path, monkeypatch):
    target = write(tmp_path, "io.p12", b"\x30\x03\x02\x01\x03")

    def broken(*args, **kwargs):
        raise OSError(5, "Input/output error with secret-looking text")

    monkeypatch.setattr(_keystore.os, "read", broken)
    error = fails_with("keystore_path", "cannot be read (EIO)", path=target)
    assert "secret-looking" not in str(error)


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
        fails_with("keystore_path", "is not a regular file", path=str(path))


def test_a_device_is_not_a_regular_file():
    outcome = in_thread_with_deadline(lambda: load_key_material(os.devnull))
    assert isinstance(outcome.get("error"), KeystoreError) and "is not a regular file" in str(outcome["error"])


# --------------------------------------------------------------------------- certificate_path


def test_certificate_path_file_errors_name_certificate_path(tmp_path):
    store = kf.committed_jdk25_keystore()
    fails_with("certificate_path", "certificate_path", "does not exist",
               **store.load_kwargs(certificate_path=str(tmp_path / "none.crt")))  # fmt: skip
    fails_with("certificate_path", "is a directory", **store.load_kwargs(certificate_path=str(tmp_path)))
    fails_with("certificate_path", "is empty",
               **store.load_kwargs(certificate_path=write(tmp_path, "empty.crt", b"")))  # fmt: skip


def test_certificate_path_with_the_right_certificate(tmp_path):
    store = kf.committed_jdk25_keystore()
    for name, data in (("cert.pem", store.cert.pem), ("cert.der", store.cert.der)):
        material = load_key_material(**store.load_kwargs(certificate_path=write(tmp_path, name, data)))
        kf.assert_key_matches(material, store.cert)


def test_certificate_path_replaces_the_keystore_certificate(stores, tmp_path):
    store = stores("pem-split", kf.pem_files, layout="split", with_chain=True)
    combined = tmp_path / "combined.pem"
    combined.write_bytes(store.read_bytes() + store.certificate_path.read_bytes())
    material = load_key_material(str(combined), certificate_path=str(store.certificate_path))
    kf.assert_key_matches(material, store.cert)
    fails(store, "certificate_path", "does not exist", certificate_path=str(tmp_path / "missing.crt"))
    garbage = tmp_path / "garbage.crt"
    garbage.write_bytes(b"\x30\x03\x02\x01\x01")
    fails(store, "certificate_path", "neither a PEM nor a DER certificate", certificate_path=str(garbage))
    key_as_cert = tmp_path / "key.crt"
    key_as_cert.write_bytes(store.read_bytes())
    fails(store, "certificate_path", "holds no PEM certificate", certificate_path=str(key_as_cert))


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
    fails_with(option, **kwargs)


def test_empty_alias_and_certificate_path_count_as_unset():
    store = kf.committed_jdk25_keystore()
    material = load_key_material(**store.load_kwargs(alias="", certificate_path=""))
    kf.assert_key_matches(material, store.cert)


# --------------------------------------------------------------------------- option names, bytes already read


def test_messages_name_the_callers_options(tmp_path):
    """The keystore module's names reach every message of the dispatcher, a path holding another name untouched."""
    missing = str(tmp_path / "keystore_path.p12")
    cases = [({"path": missing}, "path", f"path '{missing}' does not exist."),
             ({"path": "/x", "keystore_type": "zip"}, "type", "type must be one of auto, jks, jceks, pkcs12, pem"),
             ({"path": "/x", "alias": 3}, "alias", "alias must be a string."),
             ({"path": kf.committed_jdk25_keystore().path.as_posix(), "keystore_type": "pkcs12"}, "type",
              "type is pkcs12 but the file")]  # fmt: skip
    for kwargs, option, words in cases:
        with pytest.raises(KeystoreError) as caught:
            load_key_material(names=NAMES, **kwargs)
        assert caught.value.option == option and words in str(caught.value), str(caught.value)


def test_bytes_already_read_take_their_type_from_the_bytes():
    store = kf.committed_jdk25_keystore()
    data = store.read_bytes()
    material = load_keystore_bytes(data, "in-memory", store.store_password, store.key_password, names=NAMES)
    kf.assert_key_matches(material, store.cert)
    assert material.source_type == "jks" and material.alias == "jdk25-signer"
    with pytest.raises(AliasError) as caught:
        load_keystore_bytes(data, "in-memory", store.store_password, store.key_password, "nope", NAMES)
    assert caught.value.option == "alias"
    with pytest.raises(KeystoreError) as caught:
        load_keystore_bytes(b"hello, world", "in-memory", names=NAMES)
    assert (str(caught.value), caught.value.option) == ("The file is not a JKS, JCEKS, PKCS12 or PEM keystore.", "path")


def test_bytes_already_read_are_behind_the_safety_net(monkeypatch):
    store = kf.committed_jdk25_keystore()
    native_panics.inject("jks-store-load", kf.DEFAULT_STORE_PASSWORD, monkeypatch.setattr)
    with pytest.raises(KeystoreError) as caught:
        load_keystore_bytes(store.read_bytes(), "in-memory", store.store_password, names=NAMES)
    assert str(caught.value) == "path 'in-memory' could not be read as a JKS keystore."
    assert native_panics.PANIC_MARKER not in str(caught.value) and caught.value.__suppress_context__


# --------------------------------------------------------------------------- the safety net


def test_an_unexpected_library_error_becomes_a_generic_keystore_error(tmp_path, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("library text quoting input bytes: Key-pass 2")

    monkeypatch.setattr(_keystore_pem, "load_pem", explode)
    error = fails_with("keystore_path", "could not be read as a PEM keystore",
                       path=write(tmp_path, "k.pem", b"-----BEGIN PRIVATE KEY-----\n"))  # fmt: skip
    assert "Key-pass" not in str(error)
    assert error.__cause__ is None
    assert error.__suppress_context__


@pytest.mark.parametrize(("call", "kind", "says"), [
    ("pkcs12-load", "p12", "could not be read as a PKCS12 keystore"),
    ("pem-key-load", "pem", "could not be read as a PEM keystore"),
    ("pem-certificate-parse", "pem", "could not be read as a PEM keystore"),
    ("der-key-load", "jks", "could not be read as a JKS keystore"),
    ("der-certificate-parse", "jks", "could not be read as a JKS keystore"),
    ("jks-store-load", "jks", "could not be read as a JKS keystore"),
    ("jks-key-decrypt", "jks", "could not be read as a JKS keystore"),
])  # fmt: skip
def test_every_reader_turns_a_panic_into_a_keystore_error(stores, monkeypatch, call, kind, says):
    store = {"p12": lambda: stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True),
             "pem": lambda: stores("pem-cert-first", kf.pem_files, with_chain=True, cert_first=True),
             "jks": kf.committed_jdk25_keystore}[kind]()  # fmt: skip
    native_panics.inject(call, kf.DEFAULT_STORE_PASSWORD, monkeypatch.setattr)
    error = fails(store, "keystore_path", says)
    assert native_panics.PANIC_MARKER not in str(error) and error.__suppress_context__


@pytest.mark.parametrize("reader", ["pkcs12", "pem", "jks"])
def test_each_reader_has_its_own_net_for_direct_callers(stores, monkeypatch, reader):
    """The keystore module's writer reads its output back with the readers directly, not via load_key_material."""
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.jks import load_jks
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.pem import load_pem
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.pkcs12 import load_pkcs12

    if reader == "pkcs12":
        store = stores(("ossl-p12", False), kf.openssl_pkcs12, legacy=False, with_chain=True)
        call = "pkcs12-load"

        def read():
            return load_pkcs12(store.read_bytes(), "in-memory", store.store_password)
    elif reader == "pem":
        store = stores("pem-cert-first", kf.pem_files, with_chain=True, cert_first=True)
        call = "pem-key-load"

        def read():
            return load_pem(store.read_bytes(), "in-memory")
    else:
        store = kf.committed_jdk25_keystore()
        call = "jks-store-load"

        def read():
            return load_jks(store.read_bytes(), "in-memory", "jks", store.store_password, store.key_password)
    native_panics.inject(call, kf.DEFAULT_STORE_PASSWORD, monkeypatch.setattr)
    with pytest.raises(KeystoreError) as caught:
        read()
    assert caught.value.option == "keystore_path" and "'in-memory' could not be read as a" in str(caught.value)
    assert native_panics.PANIC_MARKER not in str(caught.value) and caught.value.__suppress_context__


def test_a_panic_on_the_certificate_file_names_certificate_path(stores, monkeypatch):
    store = stores("pem-split", kf.pem_files, layout="split", with_chain=True)
    native_panics.inject("pem-certificate-parse", kf.DEFAULT_STORE_PASSWORD, monkeypatch.setattr)
    fails(store, "certificate_path", "certificate_path", "could not be read as a certificate")


# --------------------------------------------------------------------------- lazy imports


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


# --------------------------------------------------------------------------- the in-process memo


def counting_reads(monkeypatch) -> list:
    """Every parse of a keystore's bytes by a reader."""
    parses = []
    real = _keystore._read

    def counting(*args, **kwargs):
        parses.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(_keystore, "_read", counting)
    return parses


def test_a_keystore_loaded_again_in_one_process_is_parsed_once(pem_file, monkeypatch):
    parses = counting_reads(monkeypatch)
    first = load_key_material(pem_file)
    for _unused in range(9):
        assert load_key_material(pem_file) is first
    assert parses == ["pem"]


def test_the_memo_misses_when_the_file_or_how_it_is_opened_changes(tmp_path, monkeypatch):
    from cert_builder import cert_pem, key_pem, rsa_key, self_signed, write_private

    keys = [rsa_key() for _unused in range(2)]
    path = tmp_path / "app.pem"
    write_private(path, key_pem(keys[0]), cert_pem(self_signed(keys[0])))
    parses = counting_reads(monkeypatch)
    first = load_key_material(str(path))
    replacement = tmp_path / "new.pem"
    write_private(replacement, key_pem(keys[1]), cert_pem(self_signed(keys[1])))
    os.replace(replacement, path)  # same path, new file
    second = load_key_material(str(path))
    assert second is not first and second.certificate != first.certificate
    load_key_material(str(path), keystore_type="pem")  # opened another way: parsed again
    assert len(parses) == 3


def test_a_failed_load_is_not_remembered(tmp_path, monkeypatch):
    path = tmp_path / "missing.pem"
    with pytest.raises(KeystoreError):
        load_key_material(str(path))
    assert _keystore._LOADED == {}


def test_the_memo_holds_no_password(pem_file):
    load_key_material(pem_file, keystore_password="Memo-Secret-Password-1")
    assert "Memo-Secret-Password-1" not in repr(_keystore._LOADED.keys())
