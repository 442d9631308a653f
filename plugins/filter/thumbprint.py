# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: thumbprint
short_description: Format a certificate thumbprint the way the Azure portal, keytool or a JWT header shows it
version_added: 0.1.0
description:
  - Accepts a SHA-1 or SHA-256 thumbprint in any common form, or a certificate whose digest it computes, and
    formats it.
  - Thumbprint forms accepted are hex (plain, or separated by colons, spaces or dashes, in any case) and
    base64url C(x5t) (padded or not).
  - Certificates are accepted as PEM text or base64 DER.
author:
  - azure_ad.oauth maintainers (@azure-ad-oauth)
options:
  _input:
    description: A thumbprint or a certificate.
    type: str
    required: true
  format:
    description:
      - V(hex) is uppercase without separators, as the Azure portal shows it.
      - V(colon) is uppercase pairs separated by colons, as keytool shows it.
      - V(x5t) is unpadded base64url, as in a JWT header.
    type: str
    default: hex
    choices: [hex, colon, x5t]
  algorithm:
    description:
      - The digest to compute when the input is a certificate. Ignored for thumbprints, whose length tells.
    type: str
    default: sha1
    choices: [sha1, sha256]
"""

EXAMPLES = r"""
- name: Show keytool's SHA-1 fingerprint as the Azure portal shows it (CFCDFB867F720172FA7EEFA2354A860215CAFB0E)
  ansible.builtin.debug:
    msg: "{{ 'cf:cd:fb:86:7f:72:01:72:fa:7e:ef:a2:35:4a:86:02:15:ca:fb:0e' | azure_ad.oauth.thumbprint }}"

- name: The x5t#S256 header value of a certificate
  ansible.builtin.debug:
    msg: "{{ lookup('ansible.builtin.file', 'app.pem') | azure_ad.oauth.thumbprint('x5t', 'sha256') }}"
"""

RETURN = r"""
_value:
  description: The formatted thumbprint.
  type: str
  sample: 7A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.azure_ad.oauth.plugins.module_utils._adapters.failures import THUMBPRINT_FILTER, attempt
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.certificates import (
    certificate_text_to_der,
    looks_like_certificate,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.thumbprint import (
    FORMATS,
    certificate_digest,
    format_thumbprint,
    parse_thumbprint,
)


def thumbprint(value, format="hex", algorithm="sha1"):  # pylint: disable=redefined-builtin
    """Format ``value`` (a thumbprint or a certificate) as ``format``."""
    if not isinstance(value, str):
        raise AnsibleFilterError(f"thumbprint expects a string, not {type(value).__name__}.")
    if format not in FORMATS:
        raise AnsibleFilterError(f"thumbprint format must be one of {', '.join(FORMATS)}, not {format!r}.")
    if algorithm not in ("sha1", "sha256"):
        raise AnsibleFilterError(f"thumbprint algorithm must be sha1 or sha256, not {algorithm!r}.")
    # The safety net, native panics included: only AnsibleFilterError may leave a filter.
    formatted, failure = attempt(lambda: _thumbprint(value, format, algorithm), THUMBPRINT_FILTER)
    if failure is not None:
        raise AnsibleFilterError(failure.message)
    return formatted


def _thumbprint(value: str, fmt: str, algorithm: str) -> str:
    if looks_like_certificate(value.strip()):
        digest = certificate_digest(certificate_text_to_der(value, "the input"), algorithm)
    else:
        digest = parse_thumbprint(value, "the input")
    return format_thumbprint(digest, fmt)


class FilterModule:
    def filters(self):
        return {"thumbprint": thumbprint}
