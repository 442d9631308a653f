# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load a private key and its certificate from a JKS, JCEKS, PKCS12 or PEM file: the dispatcher.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

``load_key_material`` reads a file (the token module's keystore);
``load_keystore_bytes`` reads bytes the caller has read itself (the keystore
module's existing file, and what it is about to write). The format comes from
the bytes, never the name. Each reader raises KeystoreError naming the option
at fault, as the caller's OptionNames call it; anything else a library raises is
turned into a generic KeystoreError here, without its text, because library
messages can quote the bytes they choked on. "Anything" includes a panic of
cryptography's Rust layer, a BaseException that is not an Exception: only
MUST_PROPAGATE passes through.

Files are opened without blocking and checked on the open descriptor, so a
path that is (or is swapped to) a FIFO or a device never hangs the task.

Within one process, ``load_key_material`` remembers what it loaded, keyed by
the file's identity (real path, device, inode, size, modification time) and a
hash of how it was opened (type, passwords, alias, certificate file): a
template that calls the lookup ten times opens and decrypts the keystore once.
A replaced or rewritten file has another identity, so it is read again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import (
    TOKEN_OPTION_NAMES,
    KeyMaterial,
    OptionNames,
    read_guarded,
    split_leaf,
    unreadable,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared import small_file
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.dependencies import require
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    MUST_PROPAGATE,
    AzureAdOAuthError,
    KeystoreError,
)

KEYSTORE_TYPES = ("auto", "jks", "jceks", "pkcs12", "pem")
MAX_FILE_SIZE = 1024 * 1024

_TYPE_ALIASES = {"p12": "pkcs12", "pfx": "pkcs12"}
_LABELS = {"jks": "JKS", "jceks": "JCEKS", "pkcs12": "PKCS12", "pem": "PEM"}
_JKS_MAGIC = b"\xfe\xed\xfe\xed"
_JCEKS_MAGIC = b"\xce\xce\xce\xce"
_PKCS12_VERSION = b"\x02\x01\x03"  # INTEGER 3, the first element of a PFX
# The in-process memo of load_key_material: a few keystores at most per process (one per credential).
_LOADED: dict = {}
_MEMO_SIZE = 8


def load_key_material(
    path: str,
    keystore_type: str = "auto",
    keystore_password: str | None = None,
    key_password: str | None = None,
    alias: str | None = None,
    certificate_path: str | None = None,
    names: OptionNames = TOKEN_OPTION_NAMES,
) -> KeyMaterial:
    """Read the private key, its certificate and chain from ``path``.

    ``keystore_type`` is ``auto`` (detect from the bytes) or the expected
    type, which must then agree with the bytes. An empty ``alias`` or
    ``certificate_path`` counts as unset. A certificate in ``certificate_path``
    (PEM or DER) replaces any certificate found in the keystore; it must match
    the key. Messages name the options as ``names`` calls them (the token
    module's names by default). Raises KeystoreError (AliasError when the alias
    picks no private key entry), or MissingDependencyError when a library the
    format needs (cryptography, pyjks) is not installed; nothing else.
    """
    kind = _check_arguments(path, keystore_type, keystore_password, key_password, alias, certificate_path, names)
    memo_key = _memo_key(path, kind, keystore_password, key_password, alias, certificate_path, names)
    if memo_key is not None and memo_key in _LOADED:
        return _LOADED[memo_key]
    material = _load_file(path, kind, keystore_password, key_password, alias, certificate_path, names)
    if memo_key is not None:
        if len(_LOADED) >= _MEMO_SIZE:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[memo_key] = material
    return material


def forget_loaded_keystores() -> None:
    """Empty the in-process memo (for tests and the benchmark, which must load again)."""
    _LOADED.clear()


def _memo_key(path: str, kind: str, keystore_password: str | None, key_password: str | None, alias: str | None,
              certificate_path: str | None, names: OptionNames) -> tuple | None:  # fmt: skip
    """The identity of the files and of how they are opened; None (no memo) when a file cannot be looked at.

    The passwords enter only through a hash, so the memo's keys hold none of them.
    """
    identities = []
    for name in (path, certificate_path):
        if not name:
            identities.append(None)
            continue
        try:
            info = os.stat(name)
        except (OSError, ValueError):
            return None  # the loader itself reports the file with a proper message
        identities.append((os.path.realpath(name), info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns))
    opened = repr((kind, keystore_password, key_password, alias, names)).encode("utf-8", "surrogatepass")
    return (*identities, hashlib.sha256(opened).hexdigest())


def _load_file(path: str, kind: str, keystore_password: str | None, key_password: str | None, alias: str | None,
               certificate_path: str | None, names: OptionNames) -> KeyMaterial:  # fmt: skip
    described = "a keystore"
    try:
        data = read_file(path, names.path)
        detected = _resolve_type(data, kind, path, names)
        described = f"a {_LABELS[detected]} keystore"
        material = _read(detected, data, path, keystore_password, key_password, alias or None, names)
        if certificate_path:
            material = attach_certificate(material, certificate_path, names)
        return material
    except (AzureAdOAuthError, *MUST_PROPAGATE):  # KeystoreError, or MissingDependencyError for a missing library
        raise
    except BaseException:  # the safety net, native panics included: never leak a library's exception or its text
        raise unreadable(path, described, names) from None


def load_keystore_bytes(
    data: bytes,
    path: str,
    keystore_password: str | None = None,
    key_password: str | None = None,
    alias: str | None = None,
    names: OptionNames = TOKEN_OPTION_NAMES,
) -> KeyMaterial:
    """The material of keystore bytes already read, whose type comes from the bytes alone.

    For the keystore module, which reads its existing file (and reads back what it wrote) itself. ``path``
    only names the bytes in messages. Raises as ``load_key_material`` does.
    """
    kind = detect_keystore_type(data, names)
    return read_guarded(lambda: _read(kind, data, path, keystore_password, key_password, alias, names), path,
                        f"a {_LABELS[kind]} keystore", names)


def detect_keystore_type(data: bytes, names: OptionNames = TOKEN_OPTION_NAMES) -> str:
    """``jks``, ``jceks``, ``pkcs12`` or ``pem``, from the bytes alone. Raises KeystoreError otherwise."""
    detected = _sniff(data)
    if detected is None:
        raise KeystoreError("The file is not a JKS, JCEKS, PKCS12 or PEM keystore.", option=names.path)
    return detected


def _sniff(data: bytes) -> str | None:
    if data[:4] == _JKS_MAGIC:
        return "jks"
    if data[:4] == _JCEKS_MAGIC:
        return "jceks"
    if _looks_like_pfx(data):
        return "pkcs12"
    if b"-----BEGIN" in data:
        return "pem"
    return None


def _looks_like_pfx(data: bytes) -> bool:
    """A DER (or BER, indefinite length) SEQUENCE whose first element is INTEGER 3."""
    if len(data) < 5 or data[0] != 0x30:
        return False
    first = data[1]
    if first <= 0x80:  # short form, or BER indefinite length
        start = 2
    else:
        count = first & 0x7F
        if count > 4:
            return False
        start = 2 + count
    return data[start:start + 3] == _PKCS12_VERSION


def _check_arguments(
    path: object,
    keystore_type: object,
    keystore_password: object,
    key_password: object,
    alias: object,
    certificate_path: object,
    names: OptionNames,
) -> str:
    if not isinstance(path, str) or not path:
        raise KeystoreError(f"{names.path} must be a non-empty path.", option=names.path)
    for value, option in (
        (keystore_password, names.store_password),
        (key_password, names.key_password),
        (alias, names.alias),
        (certificate_path, names.certificate_path),
    ):
        if value is not None and not isinstance(value, str):
            raise KeystoreError(f"{option} must be a string.", option=option)
    kind = keystore_type.strip().lower() if isinstance(keystore_type, str) else ""
    kind = _TYPE_ALIASES.get(kind, kind)
    if kind not in KEYSTORE_TYPES:
        raise KeystoreError(
            "{} must be one of {}, not {!r}.".format(names.store_type, ", ".join(KEYSTORE_TYPES), keystore_type),
            option=names.store_type,
        )
    return kind


def _resolve_type(data: bytes, kind: str, path: str, names: OptionNames) -> str:
    detected = _sniff(data)
    if detected is None:
        prefix = "" if kind == "auto" else f"{names.store_type} is {kind} but "
        raise KeystoreError(
            f"{prefix}{names.path} '{path}' is not a JKS, JCEKS, PKCS12 or PEM keystore.", option=names.path
        )
    if kind not in ("auto", detected):
        raise KeystoreError(
            f"{names.store_type} is {kind} but the file '{path}' is a {_LABELS[detected]} keystore.",
            option=names.store_type,
        )
    return detected


def _read(
    kind: str,
    data: bytes,
    path: str,
    keystore_password: str | None,
    key_password: str | None,
    alias: str | None,
    names: OptionNames,
) -> KeyMaterial:
    require("cryptography", "to read keystores and key files")
    if kind in ("jks", "jceks"):
        from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.jks import load_jks

        return load_jks(data, path, kind, keystore_password, key_password, alias, names)
    if kind == "pkcs12":
        from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.pkcs12 import load_pkcs12

        return load_pkcs12(data, path, keystore_password, alias, names)
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.pem import load_pem

    return load_pem(data, path, keystore_password, key_password, names)  # PEM has no aliases


def attach_certificate(
    material: KeyMaterial, certificate_path: str, names: OptionNames = TOKEN_OPTION_NAMES
) -> KeyMaterial:
    """Take the leaf (and chain) from ``certificate_path`` instead of the keystore."""
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.pem import Source, load_certificates

    option = names.certificate_path
    data = read_file(certificate_path, option)
    try:
        certificates = load_certificates(data, Source(f"{option} '{certificate_path}'", option))
        certificate, chain = split_leaf(material.private_key, certificates)
    except (AzureAdOAuthError, *MUST_PROPAGATE):
        raise
    except BaseException:  # a library failing on the certificate file: blame that file, not the keystore
        raise KeystoreError(
            f"{option} '{certificate_path}' could not be read as a certificate.", option=option
        ) from None
    if certificate is None:
        raise KeystoreError(
            f"The certificate in {option} '{certificate_path}' does not match the private key.", option=option
        )
    return dataclasses.replace(material, certificate=certificate, chain=chain)


def read_file(path: str, option: str) -> bytes:
    """The bytes of a small regular file, or a KeystoreError naming ``option`` that says what is wrong.

    Read by the collection's one non-blocking reader (``_shared/small_file.py``): a FIFO, socket or device,
    even one swapped in after a check, fails at once.
    """
    try:
        data = small_file.read_small_regular_file(path, MAX_FILE_SIZE)
    except small_file.SmallFileProblem as problem:
        raise _file_problem(path, option, problem) from None
    if not data:
        raise KeystoreError(f"{option} '{path}' is empty.", option=option)
    return data


def _file_problem(path: str, option: str, problem: small_file.SmallFileProblem) -> KeystoreError:
    kind = problem.kind
    if kind == small_file.MISSING:
        return KeystoreError(f"{option} '{path}' does not exist.", option=option)
    if kind == small_file.PERMISSION:
        return KeystoreError(f"{option} '{path}' is not readable by this user (permission denied).", option=option)
    if kind == small_file.PARENT_CLOSED:
        return KeystoreError(f"{option} '{path}' cannot be reached: permission denied on a parent directory.",
                             option=option)  # fmt: skip
    if kind == small_file.DIRECTORY:
        return KeystoreError(f"{option} '{path}' is a directory, not a file.", option=option)
    if kind == small_file.NOT_REGULAR:
        return KeystoreError(f"{option} '{path}' is not a regular file.", option=option)
    if kind == small_file.TOO_LARGE:
        return KeystoreError(f"{option} '{path}' is larger than {MAX_FILE_SIZE // 1024} KiB: that is no keystore or "
                             "key file.", option=option)  # fmt: skip
    return KeystoreError(f"{option} '{path}' cannot be read ({problem.errno_name}).", option=option)
