"""Whatever a client sends, the answer is a well-formed Entra refusal: never a token, never a 500."""

from __future__ import annotations

import pytest
import requests
from entra_emulator import CLIENT_ID, GRAPH_SCOPE, JWT_BEARER
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
REFUSALS = {400, 401}


@pytest.fixture(scope="module")
def session():
    with requests.Session() as s:
        yield s


def assert_entra_refusal(response: requests.Response) -> None:
    assert response.status_code in REFUSALS, response.text
    body = response.json()
    assert body["error_description"].startswith(f"AADSTS{body['error_codes'][0]}: ")


jwt_like = st.one_of(
    st.text(max_size=300),
    st.lists(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=", max_size=60),
             min_size=1, max_size=5).map(".".join),
)  # fmt: skip


@FUZZ
@given(assertion=jwt_like)
def test_any_client_assertion_string_is_refused_cleanly(entra_emulator, session, assertion):
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "scope": GRAPH_SCOPE,
        "client_assertion_type": JWT_BEARER,
        "client_assertion": assertion,
    }

    response = session.post(entra_emulator.token_endpoint(), data=form, timeout=10)

    if assertion:
        assert_entra_refusal(response)
    else:  # an empty assertion is no credential at all
        assert response.json()["error_codes"] == [7000218]


@FUZZ
@given(body=st.binary(max_size=300))
def test_any_form_body_is_refused_cleanly(entra_emulator, session, body):
    response = session.post(
        entra_emulator.token_endpoint(),
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )

    assert_entra_refusal(response)


@FUZZ
@given(
    tenant=st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="/?#%"), min_size=1, max_size=40
    )
)
def test_any_tenant_segment_is_refused_cleanly(entra_emulator, session, tenant):
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "x", "scope": GRAPH_SCOPE}

    response = session.post(f"{entra_emulator.authority_host}/{tenant}/oauth2/v2.0/token", data=form, timeout=10)

    if tenant in (".", ".."):  # the client normalises these away; the path is then not a token endpoint
        assert response.status_code == 404
    else:
        assert_entra_refusal(response)
