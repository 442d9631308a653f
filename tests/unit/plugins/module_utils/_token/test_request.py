"""Option validation: every rule names the option at fault."""

from __future__ import annotations

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.options import TOKEN_OPTIONS
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import (
    MAX_TOKEN_DURATION,
    build_target,
    build_token_request,
    resource_default_scope,
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
        ({"timeout": 0}, "timeout", "timeout must be more than 0 and at most 600 seconds, not 0."),
        ({"timeout": -1}, "timeout", "more than 0 and at most 600 seconds, not -1."),
        ({"timeout": 600.5}, "timeout", "at most 600 seconds, not 600.5."),
        ({"timeout": float("inf")}, "timeout", "timeout must be a number of seconds."),
        ({"timeout": float("nan")}, "timeout", "timeout must be a number of seconds."),
        ({"timeout": "soon"}, "timeout", "timeout must be a number of seconds."),
        ({"retries": "x"}, "retries", "retries must be an integer."),
        ({"retries": 1.5}, "retries", "retries must be an integer."),
        ({"max_retry_wait": float("inf")}, "max_retry_wait", "must be a number of seconds"),
        ({"scope": ["https://graph.microsoft.com/User.Read\x1b[2J"]}, "scope", "not a valid resource identifier"),
        ({"authority_host": "https://login.example.com:99999"}, "authority_host", "no path"),
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


def test_several_credentials_from_environment_take_the_first_and_say_so():
    # Issue 12: azure-identity's order (secret, certificate, federated token file) instead of failing.
    env = {"AZURE_CLIENT_SECRET": "a", "AZURE_CLIENT_CERTIFICATE_PATH": "/k.p12", "AZURE_FEDERATED_TOKEN_FILE": "/t"}
    request, _unused = build_token_request(options(client_secret=None), env)
    assert request.client_secret == "a" and request.certificate is None and request.federated is None
    (note,) = request.notes
    assert "AZURE_CLIENT_SECRET is used" in note
    assert "AZURE_CLIENT_CERTIFICATE_PATH and AZURE_FEDERATED_TOKEN_FILE are set too and ignored" in note
    request, _unused = build_token_request(options(client_secret=None), {**env, "AZURE_CLIENT_SECRET": ""})
    assert request.certificate.keystore_path == "/k.p12" and request.federated is None
    request, _unused = build_token_request(options(client_secret=None), {"AZURE_FEDERATED_TOKEN_FILE": "/t"})
    assert request.federated.assertion_path == "/t"
    assert request.federated.option == (
        "client_assertion_path (from the environment variable AZURE_FEDERATED_TOKEN_FILE)")
    assert request.notes == ()


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


@pytest.mark.parametrize("timeout", [0.001, 0.5, 30, 600])
def test_timeout_range_is_open_at_zero_and_closed_at_600(timeout):
    assert build_token_request(options(timeout=timeout), {})[0].timeout == timeout


# -- NUL bytes, blank values -----------------------------------------------------------------------------------

STRING_OPTIONS = [name for name, spec in TOKEN_OPTIONS.items() if spec["type"] in ("str", "path", "list")]


@pytest.mark.parametrize("name", STRING_OPTIONS)
def test_a_nul_byte_in_any_string_option_is_refused_first(name):
    value = ["https://graph.microsoft.com/.default\x00s3kr1t"] if name == "scope" else "s3kr1t\x00word"
    # Other options are wrong too (no tenant_id): the NUL byte is reported before anything else.
    with pytest.raises(OptionError) as info:
        build_token_request({**options(tenant_id=None), name: value}, {})
    assert info.value.option == name
    assert str(info.value).startswith(f"{name} holds a NUL byte")
    assert "s3kr1t" not in str(info.value)


def test_a_nul_byte_in_a_lookup_term_is_refused():
    with pytest.raises(OptionError) as info:
        target_from_term("https://graph.microsoft.com\x00", "v2")
    assert info.value.option == "_terms"


@pytest.mark.parametrize("name", ["client_secret", "keystore_password", "key_password"])
def test_a_password_of_spaces_is_a_password(name):
    base = options() if name == "client_secret" else options(client_secret=None, keystore_path="/k.p12")
    request, _unused = build_token_request({**base, name: "   "}, {})
    assert "   " in request.secrets


@pytest.mark.parametrize("name", ["client_secret", "keystore_password", "key_password"])
def test_an_empty_password_is_refused(name):
    base = options() if name == "client_secret" else options(client_secret=None, keystore_path="/k.p12")
    with pytest.raises(OptionError, match=f"^{name} is empty; give a value or leave it out.$"):
        build_token_request({**base, name: ""}, {})


@pytest.mark.parametrize("name", ["tenant_id", "keystore_alias", "authority_host"])
def test_a_blank_name_is_empty(name):
    with pytest.raises(OptionError, match=f"^{name} is empty"):
        build_token_request({**options(), name: "  "}, {})


# -- values that may be secrets are never quoted back ------------------------------------------------------------

ENTRA_LIKE_SECRET = "Xy98Q~abcdefghijklmnopqrstuvwxyz012345678"


@pytest.mark.parametrize("name", ["client_id", "tenant_id"])
@pytest.mark.parametrize("value", [ENTRA_LIKE_SECRET, "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="])
def test_a_secret_given_as_an_id_is_not_quoted(name, value):
    with pytest.raises(OptionError) as info:
        build_token_request(options(**{name: value}), {})
    assert value not in str(info.value) and value[:8] not in str(info.value)
    assert "looks like a secret, not shown" in str(info.value)
    assert info.value.option == name


def test_an_ordinary_wrong_id_is_quoted_for_the_user():
    with pytest.raises(OptionError, match="client_id 'my-app-registration' is not a GUID"):
        build_token_request(options(client_id="my-app-registration"), {})


# -- authority_host ----------------------------------------------------------------------------------------------

USERINFO = ["https://user:pa55word@login.example.com", "https://pa55word@login.example.com",
            "https://user:pa/55word@login.example.com", "user:pa55word@login.example.com",
            "https://login.example.com/path@pa55word", "http://user:pa55word@127.0.0.1:8443"]  # fmt: skip


@pytest.mark.parametrize("value", USERINFO)
@pytest.mark.parametrize("source", ["option", "environment"])
def test_credentials_in_authority_host_are_refused_and_never_shown(value, source):
    if source == "option":
        given, env, name = options(authority_host=value), {}, "authority_host"
    else:
        given, env = options(), {"AZURE_AUTHORITY_HOST": value}
        name = "authority_host (from the environment variable AZURE_AUTHORITY_HOST)"
    with pytest.raises(OptionError) as info:
        build_token_request(given, env)
    message = str(info.value)
    assert message.startswith(f"{name} holds a user name or password")
    assert "pa55word" not in message and "pa/55" not in message and "user:" not in message.replace("user:password", "")
    assert info.value.option == "authority_host"


@pytest.mark.parametrize(
    ("value", "shown"),
    [("https://login.example.com/tenant?secret=abc#frag", "'https://login.example.com/...'"),
     ("https://login.example.com?token=abc", "'https://login.example.com/...'"),
     ("https://login.example.com#abc", "'https://login.example.com/...'"),
     ("login.example.com", "'login.example.com'")],
)  # fmt: skip
def test_authority_host_is_quoted_up_to_its_host(value, shown):
    with pytest.raises(OptionError) as info:
        build_token_request(options(authority_host=value), {})
    assert str(info.value) == f"authority_host {shown} must be a URL with no path, such as https://login.microsoftonline.com."
    assert "abc" not in str(info.value) and "tenant" not in str(info.value)


NOT_LOOPBACK = ["10.0.0.1", "10.255.255.254", "172.16.0.1", "172.31.255.1", "192.168.0.1", "192.168.255.254",
                "169.254.169.254", "[fe80::1]", "8.8.8.8", "20.190.160.1", "[2001:db8::1]", "[fd00::1]",
                "0.0.0.0", "[::]",  # noqa: S104 - strings refused by validation, never bound "[::ffff:10.0.0.1]", "localhost.example.com", "127.0.0.1.example.com", "mylocalhost",
                "login.microsoftonline.com", "127.1", "2130706433"]  # fmt: skip


@pytest.mark.parametrize("host", NOT_LOOPBACK)
def test_plain_http_is_refused_for_every_non_loopback_host(host):
    # Only validated: nothing is sent to these addresses.
    with pytest.raises(OptionError) as info:
        build_token_request(options(authority_host=f"http://{host}:8080"), {})
    assert "uses plain http" in str(info.value) and info.value.option == "authority_host"
    with pytest.raises(OptionError, match="uses plain http"):
        build_token_request(options(), {"AZURE_AUTHORITY_HOST": f"http://{host}"})


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "127.255.255.254", "localhost", "LOCALHOST", "LocalHost",
                                  "localhost.", "[::1]", "[0:0:0:0:0:0:0:1]"])  # fmt: skip
def test_plain_http_is_allowed_on_loopback(host):
    request, _unused = build_token_request(options(authority_host=f"http://{host}:8443"), {})
    assert request.authority_host == f"http://{host}:8443"


@pytest.mark.parametrize("host", ["10.0.0.1", "[fe80::1]", "8.8.8.8", "login.microsoftonline.us"])
def test_https_is_allowed_anywhere(host):
    assert build_token_request(options(authority_host=f"https://{host}"), {})[0].authority_host == f"https://{host}"


# -- scope hints -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("scope", "suggestion"),
    [
        ("https://graph.microsoft.com/User.Read", "https://graph.microsoft.com/.default"),
        ("https://graph.microsoft.com/User.Read.All", "https://graph.microsoft.com/.default"),
        ("https://graph.microsoft.com", "https://graph.microsoft.com/.default"),
        ("https://graph.microsoft.com/", "https://graph.microsoft.com/.default"),
        ("api://8eaef023-2b34-4da1-9baa-8bc8c9d6a490/Files.Read", "api://8eaef023-2b34-4da1-9baa-8bc8c9d6a490/.default"),
        ("8eaef023-2b34-4da1-9baa-8bc8c9d6a490/Files.Read", "8eaef023-2b34-4da1-9baa-8bc8c9d6a490/.default"),
        ("https://contoso.com/api/Read", "https://contoso.com/api/.default"),
    ],
)
def test_a_delegated_scope_is_told_its_resource_default_scope(scope, suggestion):
    assert resource_default_scope(scope) == suggestion
    with pytest.raises(OptionError) as info:
        build_target(None, [scope], "v2")
    assert str(info.value) == (
        f"scope {scope!r} does not end with /.default. The client credentials grant only accepts the resource's "
        f"default scope, for example {suggestion}."
    )


def test_resource_default_scope_of_a_default_scope_is_itself():
    assert resource_default_scope("https://graph.microsoft.com/.default") == "https://graph.microsoft.com/.default"
    assert resource_default_scope("https://graph.microsoft.com/User.Read/.default") == (
        "https://graph.microsoft.com/.default")


def test_a_bare_delegated_permission_is_not_a_resource_uri():
    with pytest.raises(OptionError, match=r"scope 'User\.Read' is not a resource URI such as"):
        build_target(None, ["User.Read"], "v2")


def test_the_doc_fragment_states_the_same_bounds():
    """The limits the validation applies are the ones the documentation gives."""
    import yaml

    from ansible_collections.azure_ad.oauth.plugins.doc_fragments.token_request import ModuleDocFragment
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token import request

    docs = {name: " ".join(spec["description"]) for name, spec in
            yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"].items()}  # fmt: skip
    assert f"Between 1 and {request.MAX_TOKEN_DURATION}." in docs["token_duration"]
    assert f"More than 0 and at most {request.MAX_TIMEOUT};" in docs["timeout"]
    assert f"between 0 and {request.MAX_RETRIES}." in docs["retries"]
    assert f"between 0 and {request.MAX_RETRY_WAIT}." in docs["max_retry_wait"]


@pytest.mark.parametrize(("name", "said"), [
    ("tenant_id", "tenant_id is required: the directory (tenant) ID or a verified domain such as "
                  "contoso.onmicrosoft.com. It may also come from AZURE_TENANT_ID."),
    ("client_id", "client_id is required: the application (client) ID of the app registration. It may also come "
                  "from AZURE_CLIENT_ID."),
])  # fmt: skip
def test_a_missing_id_says_what_it_is_and_which_variable_may_give_it(name, said):
    with pytest.raises(OptionError) as caught:
        build_token_request(options(**{name: None}), {})
    assert str(caught.value) == said and caught.value.option == name


# -- issue 12: the federated credential, named clouds, more of azure-identity's environment -----------------


@pytest.mark.parametrize(("cloud", "host"), [
    (None, "https://login.microsoftonline.com"),
    ("public", "https://login.microsoftonline.com"),
    ("usgovernment", "https://login.microsoftonline.us"),
    ("china", "https://login.chinacloudapi.cn"),
])  # fmt: skip
def test_cloud_sets_the_login_host_of_the_endpoint(cloud, host):
    request, _unused = build_token_request(options(cloud=cloud), {})
    assert request.token_endpoint == f"{host}/{TENANT}/oauth2/v2.0/token"
    assert request.cloud == (cloud or "public")


@pytest.mark.parametrize("cloud", ["usgovernment", "china"])
def test_authority_host_wins_over_cloud_as_option_or_from_the_environment(cloud):
    explicit, _unused = build_token_request(options(cloud=cloud, authority_host="https://login.example.test"), {})
    assert explicit.authority_host == "https://login.example.test"
    from_env, _unused = build_token_request(options(cloud=cloud), {"AZURE_AUTHORITY_HOST": "https://127.0.0.1:9"})
    assert from_env.authority_host == "https://127.0.0.1:9"


@pytest.mark.parametrize("cloud", ["germany", "", "PUBLIC", 3])
def test_an_unknown_cloud_is_refused_naming_the_option(cloud):
    with pytest.raises(OptionError) as info:
        build_token_request(options(cloud=cloud), {})
    assert info.value.option == "cloud"


@pytest.mark.parametrize("extra", [
    {"keystore_path": "/k.p12"}, {"client_assertion": "a.b.c"}, {"client_assertion_path": "/t"},
])
def test_two_explicit_credentials_are_refused_naming_the_first(extra):
    with pytest.raises(OptionError, match="are mutually exclusive; give exactly one credential") as info:
        build_token_request(options(**extra), {})
    assert info.value.option == "client_secret"
    assert "s3cret-value" not in str(info.value)


def test_client_assertion_and_its_path_together_are_refused():
    with pytest.raises(OptionError) as info:
        build_token_request(options(client_secret=None, client_assertion="a.b.c", client_assertion_path="/t"), {})
    assert str(info.value) == ("client_assertion and client_assertion_path are mutually exclusive; give exactly one "
                               "credential.")
    assert info.value.option == "client_assertion"


def test_a_client_assertion_is_a_secret_of_the_request():
    request, _unused = build_token_request(options(client_secret=None, client_assertion=" h.p.s \n"), {})
    assert request.federated.assertion == "h.p.s" and request.federated.option == "client_assertion"
    assert "h.p.s" in request.secrets
    assert "h.p.s" not in repr(request)


def test_an_explicit_federated_file_is_not_joined_by_environment_credentials():
    env = {"AZURE_CLIENT_SECRET": "a", "AZURE_CLIENT_CERTIFICATE_PATH": "/k.p12", "AZURE_FEDERATED_TOKEN_FILE": "/e"}
    request, _unused = build_token_request(options(client_secret=None, client_assertion_path="/mine"), env)
    assert request.federated.assertion_path == "/mine" and request.federated.option == "client_assertion_path"
    assert request.client_secret is None and request.certificate is None and request.notes == ()


@pytest.mark.parametrize(("value", "expected"), [
    ("true", True), ("True", True), ("1", True), ("yes", True), ("false", False), ("0", False), ("no", False),
])
def test_azure_client_send_certificate_chain_sets_send_certificate_chain(value, expected):
    env = {"AZURE_CLIENT_CERTIFICATE_PATH": "/k.p12", "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN": value}
    request, _unused = build_token_request(options(client_secret=None), env)
    assert request.certificate.send_certificate_chain is expected


def test_an_explicit_send_certificate_chain_wins_and_unset_is_false():
    env = {"AZURE_CLIENT_SEND_CERTIFICATE_CHAIN": "true"}
    explicit, _unused = build_token_request(options(client_secret=None, keystore_path="/k",
                                                    send_certificate_chain=False), env)  # fmt: skip
    assert explicit.certificate.send_certificate_chain is False
    unset, _unused = build_token_request(options(client_secret=None, keystore_path="/k"), {})
    assert unset.certificate.send_certificate_chain is False


def test_a_bad_azure_client_send_certificate_chain_names_the_variable():
    env = {"AZURE_CLIENT_SEND_CERTIFICATE_CHAIN": "maybe"}
    with pytest.raises(OptionError) as info:
        build_token_request(options(client_secret=None, keystore_path="/k"), env)
    assert info.value.option == "send_certificate_chain"
    assert str(info.value) == ("send_certificate_chain (from the environment variable "
                               "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN) must be true or false.")
