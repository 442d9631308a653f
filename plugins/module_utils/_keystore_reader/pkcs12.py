# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PKCS12 (.p12/.pfx) keystores, read with cryptography.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

cryptography opens the AES-256/PBKDF2 files that OpenSSL 3 and keytool write,
and ``openssl pkcs12 -legacy`` RC2/3DES files while its OpenSSL legacy provider
is loaded (the default for its wheels). It returns only the first private key
of a file, so an alias naming another entry is refused rather than silently
signing with the wrong key.

cryptography's Rust layer panics (pyo3's PanicException, a BaseException) on a
NUL byte in the password, and prints the password's bytes to stderr as it does:
such a password is refused before it reaches the library. Any other failure of
the library becomes a KeystoreError without its text.
"""

from __future__ import annotations

import warnings
from typing import Any

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import (
    TOKEN_OPTION_NAMES,
    KeyMaterial,
    OptionNames,
    read_guarded,
    split_leaf,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import AliasError, KeystoreError


def load_pkcs12(
    data: bytes,
    path: str,
    keystore_password: str | None = None,
    alias: str | None = None,
    names: OptionNames = TOKEN_OPTION_NAMES,
) -> KeyMaterial:
    """Read the (first) private key of a PKCS12 file and its certificates.

    PKCS12 keys share the store password: there is no key password. Messages name the options as ``names``
    calls them. Raises KeystoreError (AliasError when ``alias`` does not name the key's entry) or
    MissingDependencyError, whatever the library does.
    """
    return read_guarded(lambda: _load(data, path, keystore_password, alias, names), path, "a PKCS12 keystore",
                        names)


def _load(
    data: bytes, path: str, keystore_password: str | None, alias: str | None, names: OptionNames
) -> KeyMaterial:
    bundle = _open(data, path, keystore_password, names)
    if bundle.key is None:
        raise KeystoreError(
            f"The PKCS12 keystore '{path}' holds no private key (a trust store or a certificate-only export?).",
            option=names.path,
        )
    entry_name = _friendly_name(bundle.cert)
    if alias is not None:
        check_alias(alias, entry_name, path, names)
    bags = ([bundle.cert] if bundle.cert is not None else []) + list(bundle.additional_certs)
    certificates = [bag.certificate for bag in bags]
    certificate, chain = split_leaf(bundle.key, certificates)
    if certificate is None and certificates and bundle.cert is not None:
        raise KeystoreError(
            f"The certificate of the private key in the PKCS12 keystore '{path}' does not match the key.",
            option=names.path,
        )
    return KeyMaterial(bundle.key, certificate, chain, entry_name, "pkcs12")


def _open(data: bytes, path: str, keystore_password: str | None, names: OptionNames) -> Any:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.serialization import pkcs12

    password = None if keystore_password is None else keystore_password.encode("utf-8", "surrogatepass")
    if password is not None and b"\x00" in password:
        raise KeystoreError(
            f"{names.store_password} holds a NUL byte (\\x00), which a PKCS12 password cannot hold.",
            option=names.store_password,
        )
    try:
        with warnings.catch_warnings():
            # BER-encoded files (some Windows and NSS exports) load with a UserWarning that would
            # reach the task's output; the file is fine, so keep quiet.
            warnings.simplefilter("ignore", UserWarning)
            return pkcs12.load_pkcs12(data, password)
    except UnsupportedAlgorithm:
        raise KeystoreError(
            f"The PKCS12 keystore '{path}' uses an algorithm that this host's cryptography library cannot read.",
            option=names.path,
            hint="Re-export it with modern encryption: openssl pkcs12 -export (OpenSSL 3 defaults to AES-256).",
        ) from None
    except (ValueError, TypeError):
        if keystore_password is None:
            message = (
                f"The PKCS12 keystore '{path}' could not be opened without a password: "
                f"set {names.store_password}, or the file is corrupt."
            )
        else:
            message = (
                f"The PKCS12 keystore '{path}' could not be opened: wrong {names.store_password}, "
                "or the file is corrupt."
            )
        raise KeystoreError(message, option=names.store_password, hint=_legacy_hint()) from None


def _legacy_hint() -> str | None:
    """Explain RC2 failures when cryptography runs without OpenSSL's legacy provider."""
    try:
        from cryptography.hazmat.bindings._rust import openssl as rust_openssl

        loaded = getattr(rust_openssl, "_legacy_provider_loaded", True)
    except Exception:  # private API: if it moved, say nothing
        return None
    if loaded:
        return None
    return (
        "This host's cryptography library runs without OpenSSL's legacy provider, so it cannot read "
        "PKCS12 files encrypted with RC2 (openssl pkcs12 -legacy, older Windows exports); "
        "re-export the file with modern encryption."
    )


def _friendly_name(bag: Any) -> str | None:
    if bag is None or not bag.friendly_name:
        return None
    return bag.friendly_name.decode("utf-8", "replace")


def check_alias(alias: str, entry_name: str | None, path: str, names: OptionNames = TOKEN_OPTION_NAMES) -> None:
    """Refuse an alias that does not name the first private key entry, the only one we can read (AliasError)."""
    if entry_name is None:
        raise AliasError(
            f"{names.alias} '{alias}' cannot be matched: the private key entry of the PKCS12 keystore '{path}' "
            f"has no friendly name (alias). Leave {names.alias} unset to use that key.",
            option=names.alias,
        )
    if entry_name.lower() != alias.lower():
        raise AliasError(
            f"{names.alias} '{alias}' is not the first private key entry ('{entry_name}'); only the first can be "
            "read from a PKCS12 file: export that entry into its own file.",
            option=names.alias,
            hint=f"keytool -importkeystore -srckeystore '{path}' -srcalias '{alias}' -destkeystore single.p12",
        )
