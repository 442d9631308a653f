"""Self-signed certificates generated for an app registration."""

from __future__ import annotations

import datetime

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from ansible_collections.azure_ad.oauth.plugins.module_utils._errors import OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._key_material import certificate_matches_key
from ansible_collections.azure_ad.oauth.plugins.module_utils._self_signed import (
    BACKDATE,
    check_generation_options,
    generate_self_signed,
    parse_subject,
)

NOW = datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.UTC)


def test_certificate_is_self_signed_for_client_auth():
    material = generate_self_signed("CN=app01.example.com,O=Contoso", 90, 2048, now=NOW)
    cert = material.certificate
    assert cert.subject == cert.issuer
    assert cert.subject.rfc4514_string() == "CN=app01.example.com,O=Contoso"
    assert certificate_matches_key(cert, material.private_key)
    assert material.private_key.key_size == 2048
    assert cert.not_valid_before_utc == NOW - BACKDATE
    assert cert.not_valid_after_utc == NOW + datetime.timedelta(days=90)
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in usage
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    cert.verify_directly_issued_by(cert)


def test_each_call_makes_a_new_key_and_serial():
    first = generate_self_signed("CN=a", 1, 2048)
    second = generate_self_signed("CN=a", 1, 2048)
    assert first.certificate.serial_number != second.certificate.serial_number
    assert first.private_key.private_numbers() != second.private_key.private_numbers()


def test_3072_bit_key():
    assert generate_self_signed("CN=a", 1, 3072).private_key.key_size == 3072


@pytest.mark.parametrize("subject", ["", "   ", "app01", "CN=" + "x" * 70])
def test_bad_subjects(subject):
    with pytest.raises(OptionError) as caught:
        parse_subject(subject)
    assert caught.value.option == "subject"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("CN=a", 365, 1024, 30), "key_size"),
        (("CN=a", 0, 2048, 0), "valid_days"),
        (("CN=a", 365, 2048, -1), "renew_before_days"),
        (("CN=a", 30, 2048, 30), "renew_before_days"),
    ],
)
def test_generation_options_are_checked(args, option):
    with pytest.raises(OptionError) as caught:
        check_generation_options(*args)
    assert caught.value.option == option
