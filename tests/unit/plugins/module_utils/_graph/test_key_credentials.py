"""Key credentials from Graph's untrusted answer, and the certificate to register."""

from __future__ import annotations

import base64
import datetime

import pytest
from cert_builder import cert_pem, rsa_key, self_signed
from cryptography.hazmat.primitives import hashes, serialization

from ansible_collections.azure_ad.oauth.plugins.module_utils._graph import key_credentials as kc
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import KeystoreError, OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.untrusted_text import UntrustedText

SHA1 = bytes(range(20))


def test_a_graph_credential_is_read_field_by_field():
    [credential] = kc.parse_key_credentials([{
        "keyId": "0D8F3B6A-5E2C-4F71-A9D4-3C6B1E8F2A57", "type": "AsymmetricX509Cert",
        "customKeyIdentifier": base64.b64encode(SHA1).decode(), "displayName": "CN=app\x1b[2J",
        "startDateTime": "2026-01-01T00:00:00Z", "endDateTime": "2027-01-01T00:00:00.1234567Z"}], UntrustedText())
    assert credential.key_id == "0d8f3b6a-5e2c-4f71-a9d4-3c6b1e8f2a57" and credential.is_certificate
    assert credential.thumbprint == SHA1.hex().upper()
    assert credential.end == datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)
    assert credential.expired(datetime.datetime(2027, 6, 1, tzinfo=datetime.UTC))
    assert credential.to_dict(SHA1.hex().upper())["in_use"] is True


@pytest.mark.parametrize("value", [None, 5, [], "not-base64!", base64.b64encode(b"short").decode(), "x" * 200])
def test_a_thumbprint_that_is_not_one_is_none(value):
    assert kc.thumbprint_of(value) is None


def test_hex_thumbprints_are_read_too():
    assert kc.thumbprint_of(SHA1.hex()) == SHA1.hex().upper()


def test_hostile_entries_do_not_break_the_list():
    credentials = kc.parse_key_credentials(
        [1, "x", None, {"keyId": "../../etc", "type": {"a": 1}, "endDateTime": "tomorrow", "displayName": 7}],
        UntrustedText())
    [credential] = credentials
    assert (credential.key_id, credential.type, credential.end, credential.display_name) == ("", "", None, None)
    assert kc.parse_key_credentials({"not": "a list"}, UntrustedText()) == []


def test_the_certificate_to_register_from_pem_text_der_text_and_files(tmp_path):
    cert = self_signed(rsa_key(), "next")
    der = cert.public_bytes(serialization.Encoding.DER)
    expected = cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - thumbprints are SHA-1
    (tmp_path / "c.pem").write_bytes(cert_pem(cert))
    (tmp_path / "c.der").write_bytes(der)
    loaded = [kc.load_new_certificate(cert_pem(cert).decode(), None),
              kc.load_new_certificate(base64.b64encode(der).decode(), None),
              kc.load_new_certificate(None, str(tmp_path / "c.pem")),
              kc.load_new_certificate(None, str(tmp_path / "c.der"))]
    assert {new.thumbprint for new in loaded} == {expected}
    assert loaded[0].subject == "CN=next" and base64.b64decode(loaded[0].key) == der


def test_bad_certificates_name_their_option(tmp_path):
    (tmp_path / "junk.der").write_bytes(b"\x30\x03junk")
    with pytest.raises(OptionError) as raised:
        kc.load_new_certificate(None, str(tmp_path / "junk.der"))
    assert raised.value.option == "certificate_path" and "junk" not in raised.value.message
    with pytest.raises(KeystoreError) as missing:
        kc.load_new_certificate(None, str(tmp_path / "absent.pem"))
    assert missing.value.option == "certificate_path"
    with pytest.raises(OptionError) as text:
        kc.load_new_certificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", None)
    assert text.value.option == "certificate"
