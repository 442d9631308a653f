# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one definition of the token options shared by the module and the lookup.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

The module builds its ``argument_spec`` from ``TOKEN_OPTIONS``; the lookup reads
the same names with ``get_option()``. Their defaults are named once, in
``_shared/defaults.py``. The user-facing documentation lives in the
``azure_ad.oauth.token_request`` doc fragment, and a unit test keeps the two in
step. Environment variables that Ansible does not own (``AZURE_*``) are applied
by ``apply_environment`` *after* every other source, so explicit options, vars
and ini settings always win.
"""

from __future__ import annotations

import copy

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.defaults import (
    DEFAULT_API_VERSION,
    DEFAULT_CACHE_DIR,
    DEFAULT_MAX_RETRY_WAIT,
    DEFAULT_REFRESH_MARGIN,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT,
    DEFAULT_TOKEN_DURATION,
)

TOKEN_OPTIONS = {
    "tenant_id": {"type": "str"},
    "client_id": {"type": "str"},
    "client_secret": {"type": "str", "no_log": True},
    "keystore_path": {"type": "path", "aliases": ["keystore_file"]},
    "keystore_type": {"type": "str", "default": "auto", "choices": ["auto", "jks", "jceks", "pkcs12", "pem"]},
    "keystore_password": {"type": "str", "no_log": True},
    "key_password": {"type": "str", "no_log": True},
    # An alias names an entry; it is not a secret.
    "keystore_alias": {"type": "str", "no_log": False},
    "certificate_path": {"type": "path"},
    # Thumbprints identify a public certificate; they are not secrets.
    "thumbprint": {"type": "str", "aliases": ["sha1_fingerprint"], "no_log": False},
    "token_duration": {
        "type": "int",
        "default": DEFAULT_TOKEN_DURATION,
        "aliases": ["token_duration_secs"],
        "no_log": False,  # a lifetime in seconds, not a secret
    },
    "resource": {"type": "str"},
    "scope": {"type": "list", "elements": "str"},
    "api_version": {"type": "str", "default": DEFAULT_API_VERSION, "choices": ["v1", "v2"]},
    "authority_host": {"type": "str"},
    "signature_algorithm": {"type": "str", "default": "auto", "choices": ["auto", "RS256", "PS256"]},
    "send_certificate_chain": {"type": "bool", "default": False},
    "timeout": {"type": "float", "default": DEFAULT_TIMEOUT},
    "validate_certs": {"type": "bool", "default": True},
    "ca_path": {"type": "path"},
    "retries": {"type": "int", "default": DEFAULT_RETRIES},
    "max_retry_wait": {"type": "float", "default": DEFAULT_MAX_RETRY_WAIT},
    # The token cache (_cache/settings.py): off unless asked for the module; the lookup's docs turn it on.
    "cache": {"type": "bool", "default": False},
    "cache_dir": {"type": "path", "default": DEFAULT_CACHE_DIR},
    "refresh_margin": {"type": "int", "default": DEFAULT_REFRESH_MARGIN, "no_log": False},
}

SECRET_OPTIONS = tuple(name for name, spec in TOKEN_OPTIONS.items() if spec.get("no_log"))

# Read last, and only for options still unset after every Ansible source.
ENVIRONMENT_FALLBACKS = {
    "tenant_id": "AZURE_TENANT_ID",
    "client_id": "AZURE_CLIENT_ID",
    "client_secret": "AZURE_CLIENT_SECRET",
    "keystore_path": "AZURE_CLIENT_CERTIFICATE_PATH",
    "keystore_password": "AZURE_CLIENT_CERTIFICATE_PASSWORD",
    "authority_host": "AZURE_AUTHORITY_HOST",
}

# The credential is chosen as a whole: a credential given explicitly is never
# joined by another one from the environment (Azure shells often export
# AZURE_CLIENT_SECRET, which must not break an explicit certificate task).
_CREDENTIAL_OPTIONS = ("client_secret", "keystore_path")


def token_argument_spec() -> dict:
    """A fresh ``AnsibleModule`` argument_spec for the token options."""
    return copy.deepcopy(TOKEN_OPTIONS)


def apply_environment(options: dict, environ: dict) -> tuple[dict, dict]:
    """Fill unset options from ``AZURE_*`` variables.

    Returns the merged options and a map of option name to the variable it came
    from, so that errors can say where a bad value was found. Empty variables
    count as unset.
    """
    merged = dict(options)
    from_env = {}
    explicit_credential = any(merged.get(name) is not None for name in _CREDENTIAL_OPTIONS)
    for name, variable in ENVIRONMENT_FALLBACKS.items():
        if merged.get(name) is not None:
            continue
        if name in _CREDENTIAL_OPTIONS and explicit_credential:
            continue
        value = environ.get(variable)
        if value:
            merged[name] = value
            from_env[name] = variable
    return merged, from_env
