"""Cache keys: derived from the credential, one-way, and different whenever the credential or request differs."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.keys import (
    KEY_LENGTH,
    certificate_material,
    entry_key,
    hkdf_sha256,
    secret_material,
)

SECRET = "Zx8~Q.verysecretvalue-abcdefghijklmnop"
REQUEST = ("https://login.microsoftonline.com", "contoso.onmicrosoft.com", "5f0c8a5e-7c1b-4a57-9d3c-6f1c2e9b4a10",
           "v2", None, ("https://graph.microsoft.com/.default",))  # fmt: skip


def key_for(material, *changes):
    values = list(REQUEST)
    for index, value in changes:
        values[index] = value
    return entry_key(material, *values)


def test_hkdf_matches_rfc5869_test_case_1():
    ikm = bytes.fromhex("0b" * 22)
    salt = bytes.fromhex("000102030405060708090a0b0c")
    info = bytes.fromhex("f0f1f2f3f4f5f6f7f8f9")
    okm = hkdf_sha256(ikm, salt, info, 42)
    assert okm.hex() == ("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
                         "34007208d5b887185865")  # fmt: skip


@pytest.mark.parametrize("salt", [b"", b"some salt"])
@pytest.mark.parametrize("length", [1, 32, 33, 100])
def test_hkdf_matches_cryptography(salt, length):
    ours = hkdf_sha256(b"material", salt, b"info", length)
    theirs = HKDF(algorithm=hashes.SHA256(), length=length, salt=salt or None, info=b"info").derive(b"material")
    assert ours == theirs


def test_hkdf_refuses_impossible_lengths():
    for length in (0, 255 * 32 + 1):
        with pytest.raises(ValueError):
            hkdf_sha256(b"m", b"", b"i", length)


def test_the_key_reveals_nothing_of_the_secret_or_the_request():
    key = key_for(secret_material(SECRET))
    assert len(key.name) == 64 and int(key.name, 16) >= 0
    assert len(key.aead_key) == KEY_LENGTH
    for part in (SECRET, "contoso", "5f0c8a5e", "graph"):
        assert part not in key.name
    assert SECRET not in repr(key) and key.aead_key.hex() not in repr(key)


def test_one_credential_and_request_always_give_the_same_key():
    assert key_for(secret_material(SECRET)) == key_for(secret_material(SECRET))
    # scope order does not change the token, nor the key; host and tenant case neither
    reordered = key_for(secret_material(SECRET), (5, ("b/.default", "a/.default")))
    assert reordered == key_for(secret_material(SECRET), (5, ("a/.default", "b/.default")))
    assert key_for(secret_material(SECRET), (1, "CONTOSO.onmicrosoft.com")) == key_for(secret_material(SECRET))


@pytest.mark.parametrize("index, value", [
    (0, "https://login.microsoftonline.us"), (1, "fabrikam.onmicrosoft.com"),
    (2, "00000000-0000-0000-0000-000000000000"), (3, "v1"), (4, "https://graph.microsoft.com"),
    (5, ("https://vault.azure.net/.default",)),
])  # fmt: skip
def test_every_part_of_the_request_changes_the_key(index, value):
    base = key_for(secret_material(SECRET))
    other = key_for(secret_material(SECRET), (index, value))
    assert other.name != base.name and other.aead_key != base.aead_key


def test_a_rotated_secret_changes_name_and_key():
    assert key_for(secret_material(SECRET)).name != key_for(secret_material(SECRET + "x")).name


def certificate(**changes):
    values = {"keystore_bytes": b"\xfe\xed\xfe\xedkeystore", "keystore_password": "storepass",
              "key_password": None, "alias": None, "certificate_bytes": None,
              "settings": (None, "auto", False, 600)}  # fmt: skip
    values.update(changes)
    return certificate_material(**values)


@pytest.mark.parametrize("change", [
    {"keystore_bytes": b"\xfe\xed\xfe\xedreplaced"}, {"keystore_password": "other"}, {"key_password": "storepass"},
    {"key_password": ""}, {"alias": "signer"}, {"certificate_bytes": b"cert"},
    {"settings": (b"\x01" * 20, "auto", False, 600)}, {"settings": (None, "PS256", False, 600)},
    {"settings": (None, "auto", True, 600)}, {"settings": (None, "auto", False, 601)},
])  # fmt: skip
def test_every_part_of_the_certificate_credential_changes_the_material(change):
    assert certificate(**change) != certificate()
    assert key_for(certificate(**change)).name != key_for(certificate()).name


def test_credential_kinds_never_collide_and_parts_never_run_together():
    assert secret_material("abc") != certificate(keystore_bytes=b"abc", keystore_password=None)
    split_one_way = certificate(keystore_password="ab", key_password="c")
    assert split_one_way != certificate(keystore_password="a", key_password="bc")
    assert certificate(key_password=None) != certificate(key_password="")
