"""The certificate grant: every check on the client assertion, with Entra's refusal."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from entra_emulator import CLIENT_ID, OTHER_CLIENT_ID, TENANT_DOMAIN, TENANT_ID


def test_rs256_with_x5t_gets_a_certificate_token(entra, token_post, cert_form):
    response = token_post(cert_form())

    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    claims = jwt.decode(
        token, entra.issued_token_public_key, algorithms=["RS256"], audience="https://graph.microsoft.com"
    )
    assert (claims["appid"], claims["appidacr"]) == (CLIENT_ID, "2")


@pytest.mark.parametrize("padded", [True, False])
def test_x5t_may_be_padded_or_not(entra, token_post, cert_form, client_cert, padded):
    x5t = client_cert.x5t + ("=" if padded else "")  # a SHA-1 is 20 bytes: one pad character

    assert token_post(cert_form(headers={"x5t": x5t})).status_code == 200


def test_ps256_with_x5t_s256_works(entra, token_post, cert_form, client_cert):
    response = token_post(cert_form(alg="PS256", headers={"x5t#S256": client_cert.x5t_s256}))

    assert response.status_code == 200, response.text


def test_x5t_s256_may_be_padded(entra, token_post, cert_form, client_cert):
    headers = {"x5t#S256": client_cert.x5t_s256 + "="}  # 32 bytes: one pad character

    assert token_post(cert_form(headers=headers)).status_code == 200


def test_a_matching_x5c_is_accepted(entra, token_post, cert_form, client_cert):
    der = client_cert.cert.public_bytes(serialization.Encoding.DER)
    headers = {"x5t": client_cert.x5t, "x5c": [base64.b64encode(der).decode()]}

    assert token_post(cert_form(headers=headers)).status_code == 200


def test_an_x5c_of_another_certificate_is_700027(entra, token_post, cert_form, client_cert, stranger_cert, refused):
    der = stranger_cert.cert.public_bytes(serialization.Encoding.DER)
    headers = {"x5t": client_cert.x5t, "x5c": [base64.b64encode(der).decode()]}

    refused(token_post(cert_form(headers=headers)), 401, "invalid_client", 700027)


def test_the_v1_endpoint_takes_its_own_url_as_audience(entra, token_post, assertion):
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "resource": "https://graph.microsoft.com",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion(aud=entra.token_endpoint(version="v1")),
    }

    assert token_post(form, version="v1").status_code == 200


@pytest.mark.parametrize("aud_tenant", [TENANT_ID, TENANT_DOMAIN])
@pytest.mark.parametrize("url_tenant", [TENANT_ID, TENANT_DOMAIN])
def test_the_audience_may_name_the_tenant_by_guid_or_domain(entra, token_post, cert_form, aud_tenant, url_tenant):
    form = cert_form(aud=entra.token_endpoint(aud_tenant))

    assert token_post(form, tenant=url_tenant).status_code == 200


# -- signature and certificate -----------------------------------------------------------------


def test_a_signature_by_another_key_is_700027(entra, token_post, assertion, client_cert, stranger_cert, refused):
    # x5t names the registered certificate, but another key signed.
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "scope": "https://graph.microsoft.com/.default",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion(cert=stranger_cert, headers={"x5t": client_cert.x5t}),
    }

    body = refused(token_post(form), 401, "invalid_client", 700027)
    assert "Key was found, but use of the key to verify the signature failed" in body["error_description"]
    assert f"Thumbprint of key used by client: '{client_cert.sha1_hex}'" in body["error_description"]


def test_a_tampered_payload_is_700027(entra, token_post, cert_form, refused):
    form = cert_form()
    head, payload, signature = form["client_assertion"].split(".")
    claims = jwt.utils.base64url_decode(payload)
    form["client_assertion"] = ".".join(
        [head, jwt.utils.base64url_encode(claims.replace(b'"exp"', b'"exp" ')).decode(), signature]
    )

    refused(token_post(form), 401, "invalid_client", 700027)


def test_an_unknown_thumbprint_is_700027_key_not_found(entra, token_post, cert_form, stranger_cert, refused):
    body = refused(token_post(cert_form(cert=stranger_cert)), 401, "invalid_client", 700027)

    assert "The key was not found." in body["error_description"]
    assert f"Thumbprint of key used by client: '{stranger_cert.sha1_hex}'" in body["error_description"]
    assert f"app Id '{CLIENT_ID}'" in body["error_description"]


def test_a_certificate_of_another_app_is_700027(entra, token_post, cert_form, new_cert, refused):
    other = new_cert("other app")
    entra.register_certificate(OTHER_CLIENT_ID, other.cert_pem)

    refused(token_post(cert_form(cert=other)), 401, "invalid_client", 700027)


def test_no_thumbprint_is_50027(entra, token_post, cert_form, refused):
    body = refused(token_post(cert_form(headers={})), 400, "invalid_request", 50027)

    assert "No certificate thumbprint specified in token header" in body["error_description"]


def test_an_expired_registered_certificate_is_700027(entra, token_post, cert_form, new_cert, refused):
    old = new_cert("expired", valid_from_days=-60, valid_days=30)
    entra.register_certificate(CLIENT_ID, old.cert_pem)

    body = refused(token_post(cert_form(cert=old)), 401, "invalid_client", 700027)
    assert "The key used is expired." in body["error_description"]


@pytest.mark.parametrize("alg", ["HS256", "HS512", "none", "RS384", "ES256"])
def test_algorithms_other_than_rs256_and_ps256_are_5002738(entra, token_post, cert_form, client_cert, refused, alg):
    form = cert_form()
    _unused, payload, signature = form["client_assertion"].split(".")
    header = jwt.utils.base64url_encode(json.dumps({"alg": alg, "typ": "JWT", "x5t": client_cert.x5t}).encode())
    form["client_assertion"] = f"{header.decode()}.{payload}.{'' if alg == 'none' else signature}"

    body = refused(token_post(form), 400, "invalid_request", 5002738)
    assert f"'{alg}' is not a supported signature algorithm" in body["error_description"]


def test_an_rs256_assertion_without_a_signature_is_700027(entra, token_post, cert_form, refused):
    form = cert_form()
    form["client_assertion"] = form["client_assertion"].rpartition(".")[0] + "."

    refused(token_post(form), 401, "invalid_client", 700027)


def test_an_hs256_assertion_signed_with_the_secret_is_refused(entra, token_post, refused):
    from entra_emulator import CLIENT_SECRET

    now = int(time.time())
    claims = {"aud": entra.token_endpoint(), "iss": CLIENT_ID, "sub": CLIENT_ID, "jti": "j", "exp": now + 300}
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "scope": "https://graph.microsoft.com/.default",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": jwt.encode(claims, CLIENT_SECRET, algorithm="HS256"),
    }

    refused(token_post(form), 400, "invalid_request", 5002738)


def test_a_wrong_typ_is_5002727(entra, token_post, cert_form, client_cert, refused):
    refused(token_post(cert_form(headers={"x5t": client_cert.x5t, "typ": "at+jwt"})), 400, "invalid_request", 5002727)


@pytest.mark.parametrize("junk", ["not-a-jwt", "a.b.c", "e30.e30", "W10.W10.sig"])
def test_junk_is_50027(entra, token_post, cert_form, refused, junk):
    form = cert_form()
    form["client_assertion"] = junk

    refused(token_post(form), 400, "invalid_request", 50027)


# -- claims ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "audience",
    [
        "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        "{authority}/{tenant}/v2.0",  # the issuer: Entra does not take it as audience
        "{authority}/{tenant}/oauth2/token",  # the v1.0 endpoint, posted to v2.0
        "{authority}/common/oauth2/v2.0/token",
        "{authority}/{tenant}/oauth2/v2.0/token/",
    ],
)
def test_any_other_audience_is_700023(entra, token_post, cert_form, refused, audience):
    aud = audience.format(authority=entra.authority_host, tenant=TENANT_ID)

    body = refused(token_post(cert_form(aud=aud)), 401, "invalid_client", 700023)
    assert "Client assertion audience claim does not match Realm issuer" in body["error_description"]


def test_a_list_of_audiences_is_50027(entra, token_post, cert_form, refused):
    aud = [entra.token_endpoint(), f"{entra.authority_host}/{TENANT_ID}/v2.0"]

    refused(token_post(cert_form(aud=aud)), 400, "invalid_request", 50027)


def test_an_issuer_other_than_the_client_is_700021(entra, token_post, cert_form, refused):
    refused(token_post(cert_form(iss=OTHER_CLIENT_ID, sub=OTHER_CLIENT_ID)), 401, "invalid_client", 700021)


def test_iss_differing_from_sub_is_50048(entra, token_post, cert_form, refused):
    refused(token_post(cert_form(sub=OTHER_CLIENT_ID)), 401, "invalid_client", 50048)


def test_an_expired_assertion_is_700024(entra, token_post, cert_form, refused):
    now = int(time.time())

    body = refused(token_post(cert_form(nbf=now - 1000, exp=now - 301)), 401, "invalid_client", 700024)
    assert "Client assertion is not within its valid time range." in body["error_description"]


def test_a_not_yet_valid_assertion_is_700024(entra, token_post, cert_form, refused):
    now = int(time.time())

    refused(token_post(cert_form(nbf=now + 301, exp=now + 900)), 401, "invalid_client", 700024)


def test_five_minutes_of_clock_skew_are_allowed(entra, token_post, cert_form):
    now = int(time.time())

    assert token_post(cert_form(nbf=now - 900, exp=now - 280)).status_code == 200
    assert token_post(cert_form(nbf=now + 280, exp=now + 900)).status_code == 200


def test_nbf_is_optional_and_then_shown_as_1970(entra, token_post, cert_form, refused):
    now = int(time.time())
    assert token_post(cert_form(nbf=None)).status_code == 200

    body = refused(token_post(cert_form(nbf=None, exp=now - 400)), 401, "invalid_client", 700024)
    assert "assertion valid from 1970-01-01T00:00:00.0000000Z" in body["error_description"]


@pytest.mark.parametrize("claim", ["exp", "jti", "iss", "sub", "aud"])
def test_a_missing_claim_is_50027(entra, token_post, cert_form, refused, claim):
    refused(token_post(cert_form(**{claim: None})), 400, "invalid_request", 50027)


@pytest.mark.parametrize("exp", ["1700000000", "soon", True])
def test_a_non_numeric_exp_is_50027(entra, token_post, cert_form, refused, exp):
    refused(token_post(cert_form(exp=exp)), 400, "invalid_request", 50027)


def test_a_replayed_assertion_is_accepted_by_default_as_entra_does(entra, token_post, cert_form):
    """Entra accepts an assertion again within its lifetime; MSAL relies on it."""
    form = cert_form()

    assert [token_post(form).status_code for _unused in range(3)] == [200, 200, 200]
    assert len({entry["claims"]["jti"] for entry in entra.assertions()}) == 1


def test_a_replayed_jti_is_refused_once_the_check_is_on(entra, token_post, cert_form, refused):
    entra.configure(reject_jti_replay=True)
    form = cert_form()
    assert token_post(form).status_code == 200

    body = refused(token_post(form), 400, "invalid_request", 50027)
    assert "has already been used" in body["error_description"]


def test_the_same_jti_in_a_new_assertion_is_also_a_replay(entra, token_post, cert_form, refused):
    entra.configure(reject_jti_replay=True)
    assert token_post(cert_form(jti="fixed-jti-1")).status_code == 200

    refused(token_post(cert_form(jti="fixed-jti-1")), 400, "invalid_request", 50027)


def test_reset_turns_the_replay_check_back_off(entra, token_post, cert_form):
    entra.configure(reject_jti_replay=True)
    entra.reset()
    form = cert_form()

    assert [token_post(form).status_code for _unused in range(2)] == [200, 200]


def test_every_assertion_is_recorded_as_received_even_when_faulted_or_refused(
        entra, token_post, cert_form, new_cert):
    entra.set_faults([{"type": "status", "status": 503}])
    first, second, third = cert_form(jti="rec-1"), cert_form(jti="rec-2"), cert_form(cert=new_cert(), jti="rec-3")

    statuses = [token_post(form).status_code for form in (first, second, third)]

    assert statuses == [503, 200, 401]  # faulted before any check, accepted, unknown certificate
    received = entra.assertions()
    assert [entry["claims"]["jti"] for entry in received] == ["rec-1", "rec-2", "rec-3"]
    assert received[0]["version"] == "v2" and received[0]["header"]["alg"] == "RS256"
    assert received[1]["signature"] == second["client_assertion"].rsplit(".", 1)[1]
    assert all("client_assertion" not in entry for entry in received)  # never the assertion whole
    entra.reset()
    assert entra.assertions() == []


def test_a_secret_request_records_no_assertion(entra, token_post):
    token_post({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "x",
                "scope": "https://graph.microsoft.com/.default"})  # fmt: skip
    assert entra.assertions() == []


# -- the assertion parameters -------------------------------------------------------------------


def test_a_wrong_assertion_type_is_refused(entra, token_post, cert_form, refused):
    form = cert_form()
    form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"

    refused(token_post(form), 400, "invalid_request", 90100)


def test_a_missing_assertion_type_is_900144(entra, token_post, cert_form, refused):
    form = cert_form()
    del form["client_assertion_type"]

    body = refused(token_post(form), 400, "invalid_request", 900144)
    assert "'client_assertion_type'" in body["error_description"]


def test_the_client_id_parameter_must_match_the_assertion(entra, token_post, cert_form, refused):
    form = cert_form()
    form["client_id"] = OTHER_CLIENT_ID

    # The app is looked up by client_id first: Fabrikam's app is not in Contoso.
    refused(token_post(form), 400, "unauthorized_client", 700016)
