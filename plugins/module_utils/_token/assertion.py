# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The signed JWT client assertion of the certificate grant.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

See "Microsoft identity platform application authentication certificate
credentials": ``aud`` is the token endpoint, ``iss`` and ``sub`` the client ID.
The assertion is a bearer credential until it expires: never log it.

Signing runs native code (cryptography's Rust layer, through PyJWT), which can
fail with any exception, even a BaseException that is not an Exception (a
pyo3 panic): every failure but MUST_PROPAGATE becomes one KeystoreError,
without the library's text.
"""

from __future__ import annotations

import time
import uuid

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.dependencies import require
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import MUST_PROPAGATE, KeystoreError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.signing_key import SigningKey

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def assertion_claims(client_id: str, audience: str, duration: int, now: int | None = None) -> dict:
    """The claims Entra requires, valid from ``now`` for ``duration`` seconds."""
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
