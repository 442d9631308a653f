# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn certificate settings into a key ready to sign client assertions.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

This is where the keystore is opened, the thumbprint the user gave is checked
against the certificate, and the signature algorithm is chosen.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import check_key_policy
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.thumbprint import (
    certificate_digest,
    format_thumbprint,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import CertificateSettings


@dataclass(frozen=True)
class SigningKey:
    """A private key plus what goes into the assertion header."""

    private_key: object = field(repr=False)
    algorithm: str
    x5t: str | None = None
    x5t_s256: str | None = None
    x5c: tuple[str, ...] = ()
    certificate_not_after: object = None

    def header(self) -> dict:
        header = {"typ": "JWT"}
        if self.algorithm == "PS256":
            header["x5t#S256"] = self.x5t_s256
        else:
            header["x5t"] = self.x5t
        if self.x5c:
            header["x5c"] = list(self.x5c)
        return header


def load_signing_key(settings: CertificateSettings, api_version: str) -> SigningKey:
    """Open the keystore named by ``settings`` and prepare the signing key."""
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_key_material

    material = load_key_material(
        settings.keystore_path,
        keystore_type=settings.keystore_type,
        keystore_password=settings.keystore_password,
        key_password=settings.key_password,
        alias=settings.keystore_alias,
        certificate_path=settings.certificate_path,
    )
    # The same policy and wording as the keystore module applies when it writes a key.
    check_key_policy(material.private_key, "keystore_path", "keystore_path")

    sha1 = sha256 = None
    chain_der = material.chain_der
    not_after = None
    if material.certificate is not None:
        sha1 = certificate_digest(material.leaf_der, "sha1")
        sha256 = certificate_digest(material.leaf_der, "sha256")
        _check_thumbprint(settings.thumbprint, sha1, sha256)
        not_after = material.certificate.not_valid_after_utc
    elif settings.thumbprint is None:
        raise OptionError(
            "The key in keystore_path has no certificate beside it, so give thumbprint (the certificate's "
            "SHA-1 or SHA-256 fingerprint as registered on the app), or certificate_path.",
            option="thumbprint",
        )
    elif len(settings.thumbprint) == 20:
        sha1 = settings.thumbprint
    else:
        sha256 = settings.thumbprint

    if settings.send_certificate_chain and not chain_der:
        raise OptionError(
            "send_certificate_chain needs the certificate itself; give certificate_path.",
            option="send_certificate_chain",
        )
    algorithm = _choose_algorithm(settings.signature_algorithm, api_version, sha1, sha256)
    return SigningKey(
        private_key=material.private_key,
        algorithm=algorithm,
        x5t=format_thumbprint(sha1, "x5t") if sha1 else None,
        x5t_s256=format_thumbprint(sha256, "x5t") if sha256 else None,
        x5c=_x5c(chain_der) if settings.send_certificate_chain else (),
        certificate_not_after=not_after,
    )


def _check_thumbprint(expected: bytes | None, sha1: bytes, sha256: bytes) -> None:
    if expected is None:
        return
    actual = sha1 if len(expected) == 20 else sha256
    if expected != actual:
        name = "SHA-1" if len(expected) == 20 else "SHA-256"
        raise OptionError(
            f"thumbprint {format_thumbprint(expected, 'hex')} does not match the certificate in the keystore, "
            f"whose {name} thumbprint is {format_thumbprint(actual, 'hex')}. Check keystore_alias, or fix or "
            "drop thumbprint (it is computed from the certificate when left out).",
            option="thumbprint",
        )


def _choose_algorithm(requested: str, api_version: str, sha1: bytes | None, sha256: bytes | None) -> str:
    if requested == "PS256":
        if sha256 is None:
            raise OptionError(
                "signature_algorithm PS256 needs the SHA-256 thumbprint (x5t#S256); give the certificate "
                "(certificate_path) or a SHA-256 thumbprint, or use RS256.",
                option="signature_algorithm",
            )
        return "PS256"
    if requested == "RS256":
        if sha1 is None:
            raise OptionError(
                "signature_algorithm RS256 needs the SHA-1 thumbprint (x5t); give the certificate "
                "(certificate_path) or a SHA-1 thumbprint, or use PS256.",
                option="signature_algorithm",
            )
        return "RS256"
    # auto: PS256 is Microsoft's current guidance on v2; v1 and SHA-1-only keys stay on RS256.
    if api_version == "v2" and sha256 is not None:
        return "PS256"
    return "RS256"


def _x5c(chain_der: tuple) -> tuple:
    # x5c uses standard (not url-safe) base64, leaf first (RFC 7515, 4.1.6).
    return tuple(base64.b64encode(der).decode("ascii") for der in chain_der)
