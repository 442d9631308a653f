# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a certificate given as PEM text or base64 DER (what the thumbprint filter takes besides a thumbprint).

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.
"""

from __future__ import annotations

import base64
import binascii
import re

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import MUST_PROPAGATE, OptionError

_PEM_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", re.DOTALL)
_BASE64 = re.compile(r"^[A-Za-z0-9+/\s]+={0,2}\s*$")


def looks_like_certificate(text: str) -> bool:
    """True for PEM certificate text or a long base64 blob (DER certificates are hundreds of bytes)."""
    return "-----BEGIN CERTIFICATE-----" in text or (len(text) > 100 and bool(_BASE64.match(text)))


def certificate_text_to_der(text: str, option: str = "certificate") -> bytes:
    """The DER bytes of the first certificate in PEM ``text``, or of base64 DER ``text`` (key_material's
    ``certificate_to_der`` takes a certificate object).

    The bytes are checked to be an X.509 certificate with cryptography.
    """
    match = _PEM_CERTIFICATE.search(text)
    body = match.group(1) if match else text
    try:
        der = base64.b64decode("".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        raise OptionError(f"{option} is neither a PEM certificate nor base64 DER.", option=option) from None
    from cryptography import x509

    try:
        x509.load_der_x509_certificate(der)
    except MUST_PROPAGATE:
        raise
    except BaseException:  # ValueError and others on bad DER; a panic of the Rust layer too
        raise OptionError(f"{option} does not hold a valid X.509 certificate.", option=option) from None
    return der
