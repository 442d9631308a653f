"""The admin API over HTTPS, through EmulatorAdminClient, as another process would use it."""

from __future__ import annotations

import time
import uuid

import pytest
import requests
from entra_emulator import CLIENT_ID, GRAPH_SCOPE, JWT_BEARER, EmulatorAdminClient


@pytest.fixture
def admin(entra):
    state = {
        "pid": None,
        "port": entra.port,
        "authority_host": entra.authority_host,
        "ca_path": str(entra.ca_path),
        "admin_token": entra.admin_token,
    }
    client = EmulatorAdminClient(state)
    yield client
    client.close()


def test_an_app_added_over_the_api_gets_tokens_with_a_secret(entra, admin, token_post):
    client_id = str(uuid.uuid4())
    admin.add_app(
        client_id, display_name="added by the admin API", roles={"https://graph.microsoft.com": ["Sites.Read.All"]}
    )
    secret_id = admin.add_secret(client_id, "admin~Added.secret")

    response = token_post(
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": "admin~Added.secret",
            "scope": GRAPH_SCOPE,
        }
    )

    assert response.status_code == 200
    assert len(secret_id) == 36
    assert token_post(
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret_id, "scope": GRAPH_SCOPE}
    ).json()["error_codes"] == [7000215]


def test_a_certificate_registered_over_the_api_signs_assertions(entra, admin, token_post, assertion, new_cert):
    cert = new_cert("registered over the API")

    thumbprint = admin.register_certificate(CLIENT_ID, cert.cert_pem)
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "scope": GRAPH_SCOPE,
        "client_assertion_type": JWT_BEARER,
        "client_assertion": assertion(cert=cert),
    }

    assert thumbprint == cert.sha1_hex
    assert token_post(form).status_code == 200


def test_an_expired_secret_over_the_api(entra, admin, token_post):
    admin.add_secret(CLIENT_ID, "old~Admin.secret", expires_at=time.time() - 1)

    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": "old~Admin.secret",
        "scope": GRAPH_SCOPE,
    }
    assert token_post(form).json()["error_codes"] == [7000222]


def test_faults_stats_and_reset_over_the_api(entra, admin, token_post):
    assert admin.set_faults([{"type": "status", "status": 429, "retry_after": 2}, {"type": "drop"}]) == 2

    response = token_post({"grant_type": "client_credentials"})
    assert (response.status_code, response.headers["Retry-After"]) == (429, "2")
    stats = admin.stats()
    assert stats["faults_served"] == 1 and stats["by_outcome"] == {"fault:429": 1}

    admin.reset()
    assert admin.stats()["token_requests"] == 0
    assert entra.faults.pending() == 0


def test_settings_and_received_assertions_over_the_api(entra, admin, token_post, cert_form):
    assert admin.configure(reject_jti_replay=True) == {
        "reject_jti_replay": True, "clock_skew": 300, "graph_propagation_delay": 0.0, "latency": 0.0}
    form = cert_form(jti="admin-jti")
    assert [token_post(form).status_code for _unused in range(2)] == [200, 400]

    received = admin.assertions()
    assert [entry["claims"]["jti"] for entry in received] == ["admin-jti", "admin-jti"]
    assert received[0]["signature"] == form["client_assertion"].rsplit(".", 1)[1]

    admin.reset()
    assert admin.assertions() == [] and entra.settings.reject_jti_replay is False
    assert [token_post(form).status_code for _unused in range(2)] == [200, 200]


def test_latency_delays_every_answer_but_the_admin_apis(entra, admin, token_post):
    """The benchmark's added round trip: token and discovery answers wait, the admin API does not."""
    assert admin.configure(latency=1.0)["latency"] == 1.0
    started = time.monotonic()
    assert token_post({"grant_type": "client_credentials"}).status_code == 400
    assert time.monotonic() - started >= 1.0
    started = time.monotonic()
    admin.stats()
    assert time.monotonic() - started < 1.0  # generous: an admin call takes milliseconds
    for bad in (-1, 11, True, "1"):
        with pytest.raises(RuntimeError):
            admin.configure(latency=bad)
    admin.reset()
    assert entra.settings.latency == 0.0


def test_the_admin_api_needs_the_token(entra):
    url = f"{entra.authority_host}/_emulator/stats"

    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, headers={"X-Emulator-Admin": "guess"}, timeout=10).status_code == 401
    assert requests.get(url, headers={"X-Emulator-Admin": entra.admin_token}, timeout=10).status_code == 200


UNKNOWN_GUID_1 = "0e5b2c9a-4f1d-4c3e-9b8a-7d6f5e4c3b2a"
UNKNOWN_GUID_2 = "1f6c3d0b-5a2e-4d4f-8c9b-8e7a6f5d4c3b"


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "faults", {"faults": [{"type": "bogus"}]}, 400),
        ("POST", "apps", {"client_id": "not-a-guid"}, 400),
        # Fixed GUIDs that no tenant or app has: random ones would give each xdist worker other test ids.
        ("POST", "apps", {"client_id": UNKNOWN_GUID_1, "tenant_id": UNKNOWN_GUID_2}, 400),
        ("POST", f"apps/{UNKNOWN_GUID_1}/secrets", {"value": "x"}, 400),
        ("POST", f"apps/{CLIENT_ID}/certificates", {"certificate": "not a certificate"}, 400),
        ("POST", "nothing", {}, 404),
        ("GET", "faults", None, 405),
        ("POST", "settings", {"token_lifetime": 5}, 400),
        ("POST", "settings", {"reject_jti_replay": "yes"}, 400),
        ("POST", "settings", {"clock_skew": -1}, 400),
        ("POST", "assertions", {}, 404),
    ],
)
def test_bad_admin_calls_are_refused(entra, method, path, body, status):
    response = requests.request(
        method,
        f"{entra.authority_host}/_emulator/{path}",
        json=body,
        headers={"X-Emulator-Admin": entra.admin_token},
        timeout=10,
    )

    assert response.status_code == status, response.text


def test_admin_calls_are_not_token_requests(entra, admin):
    admin.stats()

    assert entra.stats()["token_requests"] == 0
