# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one definition of the keystore module's options and their defaults.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

plugins/modules/keystore.py builds its ``argument_spec`` from
``KEYSTORE_OPTIONS``; the request (plan.py), the generator (self_signed.py),
the serializer and the export take their defaults and choices from the named
constants below. The module's DOCUMENTATION and the keystore role
(meta/argument_specs.yml, defaults/main.yml: ``keystore_<option>``) repeat them
for their readers; unit tests keep those in step with this file.

``KEYSTORE_OPTION_NAMES`` is what this module calls the options the keystore
readers name in their messages, so that an existing file that does not open is
explained in this module's words (``password``, not the token module's
``keystore_password``).
"""

from __future__ import annotations

import copy

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.key_material import OptionNames

WRITABLE_TYPES = ("pkcs12", "jks")
DEFAULT_TYPE = "pkcs12"
DEFAULT_ALIAS = "azure-ad"
KEY_SIZES = (2048, 3072, 4096)
DEFAULT_KEY_SIZE = 2048
DEFAULT_VALID_DAYS = 365
DEFAULT_RENEW_BEFORE_DAYS = 30
EXPORT_FORMATS = ("der", "pem")
DEFAULT_EXPORT_FORMAT = "der"

KEYSTORE_OPTIONS = {
    "path": {"type": "path", "required": True},
    "type": {"type": "str", "default": DEFAULT_TYPE, "choices": list(WRITABLE_TYPES)},
    "password": {"type": "str", "required": True, "no_log": True},
    "key_password": {"type": "str", "no_log": True},
    "alias": {"type": "str", "default": DEFAULT_ALIAS},
    "certificate": {"type": "str"},
    "private_key": {"type": "str", "no_log": True},
    "private_key_passphrase": {"type": "str", "no_log": True},
    "certificate_path": {"type": "path"},
    # Where the key is, not the key: said explicitly, as the name looks like a secret's.
    "private_key_path": {"type": "path", "no_log": False},
    "chain": {"type": "list", "elements": "str"},
    "generate": {"type": "bool", "default": False},
    "subject": {"type": "str"},
    "subject_alt_name": {"type": "list", "elements": "str"},
    "valid_days": {"type": "int", "default": DEFAULT_VALID_DAYS},
    # A size in bits, not a key: said explicitly, as the name looks like a secret's.
    "key_size": {"type": "int", "default": DEFAULT_KEY_SIZE, "choices": list(KEY_SIZES), "no_log": False},
    "renew_before_days": {"type": "int", "default": DEFAULT_RENEW_BEFORE_DAYS},
    "force": {"type": "bool", "default": False},
    "follow": {"type": "bool", "default": False},
    "certificate_export_path": {"type": "path"},
    "certificate_export_format": {"type": "str", "default": DEFAULT_EXPORT_FORMAT, "choices": list(EXPORT_FORMATS)},
    "backup": {"type": "bool", "default": False},
}

MUTUALLY_EXCLUSIVE = [("certificate", "certificate_path"), ("private_key", "private_key_path")]

# Options whose values reach a file name or a native library: a NUL byte in any of them is refused up front.
NUL_FREE_OPTIONS = (
    "path",
    "password",
    "key_password",
    "alias",
    "certificate",
    "private_key",
    "private_key_passphrase",
    "certificate_path",
    "private_key_path",
    "chain",
    "subject",
    "subject_alt_name",
    "certificate_export_path",
    "owner",
    "group",
)

KEYSTORE_OPTION_NAMES = OptionNames(
    path="path",
    store_type="type",
    store_password="password",  # noqa: S106 - the option's name, not a password
    key_password="key_password",  # noqa: S106 - the option's name, not a password
    alias="alias",
    certificate_path="certificate_path",
)


def keystore_argument_spec() -> dict:
    """A fresh ``AnsibleModule`` argument_spec for the keystore module's options (the file options aside)."""
    return copy.deepcopy(KEYSTORE_OPTIONS)
