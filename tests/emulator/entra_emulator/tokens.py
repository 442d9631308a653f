"""Issuing app-only access tokens, and the key set that verifies them.

Tokens are RS256 JWTs signed with a key made at start-up, whose certificate's
SHA-1 thumbprint is both ``kid`` and ``x5t`` (as in Entra's key set). The token
version is the resource's, as in Entra: Microsoft Graph, ARM and Key Vault get
v1.0 tokens even from the v2.0 endpoint.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import time
from dataclasses import dataclass

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from entra_emulator.config import App, Resource, Tenant, b64url

SECRET_ACR = "1"
CERTIFICATE_ACR = "2"
NOT_BEFORE_LEEWAY = 300  # Entra back-dates iat and nbf by five minutes


def v1_issuer(tenant_id: str) -> str:
    return f"https://sts.windows.net/{tenant_id}/"


def v2_issuer(authority: str, tenant_id: str) -> str:
    return f"{authority}/{tenant_id}/v2.0"


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    expires_on: int
    not_before: int


class TokenIssuer:
    """Signs access tokens for one emulator instance."""

    def __init__(self, authority: str, lifetime: int = 3599) -> None:
        self.authority = authority
        self.lifetime = lifetime
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "accounts.accesscontrol.windows.net")])
        now = dt.datetime.now(dt.UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .sign(self._key, hashes.SHA256())
        )
        self.kid = b64url(self.certificate.fingerprint(hashes.SHA1()))  # noqa: S303 - x5t is SHA-1

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self._key.public_key()

    def jwk(self, issuer: str) -> dict:
        numbers = self.public_key.public_numbers()
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "n": b64url(_int_bytes(numbers.n)),
            "e": b64url(_int_bytes(numbers.e)),
            "x5c": [base64.b64encode(der).decode("ascii")],
            "issuer": issuer,
        }

    def issue(self, *, app: App, tenant: Tenant, resource: Resource, audience: str, acr: str) -> IssuedToken:
        """An app-only token for ``app`` to call ``resource``.

        ``audience`` is the resource as the client named it (v1.0 tokens echo
        it); v2.0 tokens carry the resource's app ID instead, as Entra does.
        """
        now = int(time.time())
        issued_at, expires = now - NOT_BEFORE_LEEWAY, now + self.lifetime
        claims: dict = {
            "aud": audience if resource.access_token_version == 1 else resource.app_id,
            "iss": v1_issuer(tenant.tenant_id)
            if resource.access_token_version == 1
            else v2_issuer(self.authority, tenant.tenant_id),
            "iat": issued_at,
            "nbf": issued_at,
            "exp": expires,
            "aio": b64url(os.urandom(48)),
            "idtyp": "app",
            "oid": app.object_id,
            "rh": f"0.A{b64url(os.urandom(36))}.",
            "sub": app.object_id,
            "tid": tenant.tenant_id,
            "uti": b64url(os.urandom(16)),
            "ver": f"{resource.access_token_version}.0",
        }
        if resource.access_token_version == 1:
            claims.update(appid=app.client_id, appidacr=acr, idp=v1_issuer(tenant.tenant_id))
        else:
            claims.update(azp=app.client_id, azpacr=acr)
        roles = app.roles.get(resource.app_id)
        if roles:  # Entra leaves `roles` out when the app holds none
            claims["roles"] = list(roles)
        token = jwt.encode(
            claims,
            self._key,
            algorithm="RS256",
            headers={"typ": "JWT", "kid": self.kid, "x5t": self.kid},
        )
        return IssuedToken(token, self.lifetime, expires, issued_at)
