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


# A fixed digest whose base64url spelling holds both '-' and '_', where standard base64 has '+' and '/'.
URL_SAFE_SHA1 = bytes.fromhex("fbefbeffffff") + bytes(range(14))
URL_SAFE_X5T = "----____AAECAwQFBgcICQoLDA0"


def test_x5t_is_base64url_not_standard_base64():
    from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.thumbprint import (
        format_thumbprint,
        parse_thumbprint,
    )

    assert base64.b64encode(URL_SAFE_SHA1).decode().rstrip("=") == "++++////AAECAwQFBgcICQoLDA0"
    assert format_thumbprint(URL_SAFE_SHA1, "x5t") == URL_SAFE_X5T
    assert thumbprint(URL_SAFE_SHA1.hex(), "x5t") == URL_SAFE_X5T
    assert thumbprint(URL_SAFE_X5T) == URL_SAFE_SHA1.hex().upper()
    assert parse_thumbprint(URL_SAFE_X5T) == URL_SAFE_SHA1
    # What a user pastes from a tool that used standard base64 still reads as the same digest.
    assert thumbprint("++++////AAECAwQFBgcICQoLDA0", "x5t") == URL_SAFE_X5T


def test_a_native_panic_on_a_certificate_is_a_filter_error(certificate, monkeypatch):
    """Only AnsibleFilterError may leave a filter: anything else fails the template with a traceback."""
    import native_panics

    native_panics.inject("der-certificate-parse", "filter-secret-2Qx", monkeypatch.setattr)
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    with pytest.raises(AnsibleFilterError) as caught:
        thumbprint(pem)
    assert str(caught.value) == "thumbprint: the input does not hold a valid X.509 certificate."
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_an_unexpected_error_is_a_filter_error_without_its_text(monkeypatch):
    import native_panics

    from ansible_collections.azure_ad.oauth.plugins.filter import thumbprint as module

    def broken(*args, **kwargs):
        raise native_panics.PanicException(native_panics.panic_text("filter-secret-2Qx"))

    monkeypatch.setattr(module, "parse_thumbprint", broken)
    with pytest.raises(AnsibleFilterError) as caught:
        thumbprint(HEX)
    assert str(caught.value) == ("thumbprint: unexpected internal error (PanicException); the input could not be "
                                 "read.")  # fmt: skip
    assert caught.value.__context__ is None and native_panics.PANIC_MARKER not in repr(caught.value.args)


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_the_filter_net_lets_the_stopping_exceptions_through(monkeypatch, stop):
    from ansible_collections.azure_ad.oauth.plugins.filter import thumbprint as module

    def stopping(*args, **kwargs):
        raise stop()

    monkeypatch.setattr(module, "parse_thumbprint", stopping)
    with pytest.raises(stop):
        thumbprint(HEX)
