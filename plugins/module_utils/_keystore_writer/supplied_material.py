# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the key, certificate and chain a user hands the keystore module.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

The material comes as PEM text (``certificate``, ``private_key``, ``chain``)
or as files on the host (``certificate_path``, ``private_key_path``). The
leaf is the certificate that matches the key, wherever it was given; every
other certificate must be on the leaf's issuer path, and is ordered from the
leaf upwards, as a keystore stores it.

Errors name this module's options and never quote the material. Every call
into cryptography is guarded: whatever it raises, a Rust panic included,
becomes an OptionError naming the option whose material it was reading.

The key must be one Microsoft Entra ID accepts (RSA, 2048 bits or more): the
token module refuses any other, so the keystore module refuses to write one,
with the same words (``_key_material.check_key_policy``).
"""

from __future__ import annotations

from typing import Any

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import (
    KeyMaterial,
    certificate_der,
    certificate_matches_key,
    check_key_policy,
    order_chain,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.paths import (
    MAX_READ_SIZE,
    read_regular_file,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.dependencies import require
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import MUST_PROPAGATE, OptionError

_PURPOSE = "to read the certificate and private key"


def has_material(params: dict) -> bool:
    """True when any of the material options is set."""
    return any(params.get(name) for name in ("certificate", "certificate_path", "private_key", "private_key_path"))


def load_supplied_material(params: dict) -> KeyMaterial:
    """The key, leaf and ordered chain described by the module's material options."""
    require("cryptography", _PURPOSE)
    cert_source = _source(params, "certificate", "certificate_path")
    key_source = _source(params, "private_key", "private_key_path")
    if cert_source is None:
        raise OptionError("private_key needs a certificate: set certificate or certificate_path.",
                          option="certificate")
    if key_source is None:
        raise OptionError("certificate needs its private key: set private_key or private_key_path.",
                          option="private_key")
    private_key = load_private_key(key_source[0], key_source[1], params.get("private_key_passphrase"))
    check_key_policy(private_key, key_source[1], _option_of(key_source[1]))
    certificates = load_certificates(cert_source[0], cert_source[1])
    for index, text in enumerate(params.get("chain") or []):
        certificates.extend(load_certificates(_to_bytes(text), f"chain[{index}]"))
    certificates = _unique(certificates)
    leaf = next((cert for cert in certificates if certificate_matches_key(cert, private_key)), None)
    if leaf is None:
        raise OptionError(
            f"No certificate in {cert_source[1]} matches the private key in {key_source[1]}.",
            option=_option_of(cert_source[1]),
        )
    others = [cert for cert in certificates if cert is not leaf]
    chain = order_chain(leaf, others)
    stray = [cert for cert in others if cert not in chain]
    if stray:
        subjects = "; ".join(cert.subject.rfc4514_string() for cert in stray)
        raise OptionError(
            f"chain holds certificates that are not on the certificate's issuer path: {subjects}. "
            "Give only the intermediates (and optionally the root) that issued it.",
            option="chain",
        )
    return KeyMaterial(private_key, leaf, chain, None, "supplied")


def _source(params: dict, content_option: str, path_option: str) -> tuple[bytes, str] | None:
    """(bytes, description) of the content option or of the file its path form names."""
    content = params.get(content_option)
    if content:
        return _to_bytes(content), content_option
    path = params.get(path_option)
    if path:
        return read_material_file(path, path_option), f"{path_option} '{path}'"
    return None


def _to_bytes(text: Any) -> bytes:
    if isinstance(text, bytes):
        return text
    return str(text).encode("utf-8")


def read_material_file(path: str, option: str) -> bytes:
    """The bytes of a certificate or key file; a link is followed (certificates often are links), a FIFO
    or device is refused without blocking."""
    data = read_regular_file(path, option, follow=True)
    if data is None:
        raise OptionError(f"{option} '{path}' does not exist.", option=option)
    if len(data) > MAX_READ_SIZE:
        raise OptionError(
            f"{option} '{path}' is larger than {MAX_READ_SIZE // 1024} KiB: that is no keystore or key file.",
            option=option,
        )
    if not data:
        raise OptionError(f"{option} '{path}' is empty.", option=option)
    return data


def _unique(certificates: list[Any]) -> list[Any]:
    seen: set[bytes] = set()
    result = []
    for cert in certificates:
        der = certificate_der(cert)
        if der not in seen:
            seen.add(der)
            result.append(cert)
    return result


def _option_of(where: str) -> str:
    return where.split(" ")[0].split("[")[0]


def load_private_key(data: bytes, where: str, passphrase: str | None) -> Any:
    """The one private key in PEM (or DER) ``data``; ``where`` names its option in errors."""
    from cryptography.hazmat.primitives.serialization import load_der_private_key, load_pem_private_key

    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.pem import pem_blocks

    option = _option_of(where)
    secret = passphrase.encode("utf-8") if passphrase else None
    if b"-----BEGIN" in data:
        keys = [block for label, block in pem_blocks(data) if label.endswith("PRIVATE KEY")]
        if not keys:
            raise OptionError(f"{where} holds no PEM private key.", option=option)
        if len(keys) > 1:
            raise OptionError(f"{where} holds {len(keys)} private keys; give exactly one.", option=option)
        if b"OPENSSH PRIVATE KEY" in keys[0]:
            raise OptionError(f"{where} is an OpenSSH key, not a PEM private key.", option=option,
                              hint="Convert it with: ssh-keygen -p -m PKCS8 -f <file>")
        loader, blob = load_pem_private_key, keys[0]
    else:
        loader, blob = load_der_private_key, data
    encrypted = b"ENCRYPTED" in blob
    try:
        return loader(blob, secret if encrypted or loader is load_der_private_key else None)
    except TypeError:
        if secret is None:
            raise OptionError(f"The private key in {where} is encrypted: set private_key_passphrase.",
                              option="private_key_passphrase") from None
        raise OptionError(f"The private key in {where} is not encrypted: unset private_key_passphrase.",
                          option="private_key_passphrase") from None
    except ValueError:
        if encrypted:
            raise OptionError(f"The private key in {where} could not be decrypted: wrong private_key_passphrase.",
                              option="private_key_passphrase") from None
        raise OptionError(f"{where} does not hold a readable private key.", option=option) from None
    except MUST_PROPAGATE:
        raise
    except BaseException:  # UnsupportedAlgorithm, a Rust panic and the like: never echo the library's text
        raise OptionError(f"The private key in {where} uses a key type this host cannot read.",
                          option=option) from None


def load_certificates(data: bytes, where: str) -> list[Any]:
    """Every certificate of PEM ``data``, or the one certificate of DER ``data``."""
    from cryptography import x509

    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.pem import pem_blocks

    option = _option_of(where)
    try:
        if b"-----BEGIN" in data:
            blocks = [block for label, block in pem_blocks(data) if label in ("CERTIFICATE", "X509 CERTIFICATE")]
            if not blocks:
                raise OptionError(f"{where} holds no PEM certificate.", option=option)
            return [x509.load_pem_x509_certificate(block) for block in blocks]
        return [x509.load_der_x509_certificate(data)]
    except OptionError:
        raise
    except MUST_PROPAGATE:
        raise
    except BaseException:  # ValueError and friends, whose text may quote the input, or a Rust panic
        raise OptionError(f"{where} does not hold a valid PEM or DER certificate.", option=option) from None
