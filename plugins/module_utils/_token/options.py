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
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.clouds import CLOUDS, DEFAULT_CLOUD

TOKEN_OPTIONS = {
    "tenant_id": {"type": "str"},
    "client_id": {"type": "str"},
    "client_secret": {"type": "str", "no_log": True},
    # The federated credential: an external platform's signed token, or the file it is written to.
    "client_assertion": {"type": "str", "no_log": True},
    "client_assertion_path": {"type": "path"},
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
    "cloud": {"type": "str", "default": DEFAULT_CLOUD, "choices": list(CLOUDS)},
    "authority_host": {"type": "str"},
    "signature_algorithm": {"type": "str", "default": "auto", "choices": ["auto", "RS256", "PS256"]},
    # No default here: unset, AZURE_CLIENT_SEND_CERTIFICATE_CHAIN may set it (false when neither does).
    "send_certificate_chain": {"type": "bool"},
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
    "send_certificate_chain": "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN",
    "client_assertion_path": "AZURE_FEDERATED_TOKEN_FILE",
    "authority_host": "AZURE_AUTHORITY_HOST",
}

# The credential is chosen as a whole: a credential given explicitly is never
# joined by another one from the environment (Azure shells often export
# AZURE_CLIENT_SECRET, which must not break an explicit certificate task).
CREDENTIAL_OPTIONS = ("client_secret", "keystore_path", "client_assertion", "client_assertion_path")
# The credentials the environment may give, in azure-identity's order: EnvironmentCredential (secret, then
# certificate), then WorkloadIdentityCredential (the federated token file). The first one set is used.
ENVIRONMENT_CREDENTIALS = ("client_secret", "keystore_path", "client_assertion_path")
_CREDENTIAL_KINDS = {
    "client_secret": "client secret",
    "keystore_path": "certificate",
    "client_assertion_path": "federated token file",
}


def token_argument_spec() -> dict:
    """A fresh ``AnsibleModule`` argument_spec for the token options."""
    return copy.deepcopy(TOKEN_OPTIONS)


def apply_environment(options: dict, environ: dict) -> tuple[dict, dict]:
    """Fill unset options from ``AZURE_*`` variables.

    Returns the merged options and a map of option name to the variable it came
    from, so that errors can say where a bad value was found. Empty variables
    count as unset. At most one credential comes from the environment, and
    none when one was given explicitly (see ``environment_credential_note``).
    """
    merged = dict(options)
    from_env = {}
    explicit_credential = any(merged.get(name) is not None for name in CREDENTIAL_OPTIONS)
    chosen = None if explicit_credential else next(
        (name for name in ENVIRONMENT_CREDENTIALS if environ.get(ENVIRONMENT_FALLBACKS[name])), None)
    for name, variable in ENVIRONMENT_FALLBACKS.items():
        if merged.get(name) is not None:
            continue
        if name in CREDENTIAL_OPTIONS and name != chosen:
            continue
        value = environ.get(variable)
        if value:
            merged[name] = value
            from_env[name] = variable
    return merged, from_env


def environment_credential_note(from_env: dict, environ: dict) -> str | None:
    """When the credential came from the environment and others were set there too: which one was used."""
    used = next((name for name in ENVIRONMENT_CREDENTIALS if name in from_env), None)
    if used is None:
        return None
    ignored = [ENVIRONMENT_FALLBACKS[name] for name in ENVIRONMENT_CREDENTIALS
               if name != used and environ.get(ENVIRONMENT_FALLBACKS[name])]  # fmt: skip
    if not ignored:
        return None
    return (
        f"The {_CREDENTIAL_KINDS[used]} from {from_env[used]} is used; {' and '.join(ignored)} "
        f"{'is' if len(ignored) == 1 else 'are'} set too and ignored (among AZURE_* variables a client secret comes "
        "first, then a certificate, then a federated token file, as in azure-identity)."
    )
