# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The proof of possession that Graph's addKey and removeKey require.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

learn.microsoft.com, "application: addKey" and "Generate proof-of-possession tokens for rolling keys": a JWT
signed RS256 with the private key of one of the application's currently valid registered certificates, whose
header carries ``x5t`` (that certificate's base64url SHA-1), with ``aud`` the Microsoft Graph app ID
``00000003-0000-0000-c000-000000000000``, ``iss`` the application's *object* ID, ``nbf``, and ``exp`` at most 10
minutes after ``nbf``. A fresh ``jti`` makes every proof unique (RS256 is deterministic), so a retried
request never repeats a proof. A proof is a credential until it expires: never log it.
"""

from __future__ import annotations

import time
import uuid

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.dependencies import require
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    MUST_PROPAGATE,
    KeystoreError,
    OptionError,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.signing_key import SigningKey

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
# Graph refuses more than 10 minutes; a shorter life leaves less to steal, and the request follows at once.
PROOF_LIFETIME = 300


def proof_claims(object_id: str, now: int | None = None, lifetime: int = PROOF_LIFETIME) -> dict:
    issued = int(time.time()) if now is None else int(now)
    return {"aud": GRAPH_APP_ID, "iss": object_id, "nbf": issued, "exp": issued + min(lifetime, 600),
            "jti": str(uuid.uuid4())}  # fmt: skip


def sign_proof(signing_key: SigningKey, object_id: str, now: int | None = None) -> str:
    """A fresh proof for ``object_id``, signed RS256 with the credential's key, ``x5t`` in the header."""
    if not signing_key.x5t:
        raise OptionError(
            "The proof of possession names the certificate by its SHA-1 thumbprint (x5t), which is unknown: "
            "keystore_path must hold the certificate beside the key.",
            option="keystore_path",
        )
    jwt = require("jwt", "to sign Microsoft Graph's proof of possession")
    try:
        return jwt.encode(proof_claims(object_id, now), signing_key.private_key, algorithm="RS256",
                          headers={"typ": "JWT", "x5t": signing_key.x5t})  # fmt: skip
    except MUST_PROPAGATE:
        raise
    except BaseException:  # the safety net, native panics included: never the library's text
        raise KeystoreError(
            "The key in keystore_path could not sign the proof of possession (RS256): the cryptography library "
            "failed. Check that the key is a sound RSA key, or re-export the keystore.",
            option="keystore_path",
        ) from None
