"""Workload identity federation: trusted issuers and the federated identity credentials of apps.

What Entra's portal configures, the emulator keeps here: an app's federated identity credentials, each an
(issuer, subject, audiences) triple, and the issuers' signing keys (their JWKS, which Entra fetches from
the issuer's OpenID discovery document; here the admin API hands them over, so no request leaves the
machine). A client credentials request whose ``client_assertion`` is not signed by one of the app's
certificates (no ``x5t``, and an ``iss`` other than the client ID) is such a federated token, and is
checked strictly, in Entra's order:

1. its form (50027) and algorithm (RS256 only, 5002738);
2. a credential on the app with its ``iss`` (700211), its ``sub`` (700213; 7002138 when only the case
   differs) and its ``aud`` (700212); none with all three: 70021;
3. the issuer's keys known (50166, as when Entra cannot fetch them), the ``kid`` among them and the
   signature valid (50013);
4. ``exp`` and ``nbf`` within the clock skew (700024).

The AADSTS wording is that of public Entra answers (azure/login and azure-workload-identity issue reports);
the refusals are in errors.py with the rest of the catalogue (``federated_*``).
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from entra_emulator import errors

ENTRA_AUDIENCE = "api://AzureADTokenExchange"


# -- the configuration --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FederatedCredential:
    """One federated identity credential of an app, as the portal creates it."""

    issuer: str
    subject: str
    audiences: tuple[str, ...] = (ENTRA_AUDIENCE,)
    name: str = ""


@dataclass
class TrustedIssuer:
    issuer: str
    keys: dict[str, rsa.RSAPublicKey] = field(default_factory=dict, repr=False)  # kid -> key


def _b64url(segment: str) -> bytes:
    if not isinstance(segment, str) or not segment or any(c in segment for c in "+/ \t\r\n"):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(segment.rstrip("=") + "=" * (-len(segment.rstrip("=")) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def _rsa_key(jwk: dict) -> rsa.RSAPublicKey:
    if jwk.get("kty") != "RSA":
        raise ValueError("only RSA keys are supported in a trusted issuer's JWKS")
    n = int.from_bytes(_b64url(jwk["n"]), "big")
    e = int.from_bytes(_b64url(jwk["e"]), "big")
    return rsa.RSAPublicNumbers(e, n).public_key()


class Federation:
    """Trusted issuers (with their keys) and the federated identity credentials of each app; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._issuers: dict[str, TrustedIssuer] = {}
        self._credentials: dict[str, list[FederatedCredential]] = {}  # lower-case client ID -> credentials

    def trust_issuer(self, issuer: str, jwks: dict) -> list[str]:
        """Register (or replace) an issuer's signing keys; returns their kids."""
        if not isinstance(issuer, str) or not issuer:
            raise ValueError("an issuer is a non-empty string (its URL)")
        keys = {}
        for jwk in (jwks or {}).get("keys", []):
            if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
                raise ValueError("each JWKS key needs a kid")
            keys[jwk["kid"]] = _rsa_key(jwk)
        if not keys:
            raise ValueError("the JWKS holds no key")
        with self._lock:
            self._issuers[issuer] = TrustedIssuer(issuer, keys)
        return sorted(keys)

    def add_credential(self, client_id: str, issuer: str, subject: str, audiences: list | tuple = (ENTRA_AUDIENCE,),
                       name: str = "") -> FederatedCredential:  # fmt: skip
        if not all(isinstance(value, str) and value for value in (issuer, subject)):
            raise ValueError("a federated identity credential needs an issuer and a subject")
        if not audiences or not all(isinstance(value, str) and value for value in audiences):
            raise ValueError("a federated identity credential needs at least one audience")
        credential = FederatedCredential(issuer, subject, tuple(audiences), name or f"fic-{len(subject)}")
        with self._lock:
            self._credentials.setdefault(client_id.lower(), []).append(credential)
        return credential

    def credentials(self, client_id: str) -> list[FederatedCredential]:
        with self._lock:
            return list(self._credentials.get(client_id.lower(), ()))

    def issuer(self, issuer: str) -> TrustedIssuer | None:
        with self._lock:
            return self._issuers.get(issuer)

    # -- the check ------------------------------------------------------------------------------------------

    @staticmethod
    def is_federated(header: dict, claims: dict, client_id: str) -> bool:
        """A certificate assertion names its certificate (x5t) and is issued by the client itself."""
        if "x5t" in header or "x5t#S256" in header:
            return False
        issuer = claims.get("iss")
        return isinstance(issuer, str) and issuer.lower() != client_id.lower()

    def validate(self, token: str, client_id: str, skew: int, now: float | None = None) -> FederatedCredential:
        """Check a federated ``client_assertion`` for the app ``client_id``; returns the credential it matched."""
        now = time.time() if now is None else now
        parts = token.split(".")
        if len(parts) != 3 or not all(parts):
            raise errors.malformed_jwt()
        header, claims = _segment(parts[0]), _segment(parts[1])
        alg = header.get("alg")
        if alg != "RS256":
            raise errors.federated_unsupported_algorithm(str(alg))
        issuer, subject, audience = claims.get("iss"), claims.get("sub"), claims.get("aud")
        if not isinstance(subject, str) or not subject:
            raise errors.malformed_jwt("The 'sub' claim must be present.")
        audiences = [audience] if isinstance(audience, str) else audience
        if not isinstance(audiences, list) or not all(isinstance(item, str) for item in audiences) or not audiences:
            raise errors.malformed_jwt("The 'aud' claim must be present.")
        credential = self._match(client_id, issuer, subject, audiences)
        self._verify_signature(token, header, issuer)
        expires = claims.get("exp")
        not_before = claims.get("nbf")
        if isinstance(expires, bool) or not isinstance(expires, (int, float)):
            raise errors.malformed_jwt("The 'exp' claim is missing or is not a number.")
        if not_before is not None and (isinstance(not_before, bool) or not isinstance(not_before, (int, float))):
            raise errors.malformed_jwt("The 'nbf' claim is not a number.")
        if now > expires + skew or (not_before is not None and now < not_before - skew):
            raise errors.assertion_time_range(now, not_before, expires)
        return credential

    def _match(self, client_id: str, issuer: str, subject: str, audiences: list) -> FederatedCredential:
        """The credential with exactly this issuer, subject and one of the audiences (case-sensitive, as Entra)."""
        candidates = [c for c in self.credentials(client_id) if c.issuer == issuer]
        if not candidates:
            raise errors.federated_no_matching_issuer(issuer)
        by_subject = [c for c in candidates if c.subject == subject]
        if not by_subject:
            if any(c.subject.lower() == subject.lower() for c in candidates):
                raise errors.federated_subject_case_mismatch(subject)
            raise errors.federated_no_matching_subject(subject)
        for credential in by_subject:
            if any(item in credential.audiences for item in audiences):
                return credential
        if len(audiences) == 1:
            raise errors.federated_no_matching_audience(audiences[0])
        raise errors.federated_no_matching_record(issuer, subject, ",".join(audiences))

    def _verify_signature(self, token: str, header: dict, issuer: str) -> None:
        trusted = self.issuer(issuer)
        if trusted is None:
            raise errors.federated_issuer_keys_unavailable(issuer)
        key = trusted.keys.get(header.get("kid")) if isinstance(header.get("kid"), str) else None
        if key is None:
            raise errors.federated_signature_invalid("The key was not found.")
        signing_input, _unused, signature = token.rpartition(".")
        try:
            key.verify(_b64url(signature), signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError) as exc:
            reason = "Key was found, but use of the key to verify the signature failed."
            raise errors.federated_signature_invalid(reason) from exc


def _segment(segment: str) -> dict:
    try:
        value = json.loads(_b64url(segment))
    except ValueError as exc:  # also JSONDecodeError and UnicodeDecodeError
        raise errors.malformed_jwt() from exc
    if not isinstance(value, dict):
        raise errors.malformed_jwt()
    return value
