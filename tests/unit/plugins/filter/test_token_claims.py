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


def test_a_payload_nested_too_deep_is_a_filter_error():
    """json raises RecursionError on deep nesting: the filter must still fail only with AnsibleFilterError."""
    with pytest.raises(AnsibleFilterError) as caught:
        token_claims(".".join([b64(b'{"alg":"none"}'), b64(b"[" * 100000), "s"]))
    assert str(caught.value).startswith("token_claims: ")
    assert caught.value.__context__ is None


def test_an_unexpected_error_is_a_filter_error_without_its_text(monkeypatch):
    import native_panics

    from ansible_collections.azure_ad.oauth.plugins.filter import token_claims as module

    def broken(*args, **kwargs):
        raise native_panics.PanicException(native_panics.panic_text("claims-secret-9Lp"))

    monkeypatch.setattr(module, "decode_claims", broken)
    with pytest.raises(AnsibleFilterError) as caught:
        token_claims(make_jwt({}))
    assert str(caught.value) == ("token_claims: unexpected internal error (PanicException); the input could not be "
                                 "decoded.")  # fmt: skip
    assert caught.value.__context__ is None


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_the_filter_net_lets_the_stopping_exceptions_through(monkeypatch, stop):
    from ansible_collections.azure_ad.oauth.plugins.filter import token_claims as module

    def stopping(*args, **kwargs):
        raise stop()

    monkeypatch.setattr(module, "decode_claims", stopping)
    with pytest.raises(stop):
        token_claims(make_jwt({}))
