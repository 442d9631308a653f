# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Java JKS and JCEKS keystores, read with pyjks.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

pyjks 20.0.0 cannot decrypt keys written by keytool from JDK 21 on (pyjks
issue #79): those JDKs leave out the NULL parameters of the key protection
AlgorithmIdentifier, and pyjks's ASN.1 schema chokes on it. So we let pyjks
parse the store and check its integrity (``try_decrypt_keys=False``), read the
EncryptedPrivateKeyInfo with the tiny DER reader below, run pyjks's own key
protector primitive on the encrypted bytes, and parse the PKCS#8 result with
cryptography.

The store password is always required: pyjks skips the integrity check when
it is None, and a tampered store must never load.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import (
    TOKEN_OPTION_NAMES,
    KeyMaterial,
    OptionNames,
    read_guarded,
    same_key,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.dependencies import require
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import AliasError, KeystoreError

# Sun's proprietary JKS key protector, and PBEWithMD5AndTripleDES (JCEKS).
JKS_KEY_PROTECTOR_OID = "1.3.6.1.4.1.42.2.17.1.1"
JCE_KEY_PROTECTOR_OID = "1.3.6.1.4.1.42.2.19.1"
# The JDK refuses JCEKS iteration counts above this; so do we (a corrupt count could hang us).
MAX_JCE_ITERATIONS = 5000000

_SEQUENCE, _INTEGER, _OCTET_STRING, _OID = 0x30, 0x02, 0x04, 0x06


def load_jks(
    data: bytes,
    path: str,
    store_type: str = "jks",
    keystore_password: str | None = None,
    key_password: str | None = None,
    alias: str | None = None,
    names: OptionNames = TOKEN_OPTION_NAMES,
) -> KeyMaterial:
    """Read the private key entry of a JKS or JCEKS keystore held in ``data``.

    ``key_password`` defaults to ``keystore_password``, as with keytool. Messages name the options as
    ``names`` calls them. Raises KeystoreError (AliasError when ``alias`` picks no private key entry) or
    MissingDependencyError, whatever the libraries do.
    """
    return read_guarded(lambda: _load(data, path, store_type, keystore_password, key_password, alias, names),
                        path, f"a {store_type.upper()} keystore", names)


def _load(
    data: bytes,
    path: str,
    store_type: str,
    keystore_password: str | None,
    key_password: str | None,
    alias: str | None,
    names: OptionNames,
) -> KeyMaterial:
    label = store_type.upper()
    if keystore_password is None:
        raise KeystoreError(
            f"{names.store_password} is required to open the {label} keystore '{path}': "
            "without it the file's integrity cannot be checked.",
            option=names.store_password,
        )
    jks = _import_pyjks(label)
    store = _open_store(jks, data, path, label, keystore_password, names)
    name, entry = select_entry(store.entries, store.private_keys, path, label, alias, names)
    encrypted = getattr(entry, "_encrypted", None)
    if not isinstance(encrypted, bytes):
        raise KeystoreError(f"The private key entry '{name}' of '{path}' could not be read.", option=names.path)
    password = keystore_password if key_password is None else key_password
    private_key = decrypt_entry(encrypted, password, store_type, name, path, key_password is not None, names)
    certificate, chain = _entry_certificates(entry.cert_chain, private_key, name, path, names)
    return KeyMaterial(private_key, certificate, chain, name, store_type)


def _import_pyjks(label: str) -> Any:
    purpose = f"to read {label} keystores (or convert the keystore: keytool -importkeystore -deststoretype pkcs12)"
    jks = require("jks", purpose)
    require("jks.sun_crypto", purpose)
    require("jks.util", purpose)
    return jks


def _open_store(jks: Any, data: bytes, path: str, label: str, password: str, names: OptionNames) -> Any:
    try:
        password.encode("utf-16-be")
    except UnicodeError:
        raise KeystoreError(
            f"{names.store_password} holds characters that a Java keystore password cannot hold.",
            option=names.store_password,
        ) from None
    try:
        return jks.KeyStore.loads(data, password, try_decrypt_keys=False)
    except jks.util.KeystoreSignatureException:
        raise KeystoreError(
            f"The {label} keystore '{path}' could not be opened: wrong {names.store_password}, or the file is "
            "corrupt.",
            option=names.store_password,
        ) from None
    except jks.util.UnsupportedKeystoreVersionException:
        raise KeystoreError(
            f"The {label} keystore '{path}' uses a format version this reader does not know.",
            option=names.path,
        ) from None
    except Exception:  # malformed structure: pyjks's message may quote file bytes, so drop it
        raise KeystoreError(
            f"The {label} keystore '{path}' is corrupt or truncated.",
            option=names.path,
        ) from None


def select_entry(
    entries: dict[str, Any],
    private_keys: dict[str, Any],
    path: str,
    label: str,
    alias: str | None,
    names: OptionNames = TOKEN_OPTION_NAMES,
) -> tuple[str, Any]:
    """Pick the private key entry named ``alias`` (any case), or the only one there is.

    Raises AliasError when the alias picks none (or several, or none was given and there are several).
    """
    available = ", ".join(sorted(private_keys)) or "none"
    if alias is not None:
        wanted = alias.lower()
        named = [name for name in entries if name.lower() == wanted]
        keys = [name for name in named if name in private_keys]
        if len(keys) > 1:  # only a hand-made store can hold aliases that differ by case alone
            keys = [name for name in keys if name == alias]
        if len(keys) == 1:
            return keys[0], private_keys[keys[0]]
        if len(named) > 1 and not keys:
            raise AliasError(
                f"{names.alias} '{alias}' matches several entries of '{path}' that differ only by case; "
                "spell it exactly.",
                option=names.alias,
            )
        if named:
            raise AliasError(
                f"{names.alias} '{alias}' is a {_entry_kind(entries[named[0]])} entry of '{path}', "
                f"not a private key entry. Private key entries: {available}.",
                option=names.alias,
            )
        raise AliasError(
            f"{names.alias} '{alias}' is not an entry of the {label} keystore '{path}'. "
            f"Private key entries: {available}.",
            option=names.alias,
        )
    if not private_keys:
        raise KeystoreError(
            f"The {label} keystore '{path}' holds no private key entry ({_describe_others(entries)}).",
            option=names.path,
        )
    if len(private_keys) > 1:
        raise AliasError(
            f"The {label} keystore '{path}' holds several private key entries ({available}): "
            f"set {names.alias} to choose one.",
            option=names.alias,
        )
    name = next(iter(private_keys))
    return name, private_keys[name]


def _entry_kind(entry: Any) -> str:
    kind = type(entry).__name__
    if kind == "TrustedCertEntry":
        return "trusted certificate"
    if kind == "SecretKeyEntry":
        return "secret key"
    return "non-private-key"


def _describe_others(entries: dict[str, Any]) -> str:
    if not entries:
        return "it is empty"
    kinds = sorted({_entry_kind(entry) for entry in entries.values()})
    return "only {} entries: a trust store?".format(" and ".join(kinds))


def decrypt_entry(
    encrypted: bytes,
    password: str,
    store_type: str,
    alias: str,
    path: str,
    key_password_given: bool = True,
    names: OptionNames = TOKEN_OPTION_NAMES,
) -> Any:
    """Decrypt a key entry's EncryptedPrivateKeyInfo and return a cryptography private key."""
    from jks import sun_crypto
    from jks.util import BadHashCheckException

    wrong_password = _wrong_key_password(alias, path, key_password_given, names)
    try:
        oid, params, ciphertext = read_encrypted_private_key_info(encrypted)
    except ValueError:
        raise KeystoreError(f"The private key entry '{alias}' of '{path}' is corrupt.", option=names.path) from None
    if oid == JKS_KEY_PROTECTOR_OID:
        try:
            plaintext = sun_crypto.jks_pkey_decrypt(ciphertext, password)
        except BadHashCheckException:
            raise wrong_password from None
        # The protector's SHA-1 check passed: the password is right, so a parse failure
        # below means a key this host cannot read, not a wrong password.
        return _parse_pkcs8(plaintext, alias, path, None, names)
    if oid == JCE_KEY_PROTECTOR_OID and store_type == "jceks":
        if not password.isascii():
            raise KeystoreError(
                f"The private key entry '{alias}' of '{path}' could not be decrypted: "
                f"JCEKS key passwords are ASCII only, and {names.key_password} is not.",
                option=names.key_password,
            )
        salt, iterations = _read_pbe_parameter(params, alias, path, names)
        try:
            plaintext = sun_crypto.jce_pbe_decrypt(ciphertext, password, salt, iterations)
        except Exception:  # bad padding, degenerate 3DES key...: all mean a wrong password
            raise wrong_password from None
        # No integrity check here: about 1 wrong password in 256 leaves valid padding and
        # yields garbage, which pyjks reports as a PyAsn1Error. Garbage is a wrong password too.
        return _parse_pkcs8(plaintext, alias, path, wrong_password, names)
    raise KeystoreError(
        f"The private key entry '{alias}' of '{path}' is protected by an algorithm "
        f"this reader does not support (OID {oid}).",
        option=names.path,
    )


def _wrong_key_password(alias: str, path: str, key_password_given: bool, names: OptionNames) -> KeystoreError:
    if key_password_given:
        return KeystoreError(
            f"The private key entry '{alias}' of '{path}' could not be decrypted: wrong {names.key_password}.",
            option=names.key_password,
        )
    return KeystoreError(
        f"The private key entry '{alias}' of '{path}' could not be decrypted with {names.store_password}: "
        f"set {names.key_password}, as the entry has its own password.",
        option=names.key_password,
    )


def _parse_pkcs8(
    plaintext: bytes, alias: str, path: str, wrong_password: KeystoreError | None, names: OptionNames
) -> Any:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    try:
        return load_der_private_key(plaintext, password=None)
    except UnsupportedAlgorithm:
        if wrong_password is not None:
            raise wrong_password from None
        raise KeystoreError(
            f"The private key entry '{alias}' of '{path}' holds a key type this host cannot read.",
            option=names.path,
        ) from None
    except (ValueError, TypeError):
        if wrong_password is not None:
            raise wrong_password from None
        raise KeystoreError(
            f"The private key entry '{alias}' of '{path}' could not be parsed.", option=names.path
        ) from None


def _entry_certificates(
    cert_chain: Any, private_key: Any, alias: str, path: str, names: OptionNames
) -> tuple[Any, tuple[Any, ...]]:
    from cryptography import x509

    certificates = []
    for cert_type, der in cert_chain or ():
        if cert_type != "X.509":
            raise KeystoreError(
                f"The private key entry '{alias}' of '{path}' holds a certificate of a type other than X.509.",
                option=names.path,
            )
        try:
            certificates.append(x509.load_der_x509_certificate(bytes(der)))
        except ValueError:
            raise KeystoreError(
                f"A certificate of the private key entry '{alias}' of '{path}' could not be parsed.",
                option=names.path,
            ) from None
    if not certificates:
        return None, ()
    if not same_key(certificates[0], private_key):
        raise KeystoreError(
            f"The certificate of the private key entry '{alias}' of '{path}' does not match its private key.",
            option=names.path,
        )
    return certificates[0], tuple(certificates[1:])


# A tiny DER reader: just enough for EncryptedPrivateKeyInfo, whether or not the
# AlgorithmIdentifier carries its NULL parameters.


def read_der(data: bytes, pos: int, end: int, expected_tag: int) -> tuple[int, int]:
    """Read the TLV at ``pos`` (which must end by ``end``); return its content's (start, end)."""
    if pos + 2 > end:
        raise ValueError("truncated DER element")
    tag, length = data[pos], data[pos + 1]
    if tag != expected_tag:
        raise ValueError("unexpected DER tag")
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > end:
            raise ValueError("unsupported DER length")
        length = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    if pos + length > end:
        raise ValueError("DER element overruns its container")
    return pos, pos + length


def decode_oid(body: bytes) -> str:
    """Dotted form of an OBJECT IDENTIFIER's content bytes."""
    if not body or body[-1] & 0x80:
        raise ValueError("bad OBJECT IDENTIFIER")
    arcs: list[int] = []
    value = 0
    for byte in body:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = min(arcs[0] // 40, 2)
    return ".".join(str(arc) for arc in [first, arcs[0] - 40 * first, *arcs[1:]])


def read_encrypted_private_key_info(der: bytes) -> tuple[str, bytes, bytes]:
    """Split an EncryptedPrivateKeyInfo into (algorithm OID, raw parameters, encrypted data).

    The parameters are returned as the raw DER that follows the OID: empty
    when absent (JDK 21+ JKS), ``05 00`` for NULL, a SEQUENCE for JCEKS.
    """
    start, end = read_der(der, 0, len(der), _SEQUENCE)
    if end != len(der):
        raise ValueError("trailing bytes after EncryptedPrivateKeyInfo")
    algo_start, algo_end = read_der(der, start, end, _SEQUENCE)
    oid_start, oid_end = read_der(der, algo_start, algo_end, _OID)
    data_start, data_end = read_der(der, algo_end, end, _OCTET_STRING)
    if data_end != end:
        raise ValueError("trailing bytes in EncryptedPrivateKeyInfo")
    return decode_oid(der[oid_start:oid_end]), der[oid_end:algo_end], der[data_start:data_end]


def _read_pbe_parameter(params: bytes, alias: str, path: str, names: OptionNames) -> tuple[bytes, int]:
    """PBEParameter ::= SEQUENCE { salt OCTET STRING (8 bytes), iterationCount INTEGER }."""
    try:
        start, end = read_der(params, 0, len(params), _SEQUENCE)
        salt_start, salt_end = read_der(params, start, end, _OCTET_STRING)
        count_start, count_end = read_der(params, salt_end, end, _INTEGER)
        if end != len(params) or count_end != end or salt_end - salt_start != 8:
            raise ValueError("bad PBEParameter")
        iterations = int.from_bytes(params[count_start:count_end], "big", signed=True)
    except ValueError:
        raise KeystoreError(
            f"The private key entry '{alias}' of '{path}' has corrupt protection parameters.",
            option=names.path,
        ) from None
    if not 0 < iterations <= MAX_JCE_ITERATIONS:
        raise KeystoreError(
            f"The private key entry '{alias}' of '{path}' has an iteration count outside 1..{MAX_JCE_ITERATIONS}.",
            option=names.path,
        )
    return params[salt_start:salt_end], iterations
