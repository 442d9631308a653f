"""Option validation: every rule names the option at fault."""

from __future__ import annotations

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._errors import OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token_request import (
    MAX_TOKEN_DURATION,
    build_target,
    build_token_request,
    target_from_term,
)

TENANT = "8eaef023-2b34-4da1-9baa-8bc8c9d6a490"
CLIENT = "5f0c8a5e-7c1b-4a57-9d3c-6f1c2e9b4a10"


def options(**overrides):
    base = {"tenant_id": TENANT, "client_id": CLIENT, "client_secret": "s3cret-value", "scope": [
        "https://graph.microsoft.com/.default"]}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def test_secret_request_v2_endpoint_and_target():
    request, target = build_token_request(options(), {})
    assert request.token_endpoint == f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
    assert request.certificate is None
    assert target.form_fields("v2") == {"scope": "https://graph.microsoft.com/.default"}
    assert request.secrets == ("s3cret-value",)
    assert "s3cret-value" not in repr(request)


def test_v1_endpoint_takes_resource():
    request, target = build_token_request(options(scope=None, resource="https://management.azure.com",
                                                  api_version="v1"), {})
    assert request.token_endpoint == f"https://login.microsoftonline.com/{TENANT}/oauth2/token"
    assert target.form_fields("v1") == {"resource": "https://management.azure.com"}


def test_resource_on_v2_becomes_default_scope_literally():
    # Entra keeps a trailing slash in the audience, hence the literal "//.default".
    assert build_target("https://management.core.windows.net/", None, "v2").scopes == (
        "https://management.core.windows.net//.default",)
    assert build_target("https://graph.microsoft.com", None, "v2").scopes == ("https://graph.microsoft.com/.default",)


def test_no_target_is_left_to_the_adapter_but_build_target_requires_one():
    _unused, target = build_token_request(options(scope=None), {})
    assert target is None
    with pytest.raises(OptionError, match="either resource") as info:
        build_target(None, None, "v2")
    assert info.value.option == "resource"


def test_scope_on_v1_becomes_resource():
    assert build_target(None, ["https://vault.azure.net/.default"], "v1").resource == "https://vault.azure.net"


@pytest.mark.parametrize(
    ("overrides", "option", "fragment"),
    [
        ({"tenant_id": None}, "tenant_id", "required"),
        ({"tenant_id": "not a tenant"}, "tenant_id", "neither a GUID"),
        ({"tenant_id": "common"}, "tenant_id", "multi-tenant"),
        ({"client_id": None}, "client_id", "required"),
        ({"client_id": "my-app"}, "client_id", "not a GUID"),
        ({"client_secret": None}, "client_secret", "credential is required"),
        ({"keystore_path": "/tmp/x.p12"}, "client_secret", "mutually exclusive"),
        ({"client_secret": ""}, "client_secret", "is empty"),
        ({"resource": "https://graph.microsoft.com"}, "resource", "mutually exclusive"),
        ({"scope": ["https://graph.microsoft.com/User.Read"]}, "scope", "/.default"),
        ({"scope": ["graph"]}, "scope", "not a resource URI"),
        ({"scope": []}, "scope", "empty"),
        ({"authority_host": "http://login.example.com"}, "authority_host", "plain http"),
        ({"authority_host": "https://login.example.com/tenant"}, "authority_host", "no path"),
        ({"authority_host": "ftp://x"}, "authority_host", "no path"),
        ({"timeout": 0}, "timeout", "between"),
    ],
)
def test_bad_options_name_the_option(overrides, option, fragment):
    with pytest.raises(OptionError) as info:
        build_token_request(options(**overrides), {})
    assert info.value.option == option
    assert fragment in str(info.value)
    assert "s3cret-value" not in str(info.value)


@pytest.mark.parametrize("duration", [0, -5, MAX_TOKEN_DURATION + 1, 10**9])
def test_token_duration_bounds(duration):
    with pytest.raises(OptionError) as info:
        build_token_request(options(client_secret=None, keystore_path="/x", token_duration=duration), {})
    assert info.value.option == "token_duration"


def test_loopback_http_is_allowed_for_tests():
    for host in ("http://127.0.0.1:8443", "http://localhost:1", "http://[::1]:9"):
        request, _unused = build_token_request(options(authority_host=host), {})
        assert request.authority_host == host


def test_environment_fills_unset_options_only():
    env = {"AZURE_TENANT_ID": "contoso.onmicrosoft.com", "AZURE_CLIENT_ID": CLIENT, "AZURE_CLIENT_SECRET": "from-env",
           "AZURE_AUTHORITY_HOST": "https://login.microsoftonline.us/"}
    request, _unused = build_token_request(options(tenant_id=None, client_secret=None), env)
    assert request.tenant_id == "contoso.onmicrosoft.com"
    assert request.client_secret == "from-env"
    assert request.authority_host == "https://login.microsoftonline.us"
    explicit, _unused = build_token_request(options(), env)
    assert explicit.tenant_id == TENANT and explicit.client_secret == "s3cret-value"


def test_explicit_certificate_is_not_joined_by_environment_secret():
    env = {"AZURE_CLIENT_SECRET": "from-env", "AZURE_CLIENT_CERTIFICATE_PASSWORD": "pw-env"}
    request, _unused = build_token_request(options(client_secret=None, keystore_path="/k.p12"), env)
    assert request.client_secret is None
    assert request.certificate.keystore_path == "/k.p12"
    assert request.certificate.keystore_password == "pw-env"
    assert request.certificate.key_password is None


def test_both_credentials_from_environment_is_an_error():
    env = {"AZURE_CLIENT_SECRET": "a", "AZURE_CLIENT_CERTIFICATE_PATH": "/k.p12"}
    with pytest.raises(OptionError, match="mutually exclusive"):
        build_token_request(options(client_secret=None), env)


def test_bad_value_from_environment_says_where_it_came_from():
    with pytest.raises(OptionError, match="AZURE_TENANT_ID"):
        build_token_request(options(tenant_id=None), {"AZURE_TENANT_ID": "bad tenant!"})


def test_key_password_is_left_to_the_reader_unless_given():
    request, _unused = build_token_request(options(client_secret=None, keystore_path="/k", keystore_password="a"), {})
    assert request.certificate.key_password is None
    assert request.secrets == ("a",)
    request, _unused = build_token_request(
        options(client_secret=None, keystore_path="/k", keystore_password="a", key_password="b"), {})
    assert request.certificate.key_password == "b"
    assert set(request.secrets) == {"a", "b"}


def test_thumbprint_is_parsed_and_validated():
    request, _unused = build_token_request(
        options(client_secret=None, keystore_path="/k", thumbprint="ab:" * 19 + "ab"), {})
    assert request.certificate.thumbprint == b"\xab" * 20
    with pytest.raises(OptionError) as info:
        build_token_request(options(client_secret=None, keystore_path="/k", thumbprint="abc"), {})
    assert info.value.option == "thumbprint"


def test_verify_follows_validate_certs_and_ca_path():
    assert build_token_request(options(validate_certs=False, ca_path="/ca.pem"), {})[0].verify is False
    assert build_token_request(options(ca_path="/ca.pem"), {})[0].verify == "/ca.pem"
    assert build_token_request(options(), {})[0].verify is True


@pytest.mark.parametrize(
    ("term", "resource", "scopes"),
    [
        ("https://graph.microsoft.com", "https://graph.microsoft.com", ("https://graph.microsoft.com/.default",)),
        ("https://graph.microsoft.com/.default", None, ("https://graph.microsoft.com/.default",)),
    ],
)
def test_lookup_terms_are_resources_or_scopes(term, resource, scopes):
    target = target_from_term(term, "v2")
    assert target.resource == resource
    assert target.scopes == scopes


def test_empty_lookup_term_is_rejected():
    with pytest.raises(OptionError):
        target_from_term("  ", "v2")
