"""A JWT's payload read without verifying it: what is not a JWT names the option, and no payload is too deep."""

from __future__ import annotations

import base64
import json

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.jwt_claims import (
    MAX_CLAIMS_DEPTH,
    MAX_CLAIMS_NODES,
    decode_claims,
    try_decode_claims,
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt_of(payload: bytes) -> str:
    return ".".join([b64(b'{"alg":"RS256","typ":"JWT"}'), b64(payload), "c2ln"])


def test_the_payload_is_decoded_whatever_the_padding():
    claims = {"aud": "https://graph.microsoft.com", "roles": ["a"], "x": "é"}
    for extra in range(3):  # payload lengths that need 0, 1 and 2 padding characters
        padded = {**claims, "p": "p" * extra}
        assert decode_claims(jwt_of(json.dumps(padded).encode())) == padded


@pytest.mark.parametrize(("token", "words"), [
    (42, "must be a string holding a JWT, not int"),
    ("opaque", "expected three base64url parts separated by dots, found 1"),
    ("a..c", "found 3"),
    ("a.b.c.d", "found 4"),
    ("a.!!!.c", "its payload is not base64url-encoded JSON"),
    (jwt_of(b"\xff\xfe"), "its payload is not base64url-encoded JSON"),
    (jwt_of(b"[1, 2]"), "its payload is not a JSON object"),
    (jwt_of(b"[" * 100000), "its payload is not base64url-encoded JSON"),
])  # fmt: skip
def test_what_is_not_a_jwt_names_the_option(token, words):
    with pytest.raises(OptionError) as caught:
        decode_claims(token, "access_token")
    assert caught.value.option == "access_token" and str(caught.value).startswith("access_token ")
    assert words in str(caught.value)
    assert caught.value.__context__ is None or caught.value.__suppress_context__


def test_the_option_is_token_unless_named():
    with pytest.raises(OptionError) as caught:
        decode_claims("opaque")
    assert caught.value.option == "token"


def nested(depth: int) -> dict:
    value: object = 1
    for _level in range(depth - 1):
        value = {"a": value}
    return value


def test_try_decode_hands_on_real_claims_and_none_for_the_rest():
    assert try_decode_claims(jwt_of(b'{"aud": "x"}')) == {"aud": "x"}
    assert try_decode_claims("opaque-token") is None
    assert try_decode_claims(jwt_of(json.dumps(nested(MAX_CLAIMS_DEPTH)).encode())) is not None
    assert try_decode_claims(jwt_of(json.dumps(nested(MAX_CLAIMS_DEPTH + 1)).encode())) is None
    wide = {"values": list(range(MAX_CLAIMS_NODES))}
    assert try_decode_claims(jwt_of(json.dumps(wide).encode())) is None
