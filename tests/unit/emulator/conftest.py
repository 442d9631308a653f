"""Fixtures for the emulator's own tests: one emulator, test certificates, assertions.

``entra_emulator`` (session) and ``entra`` (per test, counters and faults reset)
come from ``entra_emulator.pytest_plugin``. Every test here trusts the
emulator's CA through ``REQUESTS_CA_BUNDLE``.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass

import jwt
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from entra_emulator import CLIENT_ID, JWT_BEARER, TENANT_ID, EntraEmulator
from entra_emulator.config import b64url
from entra_emulator.pytest_plugin import entra, entra_ca_env, entra_emulator

__all__ = ["entra", "entra_ca_env", "entra_emulator"]  # fixtures, re-exported for this folder


@pytest.fixture(autouse=True)
def _trust_emulator_ca(entra_ca_env: str) -> None:
    """Every request in these tests trusts the emulator's test CA."""


@dataclass
class TestCert:
    """An RSA key and its self-signed certificate, as a test app would own them."""

    __test__ = False

    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def cert_pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    @property
    def key_pem(self) -> str:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode("ascii")

    @property
    def sha1_hex(self) -> str:
        return self.cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - x5t is SHA-1

    @property
    def x5t(self) -> str:
        return b64url(self.cert.fingerprint(hashes.SHA1()))  # noqa: S303 - x5t is SHA-1

    @property
    def x5t_s256(self) -> str:
        return b64url(self.cert.fingerprint(hashes.SHA256()))


def make_cert(common_name: str = "emulator test app", valid_from_days: float = -1, valid_days: float = 30) -> TestCert:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=valid_from_days)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=valid_days))
        .sign(key, hashes.SHA256())
    )
    return TestCert(key, cert)


@pytest.fixture(scope="session")
def client_cert(entra_emulator: EntraEmulator) -> TestCert:
    """A certificate registered for CLIENT_ID for the whole session."""
    cert = make_cert()
    entra_emulator.register_certificate(CLIENT_ID, cert.cert_pem)
    return cert


@pytest.fixture(scope="session")
def stranger_cert() -> TestCert:
    """A certificate no app has."""
    return make_cert("a stranger")


@pytest.fixture
def assertion(entra_emulator: EntraEmulator, client_cert: TestCert):
    """assertion(cert=client_cert, alg="RS256", headers=..., **claims) -> a signed client assertion.

    Claims default to a valid assertion for CLIENT_ID at the GUID v2.0 token
    endpoint; a claim passed as None is left out. Headers default to ``x5t``.
    """

    def build(cert: TestCert | None = None, alg: str = "RS256", headers: dict | None = None, **claims) -> str:
        cert = cert or client_cert
        now = int(time.time())
        payload = {
            "aud": entra_emulator.token_endpoint(),
            "iss": CLIENT_ID,
            "sub": CLIENT_ID,
            "jti": str(uuid.uuid4()),
            "iat": now,
            "nbf": now,
            "exp": now + 600,
        }
        payload.update(claims)
        payload = {name: value for name, value in payload.items() if value is not None}
        header = {"x5t": cert.x5t} if headers is None else headers
        return jwt.encode(payload, cert.key, algorithm=alg, headers=header)

    return build


@pytest.fixture
def token_post(entra_emulator: EntraEmulator):
    """token_post(data, version="v2", tenant=TENANT_ID, **requests_kwargs) -> requests.Response."""

    session = requests.Session()

    def post(data: dict | str | None, version: str = "v2", tenant: str = TENANT_ID, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return session.post(entra_emulator.token_endpoint(tenant, version), data=data, **kwargs)

    yield post
    session.close()


@pytest.fixture
def cert_form(assertion):
    """cert_form(**assertion_kwargs) -> the form of a certificate-grant request for Graph."""

    def form(scope: str = "https://graph.microsoft.com/.default", **kwargs) -> dict:
        return {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "scope": scope,
            "client_assertion_type": JWT_BEARER,
            "client_assertion": assertion(**kwargs),
        }

    return form


def aadsts(response: requests.Response) -> int:
    """The AADSTS code of an Entra error response, after checking the body's shape."""
    body = response.json()
    assert set(body) == {
        "error",
        "error_description",
        "error_codes",
        "timestamp",
        "trace_id",
        "correlation_id",
        "error_uri",
    }
    (code,) = body["error_codes"]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    return code


@pytest.fixture
def refused():
    """refused(response, status, error, code): assert an exact Entra refusal; returns the body."""

    def check(response: requests.Response, status: int, error: str, code: int) -> dict:
        assert (response.status_code, response.json().get("error"), aadsts(response)) == (status, error, code), (
            response.text
        )
        return response.json()

    return check


@pytest.fixture
def new_cert():
    """new_cert(common_name=..., valid_from_days=-1, valid_days=30) -> a fresh TestCert."""
    return make_cert
