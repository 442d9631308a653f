"""The token_claims filter decodes payloads and rejects what is not a JWT."""

from __future__ import annotations

import base64
import json

import pytest
from ansible.errors import AnsibleFilterError
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.azure_ad.oauth.plugins.filter.token_claims import FilterModule, token_claims


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def make_jwt(claims: dict) -> str:
    return ".".join([b64(b'{"alg":"RS256","typ":"JWT"}'), b64(json.dumps(claims).encode()), b64(b"sig")])


def test_filter_is_registered():
    assert FilterModule().filters()["token_claims"] is token_claims


def test_decodes_claims_without_verifying():
    claims = {"aud": "https://graph.microsoft.com", "roles": ["User.Read.All"], "appid": "x", "exp": 1}
    assert token_claims(make_jwt(claims)) == claims


@pytest.mark.parametrize("value", ["opaque-token", "a.b", "a.!!!.c", make_jwt({})[:-4] + ".x.y",
                                   ".".join([b64(b"{}"), b64(b"[1,2]"), "s"]), 42])
def test_non_jwt_is_a_clear_error(value):
    with pytest.raises(AnsibleFilterError, match="token_claims"):
        token_claims(value)


@given(st.dictionaries(st.text(max_size=10), st.integers() | st.text(max_size=10), max_size=5))
def test_round_trip(claims):
    assert token_claims(make_jwt(claims)) == claims
