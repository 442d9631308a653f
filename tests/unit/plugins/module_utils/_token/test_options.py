"""The argument spec and the documentation describe the same options."""

from __future__ import annotations

import yaml

from ansible_collections.azure_ad.oauth.plugins.doc_fragments.token_request import ModuleDocFragment
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.options import (
    ENVIRONMENT_FALLBACKS,
    SECRET_OPTIONS,
    TOKEN_OPTIONS,
    apply_environment,
    token_argument_spec,
)

DOCS = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
PLUGIN_DOCS = yaml.safe_load(ModuleDocFragment.PLUGINS)["options"]


def test_every_option_is_documented_with_the_same_contract():
    assert set(DOCS) == set(TOKEN_OPTIONS)
    for name, spec in TOKEN_OPTIONS.items():
        doc = DOCS[name]
        assert doc["type"] == spec["type"], name
        assert doc.get("default") == spec.get("default"), name
        assert doc.get("choices") == spec.get("choices"), name
        assert doc.get("aliases") == spec.get("aliases"), name
        assert doc.get("elements") == spec.get("elements"), name


def test_secrets_are_no_log_and_never_read_from_ini():
    assert set(SECRET_OPTIONS) == {"client_secret", "keystore_password", "key_password"}
    for name in SECRET_OPTIONS:
        assert "ini" not in PLUGIN_DOCS[name], name
    for name in set(TOKEN_OPTIONS) - set(SECRET_OPTIONS):
        assert PLUGIN_DOCS[name]["ini"] == [{"section": "azure_ad_oauth", "key": name}]
    for name in TOKEN_OPTIONS:
        assert PLUGIN_DOCS[name]["vars"] == [{"name": f"azure_ad_oauth_{name}"}]


def test_azure_variables_are_documented_where_they_apply():
    for name, variable in ENVIRONMENT_FALLBACKS.items():
        assert variable in " ".join(DOCS[name]["description"]), name


def test_argument_spec_is_a_fresh_copy():
    spec = token_argument_spec()
    spec["scope"]["elements"] = "int"
    assert TOKEN_OPTIONS["scope"]["elements"] == "str"


def test_environment_is_read_last_and_empty_variables_are_unset():
    merged, origins = apply_environment({"tenant_id": "explicit", "client_id": None},
                                        {"AZURE_TENANT_ID": "env", "AZURE_CLIENT_ID": ""})
    assert merged["tenant_id"] == "explicit"
    assert merged["client_id"] is None
    assert origins == {}
