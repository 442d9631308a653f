# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An application's key credentials as Graph lists them, and the certificate to register.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Graph's ``keyCredentials`` are untrusted input: every field is type-checked, and text is quoted through
``_shared/untrusted_text``. A certificate credential is matched by its SHA-1 thumbprint, which Graph puts in
``customKeyIdentifier`` (base64 of the 20 bytes; the portal shows it as upper-case hex, which some tools
store instead, so both are read).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
from dataclasses import dataclass

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.certificates import (
    certificate_text_to_der,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import read_file
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.thumbprint import (
    certificate_digest,
    format_thumbprint,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.dependencies import require
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import MUST_PROPAGATE, OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.untrusted_text import (
    SHORT_LENGTH,
    UntrustedText,
)

CERTIFICATE_TYPE = "AsymmetricX509Cert"
MIN_RSA_BITS = 2048
_HEX_SHA1 = re.compile(r"^[0-9A-Fa-f]{40}$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]00:00)?$")


@dataclass(frozen=True)
class KeyCredential:
    """One key credential of the application; ``thumbprint`` is upper-case hex SHA-1, or None if unknown."""

    key_id: str
    type: str
    thumbprint: str | None
    display_name: str | None
    start: datetime.datetime | None
    end: datetime.datetime | None

    @property
    def is_certificate(self) -> bool:
        return self.type == CERTIFICATE_TYPE

    def expired(self, now: datetime.datetime) -> bool:
        return self.end is not None and self.end <= now

    def to_dict(self, in_use_thumbprint: str | None) -> dict:
        return {
            "key_id": self.key_id,
            "type": self.type,
            "thumbprint": self.thumbprint,
            "display_name": self.display_name,
            "start_date_time": _iso(self.start),
            "end_date_time": _iso(self.end),
            "in_use": self.thumbprint is not None and self.thumbprint == in_use_thumbprint,
        }


@dataclass(frozen=True)
class NewCertificate:
    """The certificate to register: its DER bytes and what identifies it."""

    der: bytes
    thumbprint: str  # upper-case hex SHA-1
    subject: str
    not_before: datetime.datetime
    not_after: datetime.datetime

    @property
    def key(self) -> str:
        """The ``keyCredential.key`` addKey takes: base64 DER."""
        return base64.b64encode(self.der).decode("ascii")


def load_new_certificate(text: str | None, path: str | None) -> NewCertificate:
    """The certificate given by ``certificate`` (PEM or base64 DER text) or ``certificate_path`` (PEM or DER)."""
    if text is not None:
        option = "certificate"
        der = certificate_text_to_der(text, option)
    else:
        option = "certificate_path"
        data = read_file(path, option)
        if b"-----BEGIN" in data:
            der = certificate_text_to_der(data.decode("ascii", "replace"), option)
        else:
            der = data
    return _describe(der, option)


def _describe(der: bytes, option: str) -> NewCertificate:
    x509 = require("cryptography.x509", "to read the certificate to register")
    rsa = require("cryptography.hazmat.primitives.asymmetric.rsa", "to read the certificate to register")

    try:
        certificate = x509.load_der_x509_certificate(der)
        public_key = certificate.public_key()
        subject = certificate.subject.rfc4514_string()
        not_before, not_after = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    except MUST_PROPAGATE:
        raise
    except BaseException:  # ValueError on bad DER, a panic of the Rust layer: never the library's text
        raise OptionError(f"{option} does not hold a valid X.509 certificate (PEM or DER).", option=option) from None
    if not isinstance(public_key, rsa.RSAPublicKey) or public_key.key_size < MIN_RSA_BITS:
        raise OptionError(
            f"{option} holds a certificate whose key is not RSA of {MIN_RSA_BITS} bits or more; Entra accepts only "
            "those as application credentials.",
            option=option,
        )
    return NewCertificate(der, format_thumbprint(certificate_digest(der, "sha1"), "hex"), subject, not_before,
                          not_after)  # fmt: skip


def parse_key_credentials(value: object, untrusted: UntrustedText) -> list[KeyCredential]:
    """Graph's ``keyCredentials`` array, each entry checked; entries that are not objects are skipped."""
    if not isinstance(value, list):
        return []
    return [_credential(item, untrusted) for item in value[:1000] if isinstance(item, dict)]


def parse_key_credential(value: object, untrusted: UntrustedText) -> KeyCredential | None:
    return _credential(value, untrusted) if isinstance(value, dict) else None


def _credential(item: dict, untrusted: UntrustedText) -> KeyCredential:
    key_id = item.get("keyId")
    kind = item.get("type")
    name = item.get("displayName")
    return KeyCredential(
        key_id=key_id.lower() if isinstance(key_id, str) and _GUID.match(key_id) else "",
        type=untrusted.quote(kind, SHORT_LENGTH) if isinstance(kind, str) else "",
        thumbprint=thumbprint_of(item.get("customKeyIdentifier")),
        display_name=untrusted.quote(name, SHORT_LENGTH) if isinstance(name, str) else None,
        start=parse_date(item.get("startDateTime")),
        end=parse_date(item.get("endDateTime")),
    )


def thumbprint_of(value: object) -> str | None:
    """``customKeyIdentifier`` as upper-case hex SHA-1: base64 of 20 bytes, or 40 hex digits."""
    if not isinstance(value, str) or len(value) > 100:
        return None
    if _HEX_SHA1.match(value):
        return value.upper()
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return format_thumbprint(raw, "hex") if len(raw) == 20 else None


def parse_date(value: object) -> datetime.datetime | None:
    """An ISO 8601 UTC date as Graph writes it (``2027-01-31T12:00:00Z``, fractions allowed), or None."""
    match = _ISO_DATE.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    try:
        parts = [int(part) for part in match.groups()[:6]]
        return datetime.datetime(*parts, tzinfo=datetime.timezone.utc)
    except ValueError:
        return None


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None
