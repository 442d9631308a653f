"""The token options' defaults are defined once, and the documentation shows the same values."""

from __future__ import annotations

import yaml

from ansible_collections.azure_ad.oauth.plugins.doc_fragments.token_request import ModuleDocFragment
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared import defaults
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.options import TOKEN_OPTIONS
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import build_token_request
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.retry import RetryPolicy

DOCS = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
# option -> its default; authority_host has none in the spec (AZURE_AUTHORITY_HOST may still fill it).
OPTION_DEFAULTS = {
    "timeout": defaults.DEFAULT_TIMEOUT,
    "retries": defaults.DEFAULT_RETRIES,
    "max_retry_wait": defaults.DEFAULT_MAX_RETRY_WAIT,
    "token_duration": defaults.DEFAULT_TOKEN_DURATION,
    "api_version": defaults.DEFAULT_API_VERSION,
    "cache_dir": defaults.DEFAULT_CACHE_DIR,
    "refresh_margin": defaults.DEFAULT_REFRESH_MARGIN,
}
MINIMAL = {"tenant_id": "contoso.onmicrosoft.com", "client_id": "5f0c8a5e-7c1b-4a57-9d3c-6f1c2e9b4a10",
           "scope": ["https://graph.microsoft.com/.default"]}  # fmt: skip


def test_the_defaults_are_the_documented_numbers():
    assert (defaults.DEFAULT_TIMEOUT, defaults.DEFAULT_RETRIES, defaults.DEFAULT_MAX_RETRY_WAIT) == (30, 4, 60)
    assert defaults.DEFAULT_TOKEN_DURATION == 600 and defaults.DEFAULT_API_VERSION == "v2"
    assert defaults.DEFAULT_AUTHORITY_HOST == "https://login.microsoftonline.com"


def test_the_doc_fragment_shows_every_default():
    for name, value in OPTION_DEFAULTS.items():
        assert DOCS[name]["default"] == value, name
    authority = " ".join(DOCS["authority_host"]["description"])
    assert f"Defaults to V({defaults.DEFAULT_AUTHORITY_HOST})" in authority
    assert "default" not in DOCS["authority_host"]  # so that AZURE_AUTHORITY_HOST can apply


def test_the_option_spec_takes_its_defaults_from_here():
    for name, value in OPTION_DEFAULTS.items():
        assert TOKEN_OPTIONS[name]["default"] is value, name
    assert "default" not in TOKEN_OPTIONS["authority_host"]


def test_options_left_unset_get_the_same_defaults():
    """The unit API (and the lookup) may pass None for an option: validation applies the same defaults."""
    secret = build_token_request({**MINIMAL, "client_secret": "x"}, {})[0]
    certificate = build_token_request({**MINIMAL, "keystore_path": "/k.p12"}, {})[0]
    assert secret.timeout == defaults.DEFAULT_TIMEOUT
    assert secret.retry == RetryPolicy(defaults.DEFAULT_RETRIES, defaults.DEFAULT_MAX_RETRY_WAIT)
    assert secret.api_version == defaults.DEFAULT_API_VERSION
    assert secret.authority_host == defaults.DEFAULT_AUTHORITY_HOST
    assert certificate.certificate.token_duration == defaults.DEFAULT_TOKEN_DURATION


def test_the_retry_policy_defaults_to_the_same_numbers():
    assert RetryPolicy() == RetryPolicy(defaults.DEFAULT_RETRIES, defaults.DEFAULT_MAX_RETRY_WAIT)
