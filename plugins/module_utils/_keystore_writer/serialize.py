# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Serialize a key, its certificate and chain into PKCS12 or JKS bytes.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

PKCS12 files use modern encryption (PBES2: AES-256-CBC keyed by PBKDF2 with
HMAC-SHA256, and an HMAC-SHA256 MAC), which OpenSSL 3 and keytool (JDK 11.0.12
and later) open. The key entry's friendly name is the alias.

JKS files are written with pyjks: one PrivateKeyEntry whose PKCS#8 key is
protected with ``key_password`` by Sun's key protector, with the certificate
chain, and a store digest keyed by ``password``. JKS aliases are lower case:
the JDK looks entries up by the lower-cased alias.

Every result is read back with the collection's own readers before it is
returned, so a file that could not be opened again is never written.

Only keys that Microsoft Entra ID accepts are written (see
``_keystore_reader/key_material.check_key_policy``). Every call into a library is guarded:
whatever it raises, a Rust panic of cryptography included, becomes a
KeystoreError naming the option, never a traceback that could show a password.
"""

from __future__ import annotations

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import (
    KeyMaterial,
    certificate_to_der,
    check_key_policy,
    same_key,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_keystore_bytes
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.options import WRITABLE_TYPES
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.dependencies import MissingDependencyError, require
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    MUST_PROPAGATE,
    AzureAdOAuthError,
    KeystoreError,
    OptionError,
)

# PBKDF2 rounds for the PKCS12 key and certificate bags and its MAC (keytool uses 10000).
PKCS12_KDF_ROUNDS = 100000


def stored_alias(keystore_type: str, alias: str) -> str:
    """The alias as it ends up in the file: JKS lower-cases it, PKCS12 keeps it."""
    return alias.lower() if keystore_type == "jks" else alias


def serialize_keystore(
    keystore_type: str,
    material: KeyMaterial,
    alias: str,
    password: str,
    key_password: str | None = None,
) -> bytes:
    """The bytes of a ``keystore_type`` file holding ``material`` under ``alias``.

    ``key_password`` (JKS only) defaults to ``password``. The bytes are
    checked to open again, with the same passwords, before they are returned.
    """
    _check(keystore_type, material, alias, password, key_password)
    if keystore_type == "pkcs12":
        data = _guarded(lambda: serialize_pkcs12(material, alias, password), "PKCS12", "password")
    else:
        store_key_password = key_password if key_password is not None else password
        data = _guarded(lambda: serialize_jks(material, alias, password, store_key_password), "JKS",
                        "key_password" if key_password is not None else "password")
    verify_keystore_bytes(data, keystore_type, material, alias, password, key_password)
    return data


def _guarded(build, label: str, option: str) -> bytes:
    """``build()``, with anything a library raises (a panic too) turned into a KeystoreError naming ``option``.

    The failing library saw the passwords and the key, so its text is never shown.
    """
    try:
        return build()
    except AzureAdOAuthError:
        raise
    except MUST_PROPAGATE:
        raise
    except BaseException:
        raise KeystoreError(
            f"The {label} keystore could not be built in memory (the library failed while encrypting it with "
            f"{option}); nothing was written.",
            option=option,
        ) from None


def _check(keystore_type: str, material: KeyMaterial, alias: str, password: str, key_password: str | None) -> None:
    # AnsibleModule checked the module's own type; this guards a direct caller, as this is the last step
    # before bytes are written: any other type would take the JKS branch and write a JKS file.
    if keystore_type not in WRITABLE_TYPES:
        raise OptionError(
            "type must be one of {}, not {!r}.".format(", ".join(WRITABLE_TYPES), keystore_type), option="type"
        )
    if not isinstance(alias, str) or not alias.strip():
        raise OptionError("alias must be a non-empty string.", option="alias")
    if not isinstance(password, str) or not password:
        raise OptionError("password must be a non-empty string: keytool cannot open a store without one.",
                          option="password")
    if key_password is not None and (not isinstance(key_password, str) or not key_password):
        raise OptionError("key_password must be a non-empty string when it is set.", option="key_password")
    if material.certificate is None:
        raise KeystoreError("A keystore entry needs a certificate; none was given.", option="certificate")
    if not same_key(material.certificate, material.private_key):
        raise KeystoreError("The certificate does not match the private key.", option="certificate")
    # Supplied keys were checked when read, naming their option; this catches a key kept from the old file.
    check_key_policy(material.private_key, "path", "path")


def serialize_pkcs12(material: KeyMaterial, alias: str, password: str) -> bytes:
    """A PKCS12 file with AES-256-CBC/PBKDF2-HMAC-SHA256 bags and an HMAC-SHA256 MAC."""
    require("cryptography", "to write a PKCS12 keystore")
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import PrivateFormat, pkcs12

    encryption = (
        PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(PKCS12_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode("utf-8"))
    )
    return pkcs12.serialize_key_and_certificates(
        alias.encode("utf-8"),
        material.private_key,
        material.certificate,
        list(material.chain) or None,
        encryption,
    )


def serialize_jks(material: KeyMaterial, alias: str, password: str, key_password: str) -> bytes:
    """A JKS file with one private key entry, its key protected by ``key_password``."""
    jks = require("jks", "to write a JKS keystore")
    require("cryptography", "to write a JKS keystore")
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    for value, option in ((password, "password"), (key_password, "key_password")):
        try:
            value.encode("utf-16-be")
        except UnicodeError:
            raise OptionError(f"{option} holds characters that a Java keystore password cannot hold.",
                              option=option) from None
    pkcs8 = material.private_key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    certificates = [certificate_to_der(material.certificate)] + [certificate_to_der(cert) for cert in material.chain]
    entry = jks.PrivateKeyEntry.new(stored_alias("jks", alias), certificates, pkcs8, "pkcs8")
    entry.encrypt(key_password)
    store = jks.KeyStore.new("jks", [entry])
    return bytes(store.saves(password))


def verify_keystore_bytes(
    data: bytes,
    keystore_type: str,
    material: KeyMaterial,
    alias: str,
    password: str,
    key_password: str | None = None,
) -> None:
    """Read ``data`` back and check that it holds ``material`` under ``alias``, as ``keystore_type``; raise
    KeystoreError if not."""
    try:
        loaded = load_keystore_bytes(data, "(in memory)", password, key_password, stored_alias(keystore_type, alias))
    except (MissingDependencyError, *MUST_PROPAGATE):
        raise
    except BaseException:  # the reader's error, whatever it says, or a panic: not what we wrote
        loaded = None
    same = loaded is not None and loaded.source_type == keystore_type and loaded.chain_der == material.chain_der
    if not same or not same_key(loaded.private_key, material.private_key):
        raise KeystoreError(f"The {keystore_type} keystore written in memory did not read back the same; "
                            "nothing was written.", option="path")
