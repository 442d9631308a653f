# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PEM key files, with their certificates in the same file or apart.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

A PEM file may hold one private key (PKCS#8, traditional RSA/EC, encrypted or
not) and any number of certificates, in any order, with text around them
(``openssl pkcs12 -nodes`` writes "Bag Attributes" lines). The certificate
may also come from ``certificate_path``, in PEM or DER.
"""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import (
    TOKEN_OPTION_NAMES,
    KeyMaterial,
    OptionNames,
    split_leaf,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    MUST_PROPAGATE,
    AzureAdOAuthError,
    KeystoreError,
)

_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n.*?-----END \1-----", re.DOTALL)
_CERTIFICATE_LABELS = (b"CERTIFICATE", b"X509 CERTIFICATE")


def pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """Every PEM block of ``data`` as (label, block bytes), in file order."""
    return [(match.group(1).decode("ascii"), match.group(0)) for match in _BLOCK.finditer(data)]


def load_pem(
    data: bytes,
    path: str,
    keystore_password: str | None = None,
    key_password: str | None = None,
    alias: str | None = None,
    names: OptionNames = TOKEN_OPTION_NAMES,
) -> KeyMaterial:
    """Read the one private key of a PEM file and the certificates beside it.

    The key password is ``key_password``, or else ``keystore_password``. PEM
    has no aliases, so ``alias`` is not used. A key without any certificate
    gives ``certificate=None``. Messages name the options as ``names`` calls
    them. Raises KeystoreError, whatever the library does.
    """
    try:
        return _load(data, path, key_password if key_password is not None else keystore_password, names)
    except (AzureAdOAuthError, *MUST_PROPAGATE):
        raise
    except BaseException:  # the safety net, native panics included: never the library's text
        raise KeystoreError(
            f"{names.path} '{path}' could not be read as a PEM keystore.", option=names.path
        ) from None


def _load(data: bytes, path: str, password: str | None, names: OptionNames) -> KeyMaterial:
    blocks = pem_blocks(data)
    keys = [(label, block) for label, block in blocks if label.endswith("PRIVATE KEY")]
    cert_blocks = [block for label, block in blocks if label.encode("ascii") in _CERTIFICATE_LABELS]
    if not keys:
        what = "only certificates" if cert_blocks else "no PEM private key or certificate"
        raise KeystoreError(f"The PEM file '{path}' holds no private key ({what}).", option=names.path)
    if len(keys) > 1:
        raise KeystoreError(
            f"The PEM file '{path}' holds {len(keys)} private keys; keep one key per file.",
            option=names.path,
        )
    private_key = load_private_key(keys[0][0], keys[0][1], path, password, names)
    certificates = [parse_pem_certificate(block, path, names.path) for block in cert_blocks]
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
    label: str, block: bytes, path: str, password: str | None, names: OptionNames = TOKEN_OPTION_NAMES
) -> Any:
    """Parse one PEM private key block, decrypting it with ``password`` when it is encrypted."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    if label == "OPENSSH PRIVATE KEY":
        raise KeystoreError(
            f"The private key in '{path}' is in OpenSSH format, not PEM.",
            option=names.path,
            hint="Convert it with: ssh-keygen -p -m PKCS8 -f <file>",
        )
    encrypted = _is_encrypted(label, block)
    if encrypted and password is None:
        raise KeystoreError(
            f"The private key in '{path}' is encrypted: set {names.key_password}.", option=names.key_password
        )
    secret = password.encode("utf-8", "surrogatepass") if encrypted and password is not None else None
    try:
        return load_pem_private_key(block, secret)
    except UnsupportedAlgorithm:
        raise KeystoreError(
            f"The private key in '{path}' uses a key type or encryption this host cannot read.",
            option=names.path,
        ) from None
    except TypeError:  # encryption we did not spot from the headers
        message = f"The private key in '{path}' is encrypted: set {names.key_password}."
        raise KeystoreError(message, option=names.key_password) from None
    except ValueError:
        if encrypted:
            raise KeystoreError(
                f"The private key in '{path}' could not be decrypted: wrong {names.key_password}.",
                option=names.key_password,
            ) from None
        raise KeystoreError(f"The private key in '{path}' could not be parsed.", option=names.path) from None


def parse_pem_certificate(block: bytes, path: str, option: str) -> Any:
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificate(block)
    except ValueError:
        raise KeystoreError(f"A certificate in '{path}' could not be parsed.", option=option) from None


def load_certificates(data: bytes, path: str, option: str = "certificate_path") -> list[Any]:
    """Certificates of a PEM file (every CERTIFICATE block) or of a DER file (one certificate)."""
    from cryptography import x509

    if b"-----BEGIN" in data:
        blocks = [block for label, block in pem_blocks(data) if label.encode("ascii") in _CERTIFICATE_LABELS]
        if not blocks:
            raise KeystoreError(f"{option} '{path}' holds no PEM certificate.", option=option)
        return [parse_pem_certificate(block, path, option) for block in blocks]
    try:
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise KeystoreError(f"{option} '{path}' is neither a PEM nor a DER certificate.", option=option) from None
