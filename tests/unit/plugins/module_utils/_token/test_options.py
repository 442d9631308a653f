"""The argument spec and the documentation describe the same options."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.azure_ad.oauth.plugins.doc_fragments.token_request import ModuleDocFragment
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.clouds import CLOUDS
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.options import (
    CREDENTIAL_OPTIONS,
    ENVIRONMENT_FALLBACKS,
    SECRET_OPTIONS,
    TOKEN_OPTIONS,
    apply_environment,
    environment_credential_note,
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
    assert set(SECRET_OPTIONS) == {"client_secret", "keystore_password", "key_password", "client_assertion"}
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


def test_one_credential_at_most_comes_from_the_environment_in_azure_identitys_order():
    environ = {"AZURE_CLIENT_SECRET": "s", "AZURE_CLIENT_CERTIFICATE_PATH": "/k.p12",
               "AZURE_FEDERATED_TOKEN_FILE": "/var/run/token"}
    merged, origins = apply_environment({}, environ)
    assert (merged.get("client_secret"), merged.get("keystore_path"), merged.get("client_assertion_path")) == (
        "s", None, None)
    assert origins["client_secret"] == "AZURE_CLIENT_SECRET"
    merged, origins = apply_environment({}, {**environ, "AZURE_CLIENT_SECRET": ""})
    assert (merged.get("keystore_path"), merged.get("client_assertion_path")) == ("/k.p12", None)
    merged, origins = apply_environment({}, {"AZURE_FEDERATED_TOKEN_FILE": "/var/run/token"})
    assert merged["client_assertion_path"] == "/var/run/token"
    assert origins == {"client_assertion_path": "AZURE_FEDERATED_TOKEN_FILE"}


def test_an_explicit_federated_credential_is_never_joined_by_one_from_the_environment():
    environ = {"AZURE_CLIENT_SECRET": "s", "AZURE_FEDERATED_TOKEN_FILE": "/var/run/token"}
    for explicit in ({"client_assertion": "a.b.c"}, {"client_assertion_path": "/mine"}, {"keystore_path": "/k"}):
        merged, origins = apply_environment(explicit, environ)
        assert merged.get("client_secret") is None, explicit
        assert set(origins).isdisjoint(CREDENTIAL_OPTIONS), explicit


@pytest.mark.parametrize(("environ", "used", "ignored"), [
    ({"AZURE_CLIENT_SECRET": "s", "AZURE_FEDERATED_TOKEN_FILE": "/t"}, "AZURE_CLIENT_SECRET",
     ["AZURE_FEDERATED_TOKEN_FILE"]),
    ({"AZURE_CLIENT_CERTIFICATE_PATH": "/k", "AZURE_FEDERATED_TOKEN_FILE": "/t"}, "AZURE_CLIENT_CERTIFICATE_PATH",
     ["AZURE_FEDERATED_TOKEN_FILE"]),
    ({"AZURE_CLIENT_SECRET": "s", "AZURE_CLIENT_CERTIFICATE_PATH": "/k", "AZURE_FEDERATED_TOKEN_FILE": "/t"},
     "AZURE_CLIENT_SECRET", ["AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_FEDERATED_TOKEN_FILE"]),
])
def test_the_note_says_which_environment_credential_was_used(environ, used, ignored):
    _merged, origins = apply_environment({}, environ)
    note = environment_credential_note(origins, environ)
    assert f"from {used} is used" in note
    for variable in ignored:
        assert variable in note
    assert "s" not in note.split()  # the secret's value is never in it


def test_no_note_when_one_credential_or_an_explicit_one():
    alone = {"AZURE_CLIENT_SECRET": "s"}
    assert environment_credential_note(apply_environment({}, alone)[1], alone) is None
    both = {"AZURE_CLIENT_SECRET": "s", "AZURE_FEDERATED_TOKEN_FILE": "/t"}
    assert environment_credential_note(apply_environment({"client_assertion": "x"}, both)[1], both) is None


def test_cloud_choices_are_the_named_clouds():
    assert TOKEN_OPTIONS["cloud"]["choices"] == list(CLOUDS) == ["public", "usgovernment", "china"]
    assert TOKEN_OPTIONS["cloud"]["default"] == "public"


def test_new_options_say_when_they_were_added():
    for name in ("client_assertion", "client_assertion_path", "cloud"):
        assert str(DOCS[name]["version_added"]) == "0.2.0", name
