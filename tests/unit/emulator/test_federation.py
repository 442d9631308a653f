"""Workload identity federation in the local endpoint: trusted issuers, federated credentials, strict checks.

Each refusal is checked for its real AADSTS code; a token that passes gets an app token for the app.
"""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
import requests
from entra_emulator import CLIENT_ID, JWT_BEARER, EmulatorAdminClient
from test_issuer import ENTRA_AUDIENCE, OidcIssuer, kubernetes_subject

SUBJECT = kubernetes_subject("automation", "ansible")


@pytest.fixture(scope="module")
def issuer(entra_emulator):
    """A Kubernetes issuer trusted by the endpoint, with a credential for SUBJECT on the demo app."""
    issuer = OidcIssuer(f"https://oidc.example.test/{uuid.uuid4()}/")
    federation = entra_emulator.directory.federation
    federation.trust_issuer(issuer.issuer, issuer.jwks())
    federation.add_credential(CLIENT_ID, issuer.issuer, SUBJECT)
    return issuer


def aadsts(response: requests.Response) -> int:
    """The one AADSTS code of an error answer in Entra's shape."""
    body = response.json()
    (code,) = body["error_codes"]
    assert body["error_description"].startswith(f"AADSTS{code}: ")
    return code


def form(assertion: str, client_id: str = CLIENT_ID) -> dict:
    return {"grant_type": "client_credentials", "client_id": client_id,
            "scope": "https://graph.microsoft.com/.default", "client_assertion_type": JWT_BEARER,
            "client_assertion": assertion}


def test_a_token_matching_a_credential_gets_an_app_token(entra, token_post, issuer):
    response = token_post(form(issuer.mint(SUBJECT)))

    assert response.status_code == 200, response.text
    claims = jwt.decode(response.json()["access_token"], entra.issued_token_public_key, algorithms=["RS256"],
                        audience="https://graph.microsoft.com")
    assert (claims["appid"], claims["appidacr"]) == (CLIENT_ID, "2")


def test_the_same_token_twice_is_accepted_as_in_entra(entra, token_post, issuer):
    token = issuer.mint(SUBJECT)
    assert token_post(form(token)).status_code == 200
    assert token_post(form(token)).status_code == 200


@pytest.mark.parametrize(("change", "code"), [
    ({"subject": "system:serviceaccount:automation:other"}, 700213),
    ({"subject": SUBJECT.upper()}, 7002138),
    ({"audience": "api://SomethingElse"}, 700212),
    ({"audience": ["api://one", "api://two"]}, 70021),
    ({"lifetime": -600}, 700024),
    ({"now": time.time() + 3600}, 700024),  # nbf an hour ahead
])
def test_a_mismatch_or_a_bad_lifetime_has_entras_code(entra, token_post, issuer, change, code):
    mint = {"subject": SUBJECT, **change}
    response = token_post(form(issuer.mint(**mint)))

    assert response.status_code in (400, 401)
    assert aadsts(response) == code


def test_an_unknown_issuer_is_700211_and_names_it(entra, token_post):
    stranger = OidcIssuer("https://token.actions.githubusercontent.com/unknown")
    response = token_post(form(stranger.mint(SUBJECT)))

    assert aadsts(response) == 700211
    assert "'https://token.actions.githubusercontent.com/unknown'" in response.json()["error_description"]


def test_a_credential_whose_issuer_keys_are_unknown_is_50166(entra, token_post):
    untrusted = OidcIssuer(f"https://oidc.example.test/untrusted-{uuid.uuid4()}")
    entra.directory.federation.add_credential(CLIENT_ID, untrusted.issuer, SUBJECT)

    assert aadsts(token_post(form(untrusted.mint(SUBJECT)))) == 50166


@pytest.mark.parametrize(("mint", "code"), [
    ({"key": "other"}, 50013),  # signed by a key the issuer does not publish under that kid
    ({"header": {"kid": "no-such-kid"}}, 50013),
    ({"header": {"alg": "PS256"}}, 5002738),
    ({"header": {"alg": "none"}}, 5002738),
])
def test_the_signature_and_algorithm_are_checked_against_the_issuers_keys(entra, token_post, issuer, mint, code):
    if mint.get("key") == "other":
        mint = {"key": OidcIssuer(issuer.issuer).key}
    response = token_post(form(issuer.mint(SUBJECT, **mint)))

    assert aadsts(response) == code


def test_a_tampered_payload_fails_the_signature(entra, token_post, issuer):
    header, _payload, signature = issuer.mint(SUBJECT).split(".")
    forged = issuer.mint(SUBJECT, claims={"exp": int(time.time()) + 86400}).split(".")[1]

    assert aadsts(token_post(form(f"{header}.{forged}.{signature}"))) == 50013


def test_a_credential_on_one_app_does_not_serve_another(entra, token_post, issuer):
    other = entra.add_app(str(uuid.uuid4()), display_name="no federated credential").client_id
    assert aadsts(token_post(form(issuer.mint(SUBJECT), client_id=other))) == 700211


def test_a_certificate_assertion_still_takes_the_certificate_path(entra, token_post, cert_form):
    assert token_post(cert_form()).status_code == 200


def test_the_admin_api_registers_issuers_and_credentials(entra_emulator, token_post):
    admin = EmulatorAdminClient({"authority_host": entra_emulator.authority_host,
                                 "ca_path": str(entra_emulator.ca_path), "admin_token": entra_emulator.admin_token})
    github = OidcIssuer(f"https://token.actions.githubusercontent.com/{uuid.uuid4()}")
    subject = "repo:contoso/infra:environment:production"
    try:
        assert admin.trust_issuer(github.issuer, github.jwks()) == [github.kid]
        added = admin.add_federated_credential(CLIENT_ID, github.issuer, subject)
        assert added == {"issuer": github.issuer, "subject": subject, "audiences": [ENTRA_AUDIENCE]}
        with pytest.raises(RuntimeError, match="400"):
            admin.trust_issuer(github.issuer, {"keys": []})
    finally:
        admin.close()
    assert token_post(form(github.github_token("contoso/infra", environment="production"))).status_code == 200


def test_the_admin_api_refuses_without_its_token(entra_emulator):
    response = requests.post(f"{entra_emulator.authority_host}/_emulator/issuers", json={"issuer": "x", "jwks": {}},
                             timeout=10)
    assert response.status_code == 401
