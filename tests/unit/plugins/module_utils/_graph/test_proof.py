"""The proof of possession: the claims and header Graph checks, a fresh one each time, clean failures."""

from __future__ import annotations

import jwt
import pytest
from cert_builder import rsa_key

from ansible_collections.azure_ad.oauth.plugins.module_utils._graph import proof
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import KeystoreError, OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.signing_key import SigningKey

OBJECT_ID = "a1b2c3d4-1111-4e5f-8a9b-0c1d2e3f4a5b"


def test_claims_and_header():
    key = rsa_key()
    signing_key = SigningKey(private_key=key, algorithm="PS256", x5t="x5t-value")
    token = proof.sign_proof(signing_key, OBJECT_ID, now=1_800_000_000)
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, key.public_key(), algorithms=["RS256"], audience=proof.GRAPH_APP_ID,
                        options={"verify_exp": False, "verify_nbf": False})
    assert (header["alg"], header["x5t"]) == ("RS256", "x5t-value")  # RS256 whatever the token grant uses
    assert claims["aud"] == "00000003-0000-0000-c000-000000000000" and claims["iss"] == OBJECT_ID
    assert 0 < claims["exp"] - claims["nbf"] <= 600


def test_each_proof_is_unique():
    signing_key = SigningKey(private_key=rsa_key(), algorithm="RS256", x5t="x")
    assert proof.sign_proof(signing_key, OBJECT_ID, now=1) != proof.sign_proof(signing_key, OBJECT_ID, now=1)


def test_lifetime_is_capped_at_ten_minutes():
    claims = proof.proof_claims(OBJECT_ID, now=100, lifetime=3600)
    assert claims["exp"] - claims["nbf"] == 600


def test_without_a_sha1_thumbprint_it_names_keystore_path():
    with pytest.raises(OptionError) as raised:
        proof.sign_proof(SigningKey(private_key=rsa_key(), algorithm="PS256", x5t_s256="abc"), OBJECT_ID)
    assert raised.value.option == "keystore_path"


def test_a_failing_library_is_reported_without_its_text():
    class Broken:
        def sign(self, *args, **kwargs):
            raise BaseException("secret-bytes 0x41")

    with pytest.raises(KeystoreError) as raised:
        proof.sign_proof(SigningKey(private_key=Broken(), algorithm="RS256", x5t="x"), OBJECT_ID)
    assert "secret-bytes" not in str(raised.value) and raised.value.option == "keystore_path"
