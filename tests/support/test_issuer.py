"""A token issuer for tests: mints the tokens a Kubernetes cluster or GitHub Actions would, offline.

Workload identity federation trusts a platform's OIDC issuer: the platform signs a short-lived JWT (RS256,
``kid`` naming a key of its JWKS) for a subject (a service account, a repository reference), with the
audience ``api://AzureADTokenExchange``. ``OidcIssuer`` holds its own RSA key and mints such tokens; its
``jwks()`` is what the local Entra endpoint is told to trust (``EntraEmulator.trust_issuer`` or the admin
API's ``POST /_emulator/issuers``), as Entra fetches it from the issuer's discovery document.

Nothing here is a test itself (the file is named as the brief asks; no test_ functions, no Test classes).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
import uuid
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ENTRA_AUDIENCE = "api://AzureADTokenExchange"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
# AKS OIDC issuers read https://<region>.oic.prod-aks.azure.com/<tenant>/<cluster GUID>/ (with the final slash).
AKS_ISSUER = "https://westeurope.oic.prod-aks.azure.com/8eaef023-2b34-4da1-9baa-8bc8c9d6a490/3b7f1c55-0f6e-4bfb-9d2b-4f1e7c0d9a21/"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_int(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def kubernetes_subject(namespace: str, service_account: str) -> str:
    """The ``sub`` of a projected service account token."""
    return f"system:serviceaccount:{namespace}:{service_account}"


def github_subject(repository: str, ref: str = "refs/heads/main", environment: str | None = None) -> str:
    """The ``sub`` GitHub Actions gives a job: by environment when the job has one, else by ref."""
    if environment:
        return f"repo:{repository}:environment:{environment}"
    return f"repo:{repository}:ref:{ref}"


class OidcIssuer:
    """One issuer URL and its RSA signing key; ``mint`` signs tokens as that platform does."""

    def __init__(self, issuer: str, key: rsa.RSAPrivateKey | None = None) -> None:
        self.issuer = issuer
        self.key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self.key.public_key().public_numbers()
        # As Kubernetes does: the kid is derived from the public key, so a rotated key gets a new one.
        self.kid = _b64url(hashlib.sha256(_b64url_int(numbers.n).encode()).digest())[:43]

    @classmethod
    def kubernetes(cls) -> OidcIssuer:
        return cls(AKS_ISSUER)

    @classmethod
    def github(cls) -> OidcIssuer:
        return cls(GITHUB_ISSUER)

    def jwks(self) -> dict:
        """The issuer's JSON Web Key Set, as its ``jwks_uri`` serves it."""
        numbers = self.key.public_key().public_numbers()
        return {"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": self.kid,
                          "n": _b64url_int(numbers.n), "e": _b64url_int(numbers.e)}]}

    def mint(
        self,
        subject: str,
        audience: str | list = ENTRA_AUDIENCE,
        lifetime: float = 3600,
        now: float | None = None,
        claims: dict | None = None,
        header: dict | None = None,
        key: rsa.RSAPrivateKey | None = None,
    ) -> str:
        """A signed RS256 token for ``subject``. ``claims`` and ``header`` add or replace fields (a test's
        wrong ``alg``, a missing ``kid``); ``key`` signs with another key than the issuer's."""
        issued = time.time() if now is None else now
        body = {"iss": self.issuer, "sub": subject, "aud": audience, "iat": int(issued), "nbf": int(issued),
                "exp": int(issued + lifetime), "jti": str(uuid.uuid4())}
        body.update(claims or {})
        head = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        head.update(header or {})
        signing_input = f"{_b64url(json.dumps(head).encode())}.{_b64url(json.dumps(body).encode())}"
        signature = (key or self.key).sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64url(signature)}"

    def kubernetes_token(self, namespace: str = "automation", service_account: str = "ansible", **kwargs) -> str:
        """A projected service account token, as the AKS workload identity webhook mounts it."""
        claims = {"kubernetes.io": {"namespace": namespace, "serviceaccount": {"name": service_account,
                                                                               "uid": str(uuid.uuid4())}}}
        claims.update(kwargs.pop("claims", {}) or {})
        return self.mint(kubernetes_subject(namespace, service_account), claims=claims, **kwargs)

    def github_token(self, repository: str = "contoso/infra", ref: str = "refs/heads/main",
                     environment: str | None = None, **kwargs) -> str:
        """A GitHub Actions OIDC token, as the job's ACTIONS_ID_TOKEN_REQUEST_URL hands it out."""
        claims = {"repository": repository, "ref": ref, "repository_owner": repository.split("/")[0],
                  "runner_environment": "github-hosted"}
        if environment:
            claims["environment"] = environment
        claims.update(kwargs.pop("claims", {}) or {})
        return self.mint(github_subject(repository, ref, environment), claims=claims, **kwargs)


def write_token_file(path: str | os.PathLike, token: str) -> str:
    """Write ``token`` as a platform does (0600 here, the kubelet uses 0644 in a pod-private volume); atomic."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    os.replace(temporary, path)
    return str(path)
