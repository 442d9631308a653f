"""Sealed entries: the token is unreadable without the credential, and any damaged entry is only a miss."""

from __future__ import annotations

import json

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._cache import entry as entry_module
from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.entry import (
    MAGIC,
    MAX_ENTRY_SIZE,
    NONCE_LENGTH,
    open_entry,
    seal_entry,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.keys import EntryKey, entry_key, secret_material

TOKEN = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJodHRwczovL2dyYXBoIn0.c2lnbmF0dXJlLWJ5dGVz"
PAYLOAD = {"access_token": TOKEN, "token_type": "Bearer", "expires_on": 1900000000, "api_version": "v2",
           "ext_expires_in": 3599, "scope": ["https://graph.microsoft.com/.default"], "claims": {"aud": "x"}}


def key(secret="s3cret~value", tenant="contoso.onmicrosoft.com") -> EntryKey:  # noqa: S107 test values
    return entry_key(secret_material(secret), "https://login.microsoftonline.com", tenant,
                     "5f0c8a5e-7c1b-4a57-9d3c-6f1c2e9b4a10", "v2", None, ["https://graph.microsoft.com/.default"])


def test_round_trip():
    assert open_entry(seal_entry(PAYLOAD, key()), key()) == PAYLOAD


def test_the_sealed_bytes_hold_neither_token_nor_secret_nor_any_piece_of_the_token():
    sealed = seal_entry(PAYLOAD, key("s3cret~value"))
    assert sealed.startswith(MAGIC)
    for text in (TOKEN, "s3cret~value", "Bearer", "graph", "eyJ"):
        assert text.encode() not in sealed
    for piece in TOKEN.split("."):
        assert piece[:16].encode() not in sealed


def test_each_seal_uses_a_fresh_nonce():
    first, second = seal_entry(PAYLOAD, key()), seal_entry(PAYLOAD, key())
    assert first[len(MAGIC):len(MAGIC) + NONCE_LENGTH] != second[len(MAGIC):len(MAGIC) + NONCE_LENGTH]


def test_another_credential_cannot_open_it():
    assert open_entry(seal_entry(PAYLOAD, key("s3cret~value")), key("rotated~value")) is None


def test_an_entry_under_another_name_does_not_open():
    """The name is the associated data: an entry copied over another's file is refused."""
    original = key()
    renamed = EntryKey(name=key(tenant="fabrikam.onmicrosoft.com").name, aead_key=original.aead_key)
    assert open_entry(seal_entry(PAYLOAD, original), renamed) is None


def damaged_forms(sealed: bytes):
    yield b""
    yield sealed[:len(MAGIC)]
    yield sealed[:len(MAGIC) + NONCE_LENGTH]
    yield sealed[:-1]
    yield b"X" + sealed[1:]
    flipped = bytearray(sealed)
    flipped[-5] ^= 1
    yield bytes(flipped)
    yield sealed + b"trailing"
    yield MAGIC + b"\x00" * (MAX_ENTRY_SIZE)
    yield b'{"access_token": "plain json"}'


def test_damaged_truncated_or_foreign_bytes_are_a_miss():
    sealed = seal_entry(PAYLOAD, key())
    for data in damaged_forms(sealed):
        assert open_entry(data, key()) is None
    assert open_entry(None, key()) is None


@pytest.mark.parametrize("payload", [
    [], "text", {}, {**PAYLOAD, "access_token": ""}, {**PAYLOAD, "access_token": 5},
    {**PAYLOAD, "expires_on": "1900000000"}, {**PAYLOAD, "expires_on": True}, {**PAYLOAD, "scope": [1]},
    {**PAYLOAD, "unexpected": 1}, {key_: value for key_, value in PAYLOAD.items() if key_ != "token_type"},
])  # fmt: skip
def test_a_well_sealed_payload_of_the_wrong_shape_is_a_miss(payload, monkeypatch):
    sealed = seal_entry(payload, key()) if isinstance(payload, dict) else _seal_raw(payload)
    assert open_entry(sealed, key()) is None


def _seal_raw(value) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = b"\x00" * NONCE_LENGTH
    k = key()
    return MAGIC + nonce + AESGCM(k.aead_key).encrypt(nonce, json.dumps(value).encode(), k.name.encode())


def test_a_native_failure_while_decrypting_is_a_miss(monkeypatch):
    class Panic(BaseException):
        pass

    class Exploding:
        def __init__(self, _key):
            pass

        def decrypt(self, *args):
            raise Panic("native")

    sealed = seal_entry(PAYLOAD, key())
    monkeypatch.setattr(entry_module, "_aesgcm_class", lambda: Exploding)
    assert open_entry(sealed, key()) is None

    def interrupted(self, *args):
        raise KeyboardInterrupt()

    monkeypatch.setattr(Exploding, "decrypt", interrupted)
    with pytest.raises(KeyboardInterrupt):
        open_entry(sealed, key())
