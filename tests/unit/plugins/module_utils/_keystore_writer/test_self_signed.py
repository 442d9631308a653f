"""Self-signed certificates generated for an app registration."""

from __future__ import annotations

import datetime

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import same_key
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.self_signed import (
    BACKDATE,
    check_generation_options,
    default_subject,
    escape_rfc4514,
    generate_self_signed,
    parse_subject,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import KeystoreError, OptionError

NOW = datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.UTC)


def test_certificate_is_self_signed_for_client_auth():
    material = generate_self_signed("CN=app01.example.com,O=Contoso", 90, 2048, now=NOW)
    cert = material.certificate
    assert cert.subject == cert.issuer
    assert cert.subject.rfc4514_string() == "CN=app01.example.com,O=Contoso"
    assert same_key(cert, material.private_key)
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


# --------------------------------------------------------------------------- long and odd subjects


@pytest.mark.parametrize("length", [65, 70, 200])
def test_a_long_cn_says_what_is_wrong(length):
    with pytest.raises(OptionError) as caught:
        parse_subject("CN=" + "x" * length + ",O=Contoso")
    message = str(caught.value)
    assert caught.value.option == "subject"
    assert message.startswith(f"subject has a CN of {length} characters, but a certificate's CN holds at most 64.")
    assert "subject_alt_name" in message and "not a distinguished name" not in message


def test_a_cn_of_64_characters_is_fine_and_escapes_count_once():
    assert parse_subject("CN=" + "x" * 64).rfc4514_string() == "CN=" + "x" * 64
    with pytest.raises(OptionError, match="a CN of 65 characters"):
        parse_subject("CN=" + "\\," * 65)  # 65 escaped commas: 65 characters, 130 in the string


def test_a_country_that_is_not_two_letters_says_so():
    with pytest.raises(OptionError, match="subject has a C \\(country\\) of 3 characters"):
        parse_subject("CN=a,C=USA")


@pytest.mark.parametrize("host", ["app01", "app01.example.com", "x" * 64])
def test_default_subject_for_a_short_host_is_its_cn(host):
    subject, alt_names = default_subject(host)
    assert subject == "CN=" + host and alt_names == ()
    assert parse_subject(subject).rfc4514_string() == subject


def test_default_subject_for_a_long_fqdn_cuts_the_cn_and_keeps_the_name_in_a_san():
    fqdn = "build-agent-0042.very-long-datacenter-name.eu-west.internal.contoso.example.com"
    assert len(fqdn) > 64
    subject, alt_names = default_subject(fqdn)
    assert subject == "CN=" + fqdn[:64] and alt_names == ("DNS:" + fqdn,)
    material = generate_self_signed(subject, 30, 2048, NOW, alt_names)
    cn = material.certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value
    assert cn == fqdn[:64]
    san = material.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == [fqdn]


def test_default_subject_adds_the_hosts_san_to_the_given_ones_once():
    """The action plugin and the module both merge the task's subject_alt_name with the host's own entry."""
    fqdn = "h" * 70 + ".example.com"
    assert default_subject(fqdn, ["DNS:a.example.com"]) == ("CN=" + fqdn[:64], ("DNS:a.example.com", "DNS:" + fqdn))
    assert default_subject(fqdn, ["DNS:" + fqdn, "IP:10.0.0.1"])[1] == ("DNS:" + fqdn, "IP:10.0.0.1")
    assert default_subject("app01", ["DNS:a.example.com"]) == ("CN=app01", ("DNS:a.example.com",))
    # A name DNS cannot carry as it is (not ASCII) is only cut: subject_alt_name would refuse it.
    assert default_subject("h" * 70 + "é", ["DNS:x"]) == ("CN=" + "h" * 64, ("DNS:x",))


@pytest.mark.parametrize("host", ["web,01", "a+b", "#lead", " spaced ", 'q"uote', "semi;colon", "back\\slash",
                                  "eq=ual"])
def test_default_subject_escapes_what_rfc_4514_needs(host):
    subject = default_subject(host)[0]
    name = parse_subject(subject)
    assert name.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == host.strip()
    assert escape_rfc4514(host.strip()) in subject


def test_subject_alt_names_dns_and_ip():
    material = generate_self_signed("CN=a", 30, 2048, NOW, ["DNS:a.example.com", "IP:10.0.0.5", "ip:::1"])
    san = material.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["a.example.com"]
    assert [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] == ["10.0.0.5", "::1"]
    plain = generate_self_signed("CN=a", 30, 2048, NOW)
    with pytest.raises(x509.ExtensionNotFound):
        plain.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)


@pytest.mark.parametrize("entry", ["a.example.com", "URI:https://x", "DNS:", "IP:999.1.1.1", "DNS:bücher.example",
                                   "DNS:has space"])
def test_bad_subject_alt_names(entry):
    with pytest.raises(OptionError) as caught:
        check_generation_options("CN=a", 365, 2048, 30, [entry])
    assert caught.value.option == "subject_alt_name"


# --------------------------------------------------------------------------- native panics


@pytest.mark.parametrize(
    ("target", "option", "words"),
    [
        (("cryptography.hazmat.primitives.asymmetric.rsa", "generate_private_key"), "key_size",
         "The 2048-bit RSA key could not be generated"),
        (("cryptography.x509", "CertificateBuilder.sign"), "subject",
         "The self-signed certificate could not be signed"),
        (("cryptography.x509", "Name.from_rfc4514_string"), "subject", "is not a distinguished name"),
    ],
    ids=["keygen", "sign", "subject-parse"],
)
def test_a_native_panic_while_generating_is_a_clean_error(monkeypatch, target, option, words):
    import native_panics

    owner, attribute = native_panics.NativeCall(*target).resolve()
    monkeypatch.setattr(owner, attribute, native_panics.panicking(getattr(owner, attribute), "Panic-pass 9"))
    with pytest.raises((KeystoreError, OptionError)) as caught:
        generate_self_signed("CN=a", 30, 2048, NOW)
    assert caught.value.option == option and words in str(caught.value)
    assert native_panics.PANIC_MARKER not in str(caught.value)
