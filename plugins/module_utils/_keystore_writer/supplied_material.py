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

Keys and certificates are parsed by the keystore reader's PEM loader
(_keystore_reader/pem.py), which names this module's options; its errors are
reported as OptionError, as the material is the value of an option. Messages
never quote the material. Every call into cryptography is guarded: whatever it
raises, a Rust panic included, becomes an OptionError naming the option whose
material it was reading.

The key must be one Microsoft Entra ID accepts (RSA, 2048 bits or more): the
token module refuses any other, so the keystore module refuses to write one,
with the same words (``key_material.check_key_policy``).
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import (
    KeyMaterial,
    certificate_to_der,
    check_key_policy,
    order_chain,
    same_key,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.pem import (
    Source,
    load_certificates,
    load_private_key,
    private_key_blocks,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.paths import read_small_file
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.dependencies import require
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    MUST_PROPAGATE,
    KeystoreError,
    OptionError,
)

_PURPOSE = "to read the certificate and private key"
_PASSPHRASE_OPTION = "private_key_passphrase"  # noqa: S105 - the option's name, not a passphrase


def has_material(params: dict) -> bool:
    """True when any of the material options is set."""
    return any(params.get(name) for name in ("certificate", "certificate_path", "private_key", "private_key_path"))


def load_supplied_material(params: dict) -> KeyMaterial:
    """The key, leaf and ordered chain described by the module's material options."""
    require("cryptography", _PURPOSE)
    cert_given = _given(params, "certificate", "certificate_path")
    key_given = _given(params, "private_key", "private_key_path")
    if cert_given is None:
        raise OptionError("private_key needs a certificate: set certificate or certificate_path.",
                          option="certificate")
    if key_given is None:
        raise OptionError("certificate needs its private key: set private_key or private_key_path.",
                          option="private_key")
    key_data, key_source = key_given
    private_key = _read_key(key_data, key_source, params.get(_PASSPHRASE_OPTION) or None)
    check_key_policy(private_key, key_source.where, key_source.option)
    cert_data, cert_source = cert_given
    certificates = _read_certificates(cert_data, cert_source)
    for index, text in enumerate(params.get("chain") or []):
        certificates.extend(_read_certificates(_to_bytes(text), Source(f"chain[{index}]", "chain")))
    certificates = _unique(certificates)
    leaf = next((cert for cert in certificates if same_key(cert, private_key)), None)
    if leaf is None:
        raise OptionError(
            f"No certificate in {cert_source.where} matches the private key in {key_source.where}.",
            option=cert_source.option,
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


def _given(params: dict, content_option: str, path_option: str) -> tuple[bytes, Source] | None:
    """The bytes of the content option, or of the file its path form names, and how messages name them."""
    content = params.get(content_option)
    if content:
        return _to_bytes(content), Source(content_option, content_option)
    path = params.get(path_option)
    if path:
        return read_material_file(path, path_option), Source(f"{path_option} '{path}'", path_option)
    return None


def _to_bytes(text: Any) -> bytes:
    if isinstance(text, bytes):
        return text
    return str(text).encode("utf-8")


def read_material_file(path: str, option: str) -> bytes:
    """The bytes of a certificate or key file; a link is followed (certificates often are links), a FIFO
    or device is refused without blocking."""
    data = read_small_file(path, option, follow=True)
    if data is None:
        raise OptionError(f"{option} '{path}' does not exist.", option=option)
    return data


def _unique(certificates: list[Any]) -> list[Any]:
    seen: set[bytes] = set()
    result = []
    for cert in certificates:
        der = certificate_to_der(cert)
        if der not in seen:
            seen.add(der)
            result.append(cert)
    return result


def _read_key(data: bytes, source: Source, passphrase: str | None) -> Any:
    """The one private key of PEM or DER ``data``."""
    if b"-----BEGIN" in data:
        keys = private_key_blocks(data)
        if not keys:
            raise OptionError(f"{source.where} holds no PEM private key.", option=source.option)
        if len(keys) > 1:
            raise OptionError(f"{source.where} holds {len(keys)} private keys; give exactly one.",
                              option=source.option)
        label, blob = keys[0]
    else:
        label, blob = None, data
    unreadable = OptionError(f"The private key in {source.where} uses a key type this host cannot read.",
                             option=source.option)
    with _as_option_error(unreadable):
        return load_private_key(blob, label, source, passphrase, _PASSPHRASE_OPTION)


def _read_certificates(data: bytes, source: Source) -> list[Any]:
    """Every certificate of PEM ``data``, or the one certificate of DER ``data``."""
    unreadable = OptionError(f"{source.where} does not hold a valid PEM or DER certificate.", option=source.option)
    with _as_option_error(unreadable):
        return load_certificates(data, source)


@contextlib.contextmanager
def _as_option_error(unreadable: OptionError) -> Iterator[None]:
    """The reader's KeystoreError as an OptionError, its words kept; anything else a library raises (a native
    panic too) as ``unreadable``, without its text."""
    try:
        yield
    except OptionError:
        raise
    except KeystoreError as exc:
        raise OptionError(exc.message, option=exc.option, hint=exc.hint) from None
    except MUST_PROPAGATE:
        raise
    except BaseException:
        raise unreadable from None
