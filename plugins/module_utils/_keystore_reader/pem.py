# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PEM (and DER) private keys and certificates: the one loader of both, for a PEM keystore and for the
material handed to the keystore module.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

A PEM keystore may hold one private key (PKCS#8, traditional RSA/EC, encrypted
or not) and any number of certificates, in any order, with text around them
(``openssl pkcs12 -nodes`` writes "Bag Attributes" lines). The certificate may
also come from ``certificate_path``, in PEM or DER. The keystore module's
``private_key``, ``certificate`` and ``chain`` (and their ``*_path`` forms) are
read by the same functions; a ``Source`` says how each caller names what it
read. They raise KeystoreError; the keystore module reports its own options'
problems as OptionError (see _keystore_writer/supplied_material.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import (
    TOKEN_OPTION_NAMES,
    KeyMaterial,
    OptionNames,
    read_guarded,
    split_leaf,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import KeystoreError

_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n.*?-----END \1-----", re.DOTALL)
_CERTIFICATE_LABELS = ("CERTIFICATE", "X509 CERTIFICATE")
_OPENSSH_LABEL = "OPENSSH PRIVATE KEY"


@dataclass(frozen=True)
class Source:
    """What PEM or DER bytes are, as messages name them.

    ``where`` stands in a sentence: ``'/etc/app.pem'`` (a PEM keystore), ``certificate_path '/etc/app.crt'``,
    ``private_key``. ``option`` is the option an error about the bytes points at.
    """

    where: str
    option: str


def pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """Every PEM block of ``data`` as (label, block bytes), in file order."""
    return [(match.group(1).decode("ascii"), match.group(0)) for match in _BLOCK.finditer(data)]


def private_key_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """The (label, block) of every private key block of PEM ``data`` (OpenSSH keys included, to be refused)."""
    return [(label, block) for label, block in pem_blocks(data) if label.endswith("PRIVATE KEY")]


def certificate_blocks(data: bytes) -> list[bytes]:
    """Every certificate block of PEM ``data``, in file order."""
    return [block for label, block in pem_blocks(data) if label in _CERTIFICATE_LABELS]


def load_pem(
    data: bytes,
    path: str,
    keystore_password: str | None = None,
    key_password: str | None = None,
    names: OptionNames = TOKEN_OPTION_NAMES,
) -> KeyMaterial:
    """Read the one private key of a PEM keystore and the certificates beside it.

    The key password is ``key_password``, or else ``keystore_password``. PEM
    has no aliases. A key without any certificate gives ``certificate=None``.
    Messages name the options as ``names`` calls them. Raises KeystoreError,
    whatever the library does.
    """
    password = key_password if key_password is not None else keystore_password
    return read_guarded(lambda: _load(data, path, password, names), path, "a PEM keystore", names)


def _load(data: bytes, path: str, password: str | None, names: OptionNames) -> KeyMaterial:
    keys = private_key_blocks(data)
    cert_blocks = certificate_blocks(data)
    if not keys:
        what = "only certificates" if cert_blocks else "no PEM private key or certificate"
        raise KeystoreError(f"The PEM file '{path}' holds no private key ({what}).", option=names.path)
    if len(keys) > 1:
        raise KeystoreError(
            f"The PEM file '{path}' holds {len(keys)} private keys; keep one key per file.",
            option=names.path,
        )
    source = Source(f"'{path}'", names.path)
    private_key = load_private_key(keys[0][1], keys[0][0], source, password, names.key_password)
    certificates = [parse_pem_certificate(block, source) for block in cert_blocks]
    certificate, chain = split_leaf(private_key, certificates)
    if certificate is None and certificates:
        raise KeystoreError(
            f"None of the certificates in the PEM file '{path}' matches its private key.",
            option=names.path,
        )
    return KeyMaterial(private_key, certificate, chain, None, "pem")


def _is_encrypted(label: str, block: bytes) -> bool:
    return label == "ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in block


def load_private_key(
    blob: bytes, label: str | None, source: Source, password: str | None, password_option: str
) -> Any:
    """Parse one private key: a PEM block whose label is ``label``, or DER bytes (``label`` None).

    A PEM key is decrypted with ``password`` only when its headers say it is encrypted; DER says nothing of
    it, so DER bytes get ``password`` as given (and a DER key that then fails to load is taken to have been
    decrypted with the wrong one). Errors name ``source``, or ``password_option`` when the password is at
    fault. What this cannot explain (a panic of native code) is left to the caller's net.
    """
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.serialization import load_der_private_key, load_pem_private_key

    where = source.where
    if label == _OPENSSH_LABEL:
        raise KeystoreError(f"The private key in {where} is in OpenSSH format, not PEM.", option=source.option,
                            hint="Convert it with: ssh-keygen -p -m PKCS8 -f <file>")
    encrypted = label is not None and _is_encrypted(label, blob)
    if encrypted and password is None:
        raise _needs_password(where, password_option)
    secret = None
    if password is not None and (encrypted or label is None):
        secret = password.encode("utf-8", "surrogatepass")
    try:
        if label is None:
            return load_der_private_key(blob, secret)
        return load_pem_private_key(blob, secret)
    except UnsupportedAlgorithm:
        raise KeystoreError(f"The private key in {where} uses a key type or encryption this host cannot read.",
                            option=source.option) from None
    except TypeError:  # a password the key does not take, or encryption the headers did not show
        if secret is None:
            raise _needs_password(where, password_option) from None
        raise KeystoreError(f"The private key in {where} is not encrypted: unset {password_option}.",
                            option=password_option) from None
    except ValueError:
        if secret is not None:
            raise KeystoreError(f"The private key in {where} could not be decrypted: wrong {password_option}.",
                                option=password_option) from None
        raise KeystoreError(f"The private key in {where} could not be parsed.", option=source.option) from None


def _needs_password(where: str, password_option: str) -> KeystoreError:
    return KeystoreError(f"The private key in {where} is encrypted: set {password_option}.", option=password_option)


def parse_pem_certificate(block: bytes, source: Source) -> Any:
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificate(block)
    except ValueError:
        raise KeystoreError(f"A certificate in {source.where} could not be parsed.", option=source.option) from None


def load_certificates(data: bytes, source: Source) -> list[Any]:
    """Certificates of a PEM file (every CERTIFICATE block, in order) or of a DER file (one certificate)."""
    from cryptography import x509

    if b"-----BEGIN" in data:
        blocks = certificate_blocks(data)
        if not blocks:
            raise KeystoreError(f"{source.where} holds no PEM certificate.", option=source.option)
        return [parse_pem_certificate(block, source) for block in blocks]
    try:
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise KeystoreError(f"{source.where} is neither a PEM nor a DER certificate.", option=source.option) from None
