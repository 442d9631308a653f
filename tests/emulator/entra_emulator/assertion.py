"""Validation of the certificate grant's client assertion (a signed JWT).

The checks, in order, each with Entra's refusal: the JWT's form (50027), the
header's ``typ`` (5002727) and ``alg`` (5002738, RS256 and PS256 only), the
certificate named by ``x5t`` / ``x5t#S256`` (50027 without one, 700027 unknown),
the optional ``x5c`` matching it, the certificate's dates, the signature
(700027), then the claims: ``iss`` == ``sub`` (50048), == client_id (700021),
``aud`` the token endpoint the client posted to (700023), ``exp``/``nbf`` with
clock skew (700024), ``jti`` present and, unless disabled, never seen before.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from entra_emulator import errors
from entra_emulator.config import App, Certificate

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALLOWED_TYPES = ("JWT", "http://openid.net/specs/jwt/1.0")
_PADDINGS = {
    "RS256": padding.PKCS1v15,
    "PS256": lambda: padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
}


class ReplayCache:
    """The ``jti`` values already used, each kept until its assertion expires."""

    PRUNE_EVERY = 30.0  # seconds between sweeps of expired entries

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], float] = {}
        self._next_prune = 0.0

    def first_use(self, client_id: str, jti: str, expires: float, now: float) -> bool:
        with self._lock:
            if now >= self._next_prune:
                self._seen = {key: until for key, until in self._seen.items() if until >= now}
                self._next_prune = now + self.PRUNE_EVERY
            key = (client_id, jti)
            if self._seen.get(key, -1.0) >= now:
                return False
            self._seen[key] = expires
            return True


def b64url_decode(segment: str) -> bytes:
    """Strict base64url, padded or not; ValueError on anything else."""
    if not segment or any(c in segment for c in "+/ \t\r\n"):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(segment.rstrip("=") + "=" * (-len(segment.rstrip("=")) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def describe_assertion(token: str) -> dict:
    """What a test may see of a received assertion: its header, its claims and its signature segment.

    Never the assertion whole. The signature lets a test look for a leaked
    assertion in a run's output; header and claims let it check ``jti``,
    ``aud``, ``exp`` - ``iat``. Parts that do not decode are None.
    """
    parts = token.split(".")

    def segment(index: int) -> dict | None:
        try:
            value = json.loads(b64url_decode(parts[index]))
        except (IndexError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    return {"header": segment(0), "claims": segment(1), "signature": parts[2] if len(parts) == 3 else None}


def _json_segment(segment: str) -> dict:
    try:
        value = json.loads(b64url_decode(segment))
    except ValueError as exc:  # also json.JSONDecodeError and UnicodeDecodeError
        raise errors.malformed_jwt() from exc
    if not isinstance(value, dict):
        raise errors.malformed_jwt()
    return value


def _thumbprint(header: dict, name: str) -> bytes | None:
    """A thumbprint header's bytes (empty if undecodable), or None if absent."""
    value = header.get(name)
    if value is None:
        return None
    try:
        return b64url_decode(value) if isinstance(value, str) else b""
    except ValueError:
        return b""


def _find_certificate(header: dict, app: App) -> Certificate:
    sha1, sha256 = _thumbprint(header, "x5t"), _thumbprint(header, "x5t#S256")
    if sha1 is None and sha256 is None:
        raise errors.malformed_jwt("No certificate thumbprint specified in token header.")
    cert = app.find_certificate(sha256=sha256) if sha256 is not None else app.find_certificate(sha1=sha1)
    if cert is None or (sha1 is not None and cert.sha1 != sha1):
        shown = sha1 if sha1 is not None else sha256
        raise errors.key_not_found(shown.hex().upper(), app.client_id)
    x5c = header.get("x5c")
    if x5c is not None:
        first = x5c[0] if isinstance(x5c, list) and x5c else None
        try:
            first_der = base64.b64decode(first, validate=True) if isinstance(first, str) else b""
        except binascii.Error:
            first_der = b""
        if first_der != cert.der:
            raise errors.x5c_mismatch(cert.thumbprint, app.client_id)
    return cert


def _verify_signature(token: str, alg: str, cert: Certificate, client_id: str) -> None:
    signing_input, _unused, signature = token.rpartition(".")
    try:
        cert.public_key.verify(
            b64url_decode(signature), signing_input.encode("ascii"), _PADDINGS[alg](), hashes.SHA256()
        )
    except (InvalidSignature, ValueError) as exc:  # ValueError: an empty or non-base64url signature
        raise errors.signature_mismatch(cert.thumbprint, client_id, cert.describe()) from exc


def _number(claims: dict, name: str, required: bool) -> float | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise errors.malformed_jwt(f"The '{name}' claim is missing or is not a number.")
    return float(value)


def validate_client_assertion(
    token: str,
    *,
    app: App,
    client_id: str,
    audiences: set[str],
    skew: int,
    replay_cache: ReplayCache | None,
    now: float | None = None,
) -> Certificate:
    """Check ``token`` as Entra would for ``app``; returns the certificate that signed it.

    ``audiences`` are the ``aud`` values Entra accepts for this request: the
    token endpoint URL the client posted to, with the tenant as its GUID or as
    any of its domains. Raises ``EntraError`` on the first failed check.
    """
    now = time.time() if now is None else now
    parts = token.split(".")
    if len(parts) != 3 or not parts[0] or not parts[1]:  # an unsigned ("alg": "none") JWT ends with a dot
        raise errors.malformed_jwt()
    header, claims = _json_segment(parts[0]), _json_segment(parts[1])

    typ = header.get("typ")
    if typ is not None and typ not in ALLOWED_TYPES:
        raise errors.invalid_jwt_type(str(typ))
    alg = header.get("alg")
    if alg not in _PADDINGS:
        raise errors.unsupported_signature_algorithm(str(alg))

    cert = _find_certificate(header, app)
    if now > cert.not_after:
        raise errors.key_expired(cert.thumbprint, app.client_id, cert.describe())
    if now < cert.not_before:
        raise errors.key_not_yet_valid(cert.thumbprint, app.client_id, cert.describe())
    _verify_signature(token, alg, cert, app.client_id)

    issuer, subject = claims.get("iss"), claims.get("sub")
    if not isinstance(issuer, str) or not isinstance(subject, str):
        raise errors.malformed_jwt("The 'iss' and 'sub' claims must be present.")
    if issuer != subject:
        raise errors.subject_mismatches_issuer()
    if issuer.lower() != client_id.lower():
        raise errors.client_id_mismatch()

    audience = claims.get("aud")
    if not isinstance(audience, str):
        raise errors.malformed_jwt()  # Entra refuses a list of audiences this way
    if audience not in audiences:
        raise errors.audience_mismatch()

    expires = _number(claims, "exp", required=True)
    not_before = _number(claims, "nbf", required=False)
    if now > expires + skew or (not_before is not None and now < not_before - skew):
        raise errors.assertion_time_range(now, not_before, expires)

    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise errors.malformed_jwt("The 'jti' claim must be present.")
    if replay_cache is not None and not replay_cache.first_use(app.client_id, jti, expires + skew, now):
        raise errors.assertion_replayed(jti)
    return cert
