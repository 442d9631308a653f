"""Reading Entra's answers: ints out of v1 strings, one-line errors, no secrets."""

from __future__ import annotations

import json

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._errors import TokenEndpointError
from ansible_collections.azure_ad.oauth.plugins.module_utils._http import HttpResponse
from ansible_collections.azure_ad.oauth.plugins.module_utils._token_request import TokenTarget
from ansible_collections.azure_ad.oauth.plugins.module_utils._token_response import parse_token_response

# header {"alg":"none"} . {"aud":"https://graph.microsoft.com","roles":["A"]} . (no signature)
JWT = "eyJhbGciOiJub25lIn0.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJyb2xlcyI6WyJBIl19.c2ln"
V2 = TokenTarget(scopes=("https://graph.microsoft.com/.default",))
V1 = TokenTarget(resource="https://management.azure.com")


def answer(status, payload, raw=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    return HttpResponse(status=status, headers={}, body=body, client_request_id="req-1")


def test_v2_success_computes_expires_on():
    result = parse_token_response(
        answer(200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": JWT}),
        V2, "v2", sent_at=1000.7)
    assert result.to_dict() == {
        "access_token": JWT, "token_type": "Bearer", "expires_in": 3599, "expires_on": 4599,
        "ext_expires_in": 3599, "api_version": "v2", "scope": ["https://graph.microsoft.com/.default"],
        "claims": {"aud": "https://graph.microsoft.com", "roles": ["A"]},
    }


def test_v1_numbers_arrive_as_strings_and_leave_as_ints():
    result = parse_token_response(
        answer(200, {"token_type": "Bearer", "expires_in": "3599", "ext_expires_in": "3599", "expires_on": "1795999999",
                     "not_before": "1795996399", "resource": "https://management.azure.com", "access_token": "opaque"}),
        V1, "v1", sent_at=0)
    data = result.to_dict()
    assert (data["expires_in"], data["ext_expires_in"], data["expires_on"]) == (3599, 3599, 1795999999)
    assert data["resource"] == "https://management.azure.com"
    assert "claims" not in data and "scope" not in data


def test_entra_error_becomes_one_readable_line():
    payload = {
        "error": "invalid_client",
        "error_description": "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
                             "request is the client secret value.\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\n"
                             "Timestamp: 2026-11-27 23:59:59Z",
        "error_codes": [7000215], "timestamp": "2026-11-27 23:59:59Z", "trace_id": "t-1", "correlation_id": "c-1",
    }
    with pytest.raises(TokenEndpointError) as info:
        parse_token_response(answer(401, payload), V2, "v2", 0)
    err = info.value
    assert err.message == ("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
                           "request is the client secret value. (invalid_client, HTTP 401, trace_id t-1, "
                           "correlation_id c-1)")
    assert str(err) == err.message + " Hint: Use the client secret's Value, not its Secret ID, and check it " \
                                     "belongs to this client_id."
    assert err.option == "client_secret"
    assert (err.status, err.error_codes, err.trace_id, err.correlation_id) == (401, (7000215,), "t-1", "c-1")
    assert "\n" not in str(err)


def test_non_json_error_shows_status_and_redacted_excerpt():
    secret = "p" * 30
    body = ("<html><body>Bad gateway " + secret + " " + "x" * 500 + "</body></html>").encode()
    with pytest.raises(TokenEndpointError) as info:
        parse_token_response(answer(502, None, raw=body), V2, "v2", 0, secrets=(secret,))
    message = str(info.value)
    assert "HTTP 502" in message and "Bad gateway" in message
    assert secret not in message and secret[:10] not in message
    assert len(message) < 400


def test_secret_cut_at_the_excerpt_boundary_leaves_no_prefix():
    secret = "S" * 40
    body = ("a" * 190 + secret).encode()
    with pytest.raises(TokenEndpointError) as info:
        parse_token_response(answer(500, None, raw=body), V2, "v2", 0, secrets=(secret,))
    assert "SSSS" not in str(info.value)


def test_ok_without_expires_in_is_an_error():
    with pytest.raises(TokenEndpointError, match="expires_in"):
        parse_token_response(answer(200, {"access_token": "x"}), V2, "v2", 0)
