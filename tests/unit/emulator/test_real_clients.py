"""Microsoft's own clients, MSAL Python and azure-identity, get tokens from the emulator.

Instance discovery is off (it would ask login.microsoftonline.com) and TLS
trusts the emulator's CA; nothing here leaves 127.0.0.1.
"""

from __future__ import annotations

import jwt
import msal
import pytest
from azure.identity import CertificateCredential, ClientSecretCredential
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from entra_emulator import (
    CLIENT_ID,
    CLIENT_SECRET,
    GRAPH_SCOPE,
    KEYVAULT_SCOPE,
    TENANT_DOMAIN,
    TENANT_ID,
    EntraEmulator,
)

PFX_PASSWORD = "pfx-Pass.word"


@pytest.fixture
def pem_bundle(client_cert, tmp_path):
    """The registered certificate and its key in one PEM file, as azure-identity reads it."""
    path = tmp_path / "client.pem"
    path.write_text(client_cert.key_pem + client_cert.cert_pem)
    return path


@pytest.fixture
def pfx_file(client_cert, tmp_path):
    path = tmp_path / "client.pfx"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"client",
            client_cert.key,
            client_cert.cert,
            None,
            serialization.BestAvailableEncryption(PFX_PASSWORD.encode()),
        )
    )
    return path


def app_claims(entra, token: str) -> dict:
    return jwt.decode(token, entra.issued_token_public_key, algorithms=["RS256"], options={"verify_aud": False})


def msal_app(entra, credential, tenant: str = TENANT_ID) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        CLIENT_ID,
        client_credential=credential,
        authority=entra.authority(tenant),
        instance_discovery=False,
        verify=str(entra.ca_path),
    )


def assert_app_token(entra, token: str, acr: str) -> None:
    claims = app_claims(entra, token)
    assert (claims["appid"], claims["appidacr"], claims["tid"]) == (CLIENT_ID, acr, TENANT_ID)


# -- MSAL Python ------------------------------------------------------------------------------


@pytest.mark.parametrize("tenant", [TENANT_ID, TENANT_DOMAIN])
def test_msal_with_a_secret(entra, tenant):
    result = msal_app(entra, CLIENT_SECRET, tenant).acquire_token_for_client([GRAPH_SCOPE])

    assert "access_token" in result, result
    assert_app_token(entra, result["access_token"], "1")


def test_msal_with_a_pfx(entra, pfx_file):
    credential = {"private_key_pfx_path": str(pfx_file), "passphrase": PFX_PASSWORD}

    result = msal_app(entra, credential).acquire_token_for_client([GRAPH_SCOPE])

    assert "access_token" in result, result
    assert_app_token(entra, result["access_token"], "2")


def test_msal_with_a_pem_key_and_thumbprint(entra, client_cert):
    credential = {"private_key": client_cert.key_pem, "thumbprint": client_cert.sha1_hex}

    result = msal_app(entra, credential).acquire_token_for_client([GRAPH_SCOPE])

    assert "access_token" in result, result
    assert_app_token(entra, result["access_token"], "2")


def test_msal_sees_entras_error_for_a_wrong_secret(entra):
    result = msal_app(entra, "wrong").acquire_token_for_client([GRAPH_SCOPE])

    assert result["error"] == "invalid_client"
    assert result["error_codes"] == [7000215]


def test_msal_sees_entras_error_for_an_unknown_certificate(entra, stranger_cert):
    credential = {"private_key": stranger_cert.key_pem, "thumbprint": stranger_cert.sha1_hex}

    result = msal_app(entra, credential).acquire_token_for_client([GRAPH_SCOPE])

    assert (result["error"], result["error_codes"]) == ("invalid_client", [700027])


def test_msal_reuses_its_assertion_and_the_emulator_accepts_it_as_entra_does(entra, client_cert):
    """MSAL Python signs one assertion and reuses it for about nine minutes; Entra accepts that by default."""
    credential = {"private_key": client_cert.key_pem, "thumbprint": client_cert.sha1_hex}
    app = msal_app(entra, credential)

    assert "access_token" in app.acquire_token_for_client([GRAPH_SCOPE])
    second = app.acquire_token_for_client([KEYVAULT_SCOPE])

    assert "access_token" in second, second
    assert_app_token(entra, second["access_token"], "2")
    assert entra.stats()["by_outcome"] == {"success": 2}
    jtis = [entry["claims"]["jti"] for entry in entra.assertions()]
    assert len(jtis) == 2 and jtis[0] == jtis[1]  # one assertion, sent twice


def test_with_the_replay_check_on_msals_second_request_is_refused(entra, client_cert):
    """The opt-in check, for tests that must prove a client signs anew each time."""
    entra.configure(reject_jti_replay=True)
    app = msal_app(entra, {"private_key": client_cert.key_pem, "thumbprint": client_cert.sha1_hex})
    assert "access_token" in app.acquire_token_for_client([GRAPH_SCOPE])

    second = app.acquire_token_for_client([KEYVAULT_SCOPE])

    assert second.get("error_codes") == [50027]
    assert "has already been used" in second["error_description"]


def test_the_replay_check_can_be_configured_at_start(client_cert, monkeypatch):
    with EntraEmulator({"reject_jti_replay": True}) as emulator:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator.ca_path))
        emulator.register_certificate(CLIENT_ID, client_cert.cert_pem)
        app = msal_app(emulator, {"private_key": client_cert.key_pem, "thumbprint": client_cert.sha1_hex})

        assert "access_token" in app.acquire_token_for_client([GRAPH_SCOPE])
        assert app.acquire_token_for_client([KEYVAULT_SCOPE]).get("error_codes") == [50027]
        emulator.reset()  # back to the configured setting, not to Entra's default
        assert emulator.settings.reject_jti_replay is True


# -- azure-identity ------------------------------------------------------------------------------


def identity_kwargs(entra) -> dict:
    return {"authority": entra.authority_host, "disable_instance_discovery": True}


def test_azure_identity_client_secret_credential(entra):
    credential = ClientSecretCredential(TENANT_ID, CLIENT_ID, CLIENT_SECRET, **identity_kwargs(entra))

    token = credential.get_token(GRAPH_SCOPE)

    assert token.expires_on > 0
    assert_app_token(entra, token.token, "1")


def test_azure_identity_certificate_credential_with_pem(entra, pem_bundle):
    credential = CertificateCredential(TENANT_ID, CLIENT_ID, certificate_path=str(pem_bundle), **identity_kwargs(entra))

    assert_app_token(entra, credential.get_token(GRAPH_SCOPE).token, "2")


def test_azure_identity_certificate_credential_with_pfx(entra, pfx_file):
    credential = CertificateCredential(
        TENANT_ID, CLIENT_ID, certificate_path=str(pfx_file), password=PFX_PASSWORD, **identity_kwargs(entra)
    )

    assert_app_token(entra, credential.get_token(GRAPH_SCOPE).token, "2")


def test_azure_identity_reports_entras_error(entra):
    from azure.core.exceptions import ClientAuthenticationError

    credential = ClientSecretCredential(TENANT_ID, CLIENT_ID, "wrong", **identity_kwargs(entra))

    with pytest.raises(ClientAuthenticationError, match="AADSTS7000215"):
        credential.get_token(GRAPH_SCOPE)


def test_the_clients_ask_only_for_discovery_and_tokens(entra, pem_bundle):
    """What MSAL and azure-identity request, with instance discovery off: one discovery, one token."""
    credential = CertificateCredential(TENANT_ID, CLIENT_ID, certificate_path=str(pem_bundle), **identity_kwargs(entra))
    credential.get_token(GRAPH_SCOPE)

    stats = entra.stats()
    assert stats["token_requests"] == 1
    assert stats["requests"] == 2  # GET {tenant}/v2.0/.well-known/openid-configuration, POST token
