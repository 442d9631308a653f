"""The thumbprint filter: every accepted form, every output format, round trips."""

from __future__ import annotations

import base64
import hashlib

import pytest
from ansible.errors import AnsibleFilterError
from cert_builder import rsa_key, self_signed
from cryptography.hazmat.primitives import serialization
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.azure_ad.oauth.plugins.filter.thumbprint import FilterModule, thumbprint

DIGEST = bytes(range(1, 21))
HEX = DIGEST.hex().upper()
COLON = ":".join(HEX[i:i + 2] for i in range(0, 40, 2))
X5T = base64.urlsafe_b64encode(DIGEST).decode().rstrip("=")


@pytest.fixture(scope="module")
def certificate():
    return self_signed(rsa_key(), "filter-test")


def test_filter_is_registered():
    assert FilterModule().filters()["thumbprint"] is thumbprint


@pytest.mark.parametrize("value", [HEX, HEX.lower(), COLON, COLON.lower(), COLON.replace(":", " "),
                                   COLON.replace(":", "-"), X5T, X5T + "=", f"  {HEX}\n"])
def test_every_sha1_form_gives_the_same_digest(value):
    assert thumbprint(value) == HEX
    assert thumbprint(value, "colon") == COLON
    assert thumbprint(value, format="x5t") == X5T


def test_pem_and_base64_der_certificates_are_digested(certificate):
    der = certificate.public_bytes(serialization.Encoding.DER)
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    sha1 = hashlib.sha1(der).hexdigest().upper()
    sha256 = hashlib.sha256(der).digest()
    assert thumbprint(pem) == sha1
    assert thumbprint(base64.b64encode(der).decode()) == sha1
    assert thumbprint(pem, "x5t", "sha256") == base64.urlsafe_b64encode(sha256).decode().rstrip("=")
    assert thumbprint(pem, algorithm="sha256") == sha256.hex().upper()


@pytest.mark.parametrize(("value", "fragment"), [
    ("abc", "hex digits"),
    ("zz" * 20, "not a thumbprint"),
    ("", "non-empty"),
    ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "certificate"),
])
def test_bad_input_is_a_clear_filter_error(value, fragment):
    with pytest.raises(AnsibleFilterError, match=fragment):
        thumbprint(value)


def test_bad_arguments_name_themselves():
    with pytest.raises(AnsibleFilterError, match="format"):
        thumbprint(HEX, "base64")
    with pytest.raises(AnsibleFilterError, match="algorithm"):
        thumbprint(HEX, "hex", "md5")
    with pytest.raises(AnsibleFilterError, match="string"):
        thumbprint(42)


@given(st.binary(min_size=20, max_size=20) | st.binary(min_size=32, max_size=32),
       st.sampled_from(["hex", "colon", "x5t"]), st.sampled_from(["hex", "colon", "x5t"]))
def test_round_trip_between_every_format(digest, first, second):
    rendered = thumbprint(digest.hex(), first)
    assert thumbprint(thumbprint(rendered, second), "hex") == digest.hex().upper()


@given(st.text(max_size=80))
def test_random_text_gives_a_result_or_a_filter_error_only(text):
    try:
        result = thumbprint(text)
    except AnsibleFilterError:
        return
    assert len(result) in (40, 64)
