# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Generate an RSA key and a self-signed certificate for an app registration.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Entra accepts any certificate uploaded to an app registration; it checks the
signature of the client assertion and the thumbprint, not a CA. So a
self-signed certificate, marked for client authentication, is all it needs.
"""

from __future__ import annotations

import datetime
from typing import Any

from ansible_collections.azure_ad.oauth.plugins.module_utils._dependencies import require
from ansible_collections.azure_ad.oauth.plugins.module_utils._errors import OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._key_material import KeyMaterial

KEY_SIZES = (2048, 3072, 4096)
# Backdate the start a little so that a host whose clock runs behind can use it at once.
BACKDATE = datetime.timedelta(minutes=5)
MAX_VALID_DAYS = 36500

_PURPOSE = "to generate a self-signed certificate"


def parse_subject(subject: str) -> Any:
    """An x509.Name from an RFC 4514 string such as ``CN=app01,O=Contoso``."""
    require("cryptography", _PURPOSE)
    from cryptography import x509

    if not isinstance(subject, str) or not subject.strip():
        raise OptionError("subject must be a distinguished name such as CN=app01.", option="subject")
    try:
        name = x509.Name.from_rfc4514_string(subject.strip())
    except ValueError:
        raise OptionError(
            f"subject {subject!r} is not a distinguished name in RFC 4514 form, such as CN=app01,O=Contoso.",
            option="subject",
        ) from None
    if not len(name):
        raise OptionError("subject must name at least one attribute, such as CN=app01.", option="subject")
    return name


def check_generation_options(subject: str, valid_days: int, key_size: int, renew_before_days: int) -> Any:
    """Validate the generation options and return the parsed subject."""
    if key_size not in KEY_SIZES:
        sizes = ", ".join(str(size) for size in KEY_SIZES)
        raise OptionError(f"key_size must be one of {sizes}, not {key_size}.", option="key_size")
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise OptionError(f"valid_days must be between 1 and {MAX_VALID_DAYS}, not {valid_days}.", option="valid_days")
    if renew_before_days < 0:
        raise OptionError("renew_before_days must not be negative.", option="renew_before_days")
    if renew_before_days >= valid_days:
        raise OptionError(
            f"renew_before_days ({renew_before_days}) must be less than valid_days ({valid_days}): "
            "otherwise every run would find the new certificate due for renewal and replace it.",
            option="renew_before_days",
        )
    return parse_subject(subject)


def generate_self_signed(
    subject: str,
    valid_days: int = 365,
    key_size: int = 2048,
    now: datetime.datetime | None = None,
) -> KeyMaterial:
    """A fresh RSA key and a self-signed certificate for it, valid for ``valid_days`` days from ``now``."""
    require("cryptography", _PURPOSE)
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID

    name = parse_subject(subject)
    if key_size not in KEY_SIZES:
        raise OptionError(f"key_size must be one of {', '.join(map(str, KEY_SIZES))}.", option="key_size")
    now = now or datetime.datetime.now(datetime.timezone.utc)
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    public_key = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + datetime.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    certificate = builder.sign(key, hashes.SHA256())
    return KeyMaterial(key, certificate, (), None, "generated")
