"""The client-secret grant, the request's shape, tenants, clients, scopes and resources."""

from __future__ import annotations

import base64
import re
import time
import uuid

import jwt
import pytest
import requests
from entra_emulator import (
    ARM_LEGACY_RESOURCE,
    ARM_RESOURCE,
    CLIENT_ID,
    CLIENT_OBJECT_ID,
    CLIENT_SECRET,
    CLIENT_SECRET_ID,
    CUSTOM_API_APP_ID,
    CUSTOM_API_ROLES,
    CUSTOM_API_SCOPE,
    GRAPH_RESOURCE,
    GRAPH_ROLES,
    GRAPH_SCOPE,
    KEYVAULT_SCOPE,
    OTHER_CLIENT_ID,
    OTHER_CLIENT_SECRET,
    OTHER_TENANT_ID,
    TENANT_DOMAIN,
    TENANT_ID,
)


def secret_form(scope: str = GRAPH_SCOPE, secret: str = CLIENT_SECRET, client_id: str = CLIENT_ID) -> dict:
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": scope}


def claims_of(entra, response) -> dict:
    token = response.json()["access_token"]
    return jwt.decode(token, entra.issued_token_public_key, algorithms=["RS256"], options={"verify_aud": False})


# -- success ---------------------------------------------------------------------------


def test_v2_success_has_integer_lifetimes_and_a_verifiable_v1_graph_token(entra, token_post):
    response = token_post(secret_form())

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token_type", "expires_in", "ext_expires_in", "access_token"}
    assert (body["token_type"], body["expires_in"], body["ext_expires_in"]) == ("Bearer", 3599, 3599)
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "RS256" and header["kid"] == header["x5t"]
    claims = claims_of(entra, response)
    # Graph tokens are v1.0 tokens, whichever endpoint issued them.
    assert claims["ver"] == "1.0"
    assert claims["aud"] == GRAPH_RESOURCE
    assert claims["iss"] == f"https://sts.windows.net/{TENANT_ID}/"
    assert (claims["appid"], claims["appidacr"], claims["idtyp"]) == (CLIENT_ID, "1", "app")
    assert (claims["tid"], claims["oid"], claims["sub"]) == (TENANT_ID, CLIENT_OBJECT_ID, CLIENT_OBJECT_ID)
    assert claims["roles"] == GRAPH_ROLES
    assert claims["nbf"] == claims["iat"] and claims["exp"] - claims["iat"] == 3599 + 300


def test_v1_success_sends_every_number_as_a_string(entra, token_post):
    form = secret_form()
    del form["scope"]
    form["resource"] = GRAPH_RESOURCE

    response = token_post(form, version="v1")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "token_type",
        "expires_in",
        "ext_expires_in",
        "expires_on",
        "not_before",
        "resource",
        "access_token",
    }
    assert body["expires_in"] == "3599" and body["ext_expires_in"] == "3599"
    assert body["resource"] == GRAPH_RESOURCE
    now = time.time()
    assert int(body["not_before"]) <= now <= int(body["expires_on"])
    assert int(body["expires_on"]) == claims_of(entra, response)["exp"]


def test_a_v2_resource_gets_a_v2_token_with_its_app_id_as_audience(entra, token_post):
    claims = claims_of(entra, token_post(secret_form(CUSTOM_API_SCOPE)))

    assert claims["ver"] == "2.0"
    assert claims["aud"] == CUSTOM_API_APP_ID
    assert claims["iss"] == f"{entra.authority_host}/{TENANT_ID}/v2.0"
    assert (claims["azp"], claims["azpacr"]) == (CLIENT_ID, "1")
    assert claims["roles"] == CUSTOM_API_ROLES
    assert "appid" not in claims


def test_roles_are_left_out_when_the_app_holds_none(entra, token_post):
    claims = claims_of(entra, token_post(secret_form(KEYVAULT_SCOPE)))

    assert "roles" not in claims


@pytest.mark.parametrize("tenant", [TENANT_DOMAIN, TENANT_DOMAIN.upper(), TENANT_ID.upper()])
def test_the_tenant_may_be_named_by_domain_or_in_any_case(entra, token_post, tenant):
    response = token_post(secret_form(), tenant=tenant)

    assert response.status_code == 200
    assert claims_of(entra, response)["tid"] == TENANT_ID


@pytest.mark.parametrize(
    ("scope", "audience"),
    [
        ("https://management.azure.com/.default", "https://management.azure.com"),
        ("https://management.core.windows.net//.default", ARM_LEGACY_RESOURCE),
        ("00000003-0000-0000-c000-000000000000/.default", "00000003-0000-0000-c000-000000000000"),
    ],
)
def test_resources_are_found_by_either_identifier_uri_or_app_id(entra, token_post, scope, audience):
    response = token_post(secret_form(scope))

    assert response.status_code == 200, response.text
    assert claims_of(entra, response)["aud"] == audience


def test_openid_scopes_that_msal_may_add_are_ignored(entra, token_post):
    response = token_post(secret_form(f"{GRAPH_SCOPE} openid profile offline_access"))

    assert response.status_code == 200


def test_http_basic_client_authentication_works(entra, token_post):
    form = secret_form()
    del form["client_secret"], form["client_id"]
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()

    response = token_post(form, headers={"Authorization": f"Basic {basic}"})

    assert response.status_code == 200


def test_a_secret_added_at_run_time_works_and_its_id_is_returned(entra, token_post):
    secret_id = entra.add_secret(CLIENT_ID, "run~time.Secret_value")

    assert re.fullmatch(r"[0-9a-f-]{36}", secret_id)
    assert token_post(secret_form(secret="run~time.Secret_value")).status_code == 200


# -- the error body -----------------------------------------------------------------------


def test_error_body_has_entras_shape_and_echoes_the_client_request_id(entra, token_post):
    correlation_id = str(uuid.uuid4())

    response = token_post(secret_form(secret="wrong"), headers={"client-request-id": correlation_id})

    body = response.json()
    assert body["correlation_id"] == correlation_id
    assert response.headers["client-request-id"] == correlation_id
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", body["timestamp"])
    # As in real Entra bodies, each part after the message starts a line of its own (CR LF).
    assert body["error_description"].endswith(
        f".\r\nTrace ID: {body['trace_id']}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {body['timestamp']}"
    )
    assert body["error_description"].count("\r\n") == 3 and "\n" not in body["error_description"].replace("\r\n", "")
    assert body["error_uri"] == f"{entra.authority_host}/error?code=7000215"
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"


def test_without_a_client_request_id_a_fresh_correlation_id_is_made(entra, token_post):
    body = token_post(secret_form(secret="wrong")).json()

    assert re.fullmatch(r"[0-9a-f-]{36}", body["correlation_id"])
    assert body["correlation_id"] != body["trace_id"]


# -- credentials --------------------------------------------------------------------------


def test_wrong_secret_is_7000215_saying_value_not_id(entra, token_post, refused):
    body = refused(token_post(secret_form(secret="not-the-secret")), 401, "invalid_client", 7000215)

    assert "client secret value, not the client secret ID" in body["error_description"]
    assert f"app '{CLIENT_ID}'" in body["error_description"]


def test_sending_the_secret_id_instead_of_the_value_is_7000215(entra, token_post, refused):
    refused(token_post(secret_form(secret=CLIENT_SECRET_ID)), 401, "invalid_client", 7000215)


def test_an_expired_secret_is_7000222(entra, token_post, refused):
    entra.add_secret(CLIENT_ID, "expired~Secret.value", expires_at=time.time() - 60)

    body = refused(token_post(secret_form(secret="expired~Secret.value")), 401, "invalid_client", 7000222)
    assert "are expired" in body["error_description"]


def test_a_secret_expiring_later_still_works(entra, token_post):
    entra.add_secret(CLIENT_ID, "future~Secret.value", expires_at="2999-01-01T00:00:00Z")

    assert token_post(secret_form(secret="future~Secret.value")).status_code == 200


def test_no_credential_is_7000218(entra, token_post, refused):
    form = secret_form()
    del form["client_secret"]

    refused(token_post(form), 401, "invalid_client", 7000218)


def test_an_empty_secret_counts_as_none(entra, token_post, refused):
    refused(token_post(secret_form(secret="")), 401, "invalid_client", 7000218)


def test_a_secret_and_an_assertion_together_are_refused(entra, token_post, refused, assertion):
    form = secret_form()
    form.update(client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    form["client_assertion"] = assertion()

    refused(token_post(form), 400, "invalid_request", 9002313)


# -- tenant and client ----------------------------------------------------------------------


def test_an_unknown_tenant_is_90002(entra, token_post, refused):
    tenant = str(uuid.uuid4())

    body = refused(token_post(secret_form(), tenant=tenant), 400, "invalid_request", 90002)
    assert f"Tenant '{tenant}' not found" in body["error_description"]


def test_an_unknown_domain_is_90002(entra, token_post, refused):
    refused(token_post(secret_form(), tenant="nowhere.onmicrosoft.com"), 400, "invalid_request", 90002)


def test_a_tenant_neither_guid_nor_domain_is_900023(entra, token_post, refused):
    refused(token_post(secret_form(), tenant="contoso"), 400, "invalid_request", 900023)


@pytest.mark.parametrize(("tenant", "code"), [("common", 9001023), ("consumers", 9001023), ("organizations", 50059)])
def test_client_credentials_need_a_real_tenant(entra, token_post, refused, tenant, code):
    refused(token_post(secret_form(), tenant=tenant), 400, "invalid_request", code)


def test_an_unknown_client_is_700016(entra, token_post, refused):
    client_id = str(uuid.uuid4())

    body = refused(token_post(secret_form(client_id=client_id)), 400, "unauthorized_client", 700016)
    assert (
        f"Application with identifier '{client_id}' was not found in the directory 'Contoso'"
        in (body["error_description"])
    )


def test_an_app_of_another_tenant_is_700016(entra, token_post, refused):
    refused(
        token_post(secret_form(secret=OTHER_CLIENT_SECRET, client_id=OTHER_CLIENT_ID)),
        400,
        "unauthorized_client",
        700016,
    )
    assert (
        token_post(
            secret_form(secret=OTHER_CLIENT_SECRET, client_id=OTHER_CLIENT_ID), tenant=OTHER_TENANT_ID
        ).status_code
        == 200
    )


def test_contoso_app_at_fabrikam_is_700016(entra, token_post, refused):
    refused(token_post(secret_form(), tenant=OTHER_TENANT_ID), 400, "unauthorized_client", 700016)


# -- request shape ---------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["grant_type", "client_id", "scope"])
def test_a_missing_parameter_is_900144(entra, token_post, refused, missing):
    form = secret_form()
    del form[missing]

    body = refused(token_post(form), 400, "invalid_request", 900144)
    assert f"parameter: '{missing}'" in body["error_description"]


def test_a_json_body_reads_as_empty_so_grant_type_is_missing(entra, token_post, refused):
    body = refused(token_post(None, json=secret_form()), 400, "invalid_request", 900144)

    assert "'grant_type'" in body["error_description"]


def test_v1_without_resource_is_900144(entra, token_post, refused):
    body = refused(token_post(secret_form(), version="v1"), 400, "invalid_request", 900144)

    assert "'resource'" in body["error_description"]


def test_v2_refuses_the_v1_resource_parameter(entra, token_post, refused):
    form = secret_form()
    form["resource"] = GRAPH_RESOURCE

    refused(token_post(form), 400, "invalid_request", 901002)


@pytest.mark.parametrize("grant_type", ["password", "authorization_code", "client-credentials"])
def test_another_grant_type_is_70003(entra, token_post, refused, grant_type):
    form = secret_form()
    form["grant_type"] = grant_type

    body = refused(token_post(form), 400, "unsupported_grant_type", 70003)
    assert f"'{grant_type}'" in body["error_description"]


def test_a_repeated_parameter_is_refused(entra, token_post, refused):
    body = "grant_type=client_credentials&grant_type=client_credentials&client_id=x"

    response = token_post(body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    refused(response, 400, "invalid_request", 9002313)


def test_get_on_the_token_endpoint_is_900561(entra, refused):
    response = requests.get(entra.token_endpoint(), timeout=10)

    refused(response, 400, "invalid_request", 900561)


# -- scope and resource ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "scope",
    ["https://graph.microsoft.com/User.Read.All", "User.Read", "openid", ".default", "https://graph.microsoft.com"],
)
def test_a_scope_without_slash_default_is_1002012(entra, token_post, refused, scope):
    body = refused(token_post(secret_form(scope)), 400, "invalid_scope", 1002012)

    assert f"scope {scope} is not valid" in body["error_description"]


@pytest.mark.parametrize(
    "scope",
    [
        f"{GRAPH_SCOPE} {KEYVAULT_SCOPE}",
        f"{GRAPH_SCOPE} https://graph.microsoft.com/User.Read.All",
        "/.default",
    ],
)
def test_two_resources_or_a_mix_is_70011(entra, token_post, refused, scope):
    refused(token_post(secret_form(scope)), 400, "invalid_scope", 70011)


def test_an_unknown_resource_is_500011(entra, token_post, refused):
    body = refused(token_post(secret_form("https://unknown.example.com/.default")), 400, "invalid_resource", 500011)

    assert (
        "resource principal named https://unknown.example.com was not found in the tenant named Contoso"
        in (body["error_description"])
    )


def test_a_tenant_resource_is_unknown_in_another_tenant(entra, token_post, refused):
    form = secret_form(CUSTOM_API_SCOPE, secret=OTHER_CLIENT_SECRET, client_id=OTHER_CLIENT_ID)

    refused(token_post(form, tenant=OTHER_TENANT_ID), 400, "invalid_resource", 500011)


def test_v1_unknown_resource_is_500011(entra, token_post, refused):
    form = secret_form()
    del form["scope"]
    form["resource"] = "https://unknown.example.com"

    refused(token_post(form, version="v1"), 400, "invalid_resource", 500011)


def test_v1_accepts_both_arm_identifiers(entra, token_post):
    for resource in (ARM_RESOURCE, ARM_LEGACY_RESOURCE):
        form = secret_form()
        del form["scope"]
        form["resource"] = resource
        response = token_post(form, version="v1")
        assert response.status_code == 200
        assert response.json()["resource"] == resource
        assert claims_of(entra, response)["aud"] == resource


def test_a_wrong_secret_is_reported_before_a_bad_resource(entra, token_post, refused):
    refused(token_post(secret_form("https://unknown.example.com/.default", secret="x")), 401, "invalid_client", 7000215)
