"""From keystore settings to a signing key: thumbprints, algorithms, RSA only."""

from __future__ import annotations

import base64
import datetime
import hashlib

import cert_builder
import jwt
import pytest
from cert_builder import self_signed
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import KeystoreError, OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import CertificateSettings
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.signing_key import (
    assertion_claims,
    load_signing_key,
    sign_client_assertion,
)

CLIENT = "5f0c8a5e-7c1b-4a57-9d3c-6f1c2e9b4a10"
AUDIENCE = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.fixture(scope="module")
def rsa_key():
    return cert_builder.rsa_key()


@pytest.fixture()
def pem_files(tmp_path, rsa_key):
    cert = self_signed(rsa_key, "signing-test")
    key_pem = rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    combined = tmp_path / "combined.pem"
    combined.write_bytes(key_pem + cert_pem)
    key_only = tmp_path / "key.pem"
    key_only.write_bytes(key_pem)
    cert_file = tmp_path / "cert.pem"
    cert_file.write_bytes(cert_pem)
    for path in (combined, key_only, cert_file):
        path.chmod(0o600)
    der = cert.public_bytes(serialization.Encoding.DER)
    return {"combined": str(combined), "key": str(key_only), "cert": str(cert_file), "der": der,
            "sha1": hashlib.sha1(der).digest(), "sha256": hashlib.sha256(der).digest(), "certificate": cert}


def settings(path, **kw):
    return CertificateSettings(keystore_path=path, keystore_type=kw.pop("keystore_type", "auto"), **kw)


def test_v2_auto_signs_ps256_with_x5t_s256(pem_files, rsa_key):
    key = load_signing_key(settings(pem_files["combined"]), "v2")
    assert key.algorithm == "PS256"
    assert key.header() == {"typ": "JWT", "x5t#S256": b64url(pem_files["sha256"])}
    token = sign_client_assertion(key, assertion_claims(CLIENT, AUDIENCE, 600, now=1_800_000_000))
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "PS256", "typ": "JWT", "x5t#S256": b64url(pem_files["sha256"])}
    claims = jwt.decode(token, rsa_key.public_key(), algorithms=["PS256"], audience=AUDIENCE,
                        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False})
    assert claims["iss"] == claims["sub"] == CLIENT
    assert claims["iat"] == claims["nbf"] == 1_800_000_000
    assert claims["exp"] == 1_800_000_600
    # PS256 really is RSASSA-PSS: verify the raw signature with the PSS padding.
    signing_input, signature = token.rsplit(".", 1)
    rsa_key.public_key().verify(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)),
                                signing_input.encode(), padding.PSS(padding.MGF1(hashes.SHA256()),
                                                                    padding.PSS.DIGEST_LENGTH), hashes.SHA256())


def test_v1_auto_signs_rs256_with_x5t(pem_files, rsa_key):
    key = load_signing_key(settings(pem_files["combined"]), "v1")
    assert key.algorithm == "RS256"
    token = sign_client_assertion(key, assertion_claims(CLIENT, AUDIENCE, 60))
    assert jwt.get_unverified_header(token)["x5t"] == b64url(pem_files["sha1"])
    jwt.decode(token, rsa_key.public_key(), algorithms=["RS256"], audience=AUDIENCE)


def test_each_assertion_has_a_fresh_jti():
    first, second = (assertion_claims(CLIENT, AUDIENCE, 600)["jti"] for _unused in range(2))
    assert first != second and len(first) == 36


def test_explicit_algorithms_are_honoured(pem_files):
    assert load_signing_key(settings(pem_files["combined"], signature_algorithm="RS256"), "v2").algorithm == "RS256"
    assert load_signing_key(settings(pem_files["combined"], signature_algorithm="PS256"), "v1").algorithm == "PS256"


def test_send_certificate_chain_adds_x5c(pem_files):
    key = load_signing_key(settings(pem_files["combined"], send_certificate_chain=True), "v2")
    assert key.header()["x5c"] == [base64.b64encode(pem_files["der"]).decode()]


def test_matching_thumbprint_in_either_digest_is_accepted(pem_files):
    """A given thumbprint that matches changes nothing: the key signs with the certificate's own digests."""
    computed = load_signing_key(settings(pem_files["combined"]), "v2")
    for digest in (pem_files["sha1"], pem_files["sha256"]):
        given = load_signing_key(settings(pem_files["combined"], thumbprint=digest), "v2")
        assert (given.algorithm, given.x5t, given.x5t_s256) == (computed.algorithm, computed.x5t, computed.x5t_s256)
        assert (given.x5t, given.x5t_s256) == (b64url(pem_files["sha1"]), b64url(pem_files["sha256"]))
        assert given.header() == {"typ": "JWT", "x5t#S256": b64url(pem_files["sha256"])}


def test_mismatched_thumbprint_shows_both(pem_files):
    with pytest.raises(OptionError) as info:
        load_signing_key(settings(pem_files["combined"], thumbprint=b"\x01" * 20), "v2")
    assert info.value.option == "thumbprint"
    assert "0101010101" in str(info.value)
    assert pem_files["sha1"].hex().upper() in str(info.value)


def test_key_without_certificate_needs_a_thumbprint(pem_files):
    with pytest.raises(OptionError) as info:
        load_signing_key(settings(pem_files["key"]), "v2")
    assert info.value.option == "thumbprint"
    sha1_only = load_signing_key(settings(pem_files["key"], thumbprint=pem_files["sha1"]), "v2")
    assert (sha1_only.algorithm, sha1_only.x5t) == ("RS256", b64url(pem_files["sha1"]))
    with pytest.raises(OptionError, match="PS256"):
        load_signing_key(settings(pem_files["key"], thumbprint=pem_files["sha1"], signature_algorithm="PS256"), "v2")
    sha256_only = load_signing_key(settings(pem_files["key"], thumbprint=pem_files["sha256"]), "v2")
    assert sha256_only.algorithm == "PS256"


def test_key_with_separate_certificate_path(pem_files):
    key = load_signing_key(settings(pem_files["key"], certificate_path=pem_files["cert"]), "v2")
    assert key.x5t == b64url(pem_files["sha1"])


def test_ec_key_is_rejected_plainly(tmp_path):
    ec_key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "ec.pem"
    path.write_bytes(ec_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption())
                     + self_signed(ec_key).public_bytes(serialization.Encoding.PEM))
    with pytest.raises(KeystoreError, match="only RSA keys") as info:
        load_signing_key(settings(str(path)), "v2")
    assert info.value.option == "keystore_path"


def test_short_rsa_key_is_rejected(tmp_path):
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    path = tmp_path / "small.pem"
    path.write_bytes(small.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption()))
    with pytest.raises(KeystoreError, match="at least 2048"):
        load_signing_key(settings(str(path), thumbprint=b"\x00" * 20), "v2")


def test_expiry_date_is_reported_for_warnings(tmp_path, rsa_key):
    expired = self_signed(rsa_key, days=1, starts_days_ago=2)
    path = tmp_path / "expired.pem"
    path.write_bytes(rsa_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption())
                     + expired.public_bytes(serialization.Encoding.PEM))
    key = load_signing_key(settings(str(path)), "v2")
    assert key.certificate_not_after <= datetime.datetime.now(datetime.UTC)


# A fixed digest whose base64url spelling holds both '-' and '_' (standard base64 would have '+' and '/'):
# random test certificates produce such bytes only by chance.
URL_SAFE_SHA1 = bytes.fromhex("fbefbeffffff") + bytes(range(14))
URL_SAFE_SHA256 = bytes.fromhex("fbefbeffffff") + bytes(range(26))


def test_the_fixed_digests_really_differ_between_base64_and_base64url():
    for digest in (URL_SAFE_SHA1, URL_SAFE_SHA256):
        standard = base64.b64encode(digest).decode()
        assert "+" in standard and "/" in standard
        assert b64url(digest).startswith("----____") and "+" not in b64url(digest) and "/" not in b64url(digest)


@pytest.mark.parametrize(("digest", "header", "algorithm", "api_version"), [
    (URL_SAFE_SHA1, "x5t", "RS256", "v1"),
    (URL_SAFE_SHA256, "x5t#S256", "PS256", "v2"),
])  # fmt: skip
def test_the_signing_header_spells_the_thumbprint_in_base64url(pem_files, rsa_key, digest, header, algorithm,
                                                               api_version):  # fmt: skip
    """A key-only PEM signs with the thumbprint it is given: the header must carry its exact base64url form."""
    key = load_signing_key(settings(pem_files["key"], thumbprint=digest), api_version)
    assert key.algorithm == algorithm
    assert key.header() == {"typ": "JWT", header: b64url(digest)}
    token = sign_client_assertion(key, assertion_claims(CLIENT, AUDIENCE, 600))
    assert jwt.get_unverified_header(token) == {"alg": algorithm, "typ": "JWT", header: b64url(digest)}
    jwt.decode(token, rsa_key.public_key(), algorithms=[algorithm], audience=AUDIENCE)
