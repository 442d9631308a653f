# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Describe a certificate the way Azure and keytool show it, without any key material.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

The info dict is what the keystore module returns and what its diff shows:
names, dates and thumbprints only. Nothing here ever touches a private key.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import (
    KeyMaterial,
    certificate_to_der,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.thumbprint import (
    certificate_digest,
    format_thumbprint,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from cryptography import x509

DIFF_KEYS = (
    "type",
    "alias",
    "subject",
    "issuer",
    "serial_number",
    "not_before",
    "not_after",
    "sha1_thumbprint",
    "sha256_thumbprint",
    "x5t",
    "chain_subjects",
)


def format_date(value: datetime.datetime) -> str:
    """ISO 8601 in UTC with a ``Z``, as Azure shows certificate dates."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def expires_within(certificate: x509.Certificate, days: int, now: datetime.datetime | None = None) -> bool:
    """True when the certificate expires within ``days`` days of ``now`` (or has expired)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return certificate.not_valid_after_utc - now <= datetime.timedelta(days=days)


def certificate_pem(certificate: x509.Certificate) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding

    return certificate.public_bytes(Encoding.PEM).decode("ascii")


def certificate_info(certificate: x509.Certificate) -> dict[str, Any]:
    """Subject, issuer, serial, dates and thumbprints of one certificate."""
    der = certificate_to_der(certificate)
    sha1 = certificate_digest(der, "sha1")
    return {
        "subject": certificate.subject.rfc4514_string(),
        "issuer": certificate.issuer.rfc4514_string(),
        "serial_number": format(certificate.serial_number, "X"),
        "not_before": format_date(certificate.not_valid_before_utc),
        "not_after": format_date(certificate.not_valid_after_utc),
        "sha1_thumbprint": format_thumbprint(sha1, "hex"),
        "x5t": format_thumbprint(sha1, "x5t"),
        "sha256_thumbprint": format_thumbprint(certificate_digest(der, "sha256"), "hex"),
    }


def material_info(material: KeyMaterial, keystore_type: str, alias: str | None) -> dict[str, Any]:
    """The module's result for a keystore holding ``material``: public facts and PEM certificates only."""
    info: dict[str, Any] = {"type": keystore_type, "alias": alias}
    if material.certificate is not None:
        info.update(certificate_info(material.certificate))
        info["certificate_pem"] = certificate_pem(material.certificate)
    info["chain"] = [certificate_pem(cert) for cert in material.chain]
    info["chain_subjects"] = [cert.subject.rfc4514_string() for cert in material.chain]
    return info


def diff_view(info: dict[str, Any]) -> dict[str, Any]:
    """The part of an info dict that a diff shows: no PEM at all, just names, dates and thumbprints."""
    return {key: info[key] for key in DIFF_KEYS if key in info}
