"""A certificate given as text (_keystore_reader/certificates.py): PEM or base64 DER, as the thumbprint filter
takes it, read to the DER that openssl writes for it."""

from __future__ import annotations

import base64
import subprocess

import keystore_factory as kf
import native_panics
import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.certificates import (
    certificate_text_to_der,
    looks_like_certificate,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A leaf certificate and its CA made by openssl: PEM text (leaf first) and openssl's DER of the leaf."""
    store = kf.require(kf.pem_files, tmp_path_factory.mktemp("certificates"), layout="split", with_chain=True)
    der = subprocess.run([kf.openssl(), "x509", "-in", str(store.certificate_path), "-outform", "DER"], check=True,
                         capture_output=True, timeout=60).stdout  # fmt: skip
    return store.certificate_path.read_text(), der


def test_pem_and_base64_der_give_openssls_der(certificate):
    pem, der = certificate
    assert looks_like_certificate(pem) and looks_like_certificate(base64.b64encode(der).decode())
    assert certificate_text_to_der(pem) == der, "the first certificate of a bundle: the leaf"
    assert certificate_text_to_der("Subject: app\n" + pem) == der
    wrapped = base64.encodebytes(der).decode()  # 76-character lines, as base64 tools print it
    assert certificate_text_to_der(wrapped) == der


def test_a_thumbprint_does_not_look_like_a_certificate():
    assert not looks_like_certificate("E6:AE:17:D0:74:06:1F:95:B6:67:94:E9:0A:BA:0B:C2:32:1E:DC:FB")
    assert not looks_like_certificate("5qGX0HQGH5W2Z5TpCroLwjIe3Ps")


@pytest.mark.parametrize(("text", "message"), [
    ("not base64 at all!", "the input is neither a PEM certificate nor base64 DER."),
    (base64.b64encode(b"\x30\x03\x02\x01\x01" * 30).decode(), "the input does not hold a valid X.509 certificate."),
    ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
     "the input does not hold a valid X.509 certificate."),
])  # fmt: skip
def test_what_is_not_a_certificate_names_the_option(text, message):
    with pytest.raises(OptionError) as caught:
        certificate_text_to_der(text, "the input")
    assert (str(caught.value), caught.value.option) == (message, "the input")
    assert caught.value.__cause__ is None


def test_a_native_panic_reading_the_der_is_an_option_error(certificate, monkeypatch):
    native_panics.inject("der-certificate-parse", "Panic-pass 9", monkeypatch.setattr)
    with pytest.raises(OptionError) as caught:
        certificate_text_to_der(certificate[0], "certificate")
    assert str(caught.value) == "certificate does not hold a valid X.509 certificate."
    assert native_panics.PANIC_MARKER not in str(caught.value) and caught.value.__suppress_context__
