"""The info dict the keystore module returns and shows in its diff."""

from __future__ import annotations

import base64
import datetime
import hashlib

from cryptography.hazmat.primitives.serialization import Encoding

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.certificate_info import (
    DIFF_KEYS,
    diff_view,
    expires_within,
    format_date,
    material_info,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.self_signed import generate_self_signed

NOW = datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.UTC)


def test_info_matches_independent_digests():
    material = generate_self_signed("CN=info", 30, 2048, now=NOW)
    der = material.certificate.public_bytes(Encoding.DER)
    info = material_info(material, "pkcs12", "azure-ad")
    assert info["sha1_thumbprint"] == hashlib.sha1(der).hexdigest().upper()
    assert info["sha256_thumbprint"] == hashlib.sha256(der).hexdigest().upper()
    assert info["x5t"] == base64.urlsafe_b64encode(hashlib.sha1(der).digest()).decode().rstrip("=")
    assert info["subject"] == "CN=info" == info["issuer"]
    assert info["not_before"] == "2026-01-05T09:55:00Z"
    assert info["not_after"] == "2026-02-04T10:00:00Z"
    assert info["certificate_pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert info["alias"] == "azure-ad" and info["type"] == "pkcs12"
    assert info["serial_number"] == format(material.certificate.serial_number, "X")


def test_diff_view_holds_no_pem():
    info = material_info(generate_self_signed("CN=d", 30, 2048), "jks", "a")
    view = diff_view(info)
    assert set(view) <= set(DIFF_KEYS)
    assert "BEGIN" not in repr(view)


def test_expiry_window():
    cert = generate_self_signed("CN=e", 30, 2048, now=NOW).certificate
    assert not expires_within(cert, 29, now=NOW)
    assert expires_within(cert, 30, now=NOW)
    assert expires_within(cert, 0, now=NOW + datetime.timedelta(days=31))


def test_naive_dates_are_taken_as_utc():
    assert format_date(datetime.datetime(2026, 1, 5, 10, 0)) == "2026-01-05T10:00:00Z"
