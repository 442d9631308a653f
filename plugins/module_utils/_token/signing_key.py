# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The certificate grant's signing key, and the client assertions it signs.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

``load_signing_key`` opens the keystore, checks the thumbprint the user gave
against the certificate and chooses the signature algorithm. The client then
signs one assertion per attempt: ``assertion_claims``, then
``sign_client_assertion``. See "Microsoft identity platform application
authentication certificate credentials": ``aud`` is the token endpoint, ``iss``
and ``sub`` the client ID. An assertion is a bearer credential until it
expires: never log it.

Signing runs native code (cryptography's Rust layer, through PyJWT), which can
fail with any exception, even a BaseException that is not an Exception (a
pyo3 panic): every failure but MUST_PROPAGATE becomes one KeystoreError,
without the library's text.
"""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass, field

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import check_key_policy
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.thumbprint import (
    certificate_digest,
    format_thumbprint,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.dependencies import require
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    MUST_PROPAGATE,
    KeystoreError,
    OptionError,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import CertificateSettings

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


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


def assertion_claims(client_id: str, audience: str, duration: int, now: int | None = None) -> dict:
    """The claims Entra requires, valid from ``now`` for ``duration`` seconds, with a fresh ``jti``."""
    issued_at = int(time.time()) if now is None else int(now)
    return {
        "aud": audience,
        "iss": client_id,
        "sub": client_id,
        "jti": str(uuid.uuid4()),
        "iat": issued_at,
        "nbf": issued_at,
        "exp": issued_at + duration,
    }


def sign_client_assertion(signing_key: SigningKey, claims: dict) -> str:
    """Sign ``claims`` with the keystore key, headers as Entra expects them."""
    jwt = require("jwt", "to sign the client assertion of the certificate grant")
    try:
        return jwt.encode(claims, signing_key.private_key, algorithm=signing_key.algorithm,
                          headers=signing_key.header())
    except MUST_PROPAGATE:
        raise
    except BaseException:  # the safety net, native panics included: never the library's text
        raise KeystoreError(
            f"The key in keystore_path could not sign the client assertion ({signing_key.algorithm}): the "
            "cryptography library failed. Check that the key is a sound RSA key, or re-export the keystore.",
            option="keystore_path",
        ) from None


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
