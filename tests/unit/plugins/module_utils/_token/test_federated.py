"""The federated credential: the token file read per request, the local checks, the request, Entra's refusals.

End to end against the strict local endpoint, which trusts a test issuer (tests/support/test_issuer.py) and
holds a federated identity credential for one Kubernetes subject on the demo app.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid

import pytest
from entra_emulator import defaults as d
from test_issuer import OidcIssuer, kubernetes_subject, write_token_file

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError, TokenEndpointError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.client import TokenClient
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.federated import (
    ENTRA_TOKEN_EXCHANGE_AUDIENCE,
    MAX_ASSERTION_FILE_SIZE,
    inspect_assertion,
    read_assertion_file,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import build_token_request

SUBJECT = kubernetes_subject("automation", "ansible")
OTHER_SUBJECT = kubernetes_subject("automation", "rotated")


@pytest.fixture(scope="module")
def issuer(entra_emulator):
    """A Kubernetes issuer trusted by the endpoint, with credentials for SUBJECT and OTHER_SUBJECT."""
    issuer = OidcIssuer(f"https://oidc.example.test/{uuid.uuid4()}/")
    entra_emulator.directory.federation.trust_issuer(issuer.issuer, issuer.jwks())
    for subject in (SUBJECT, OTHER_SUBJECT):
        entra_emulator.directory.federation.add_credential(d.CLIENT_ID, issuer.issuer, subject)
    return issuer


def client(entra, environ=None, warnings=None, notes=None, **options):
    base = {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "authority_host": entra.authority_host,
            "ca_path": str(entra.ca_path), "scope": [d.GRAPH_SCOPE], **options}
    request, target = build_token_request(base, environ or {})
    return TokenClient(request, warn=(warnings.append if warnings is not None else None),
                       info=(notes.append if notes is not None else None)), target  # fmt: skip


def assert_token_not_in(text: str, token: str) -> None:
    assert token not in text
    assert token.rpartition(".")[2] not in text  # not even its signature
    assert token.split(".")[1][:40] not in text  # nor its payload


# -- the three ways to give it ----------------------------------------------------------------------------


@pytest.mark.parametrize("api_version", ["v1", "v2"])
def test_client_assertion_gets_a_token_and_is_sent_unchanged(entra, issuer, api_version):
    token = issuer.kubernetes_token()
    token_client, target = client(entra, client_assertion=token, api_version=api_version,
                                  resource=d.GRAPH_RESOURCE, scope=None)  # fmt: skip
    result = token_client.acquire(target)

    assert result.claims["appid"] == d.CLIENT_ID and result.claims["aud"] == d.GRAPH_RESOURCE
    (received,) = entra.assertions()
    assert received["signature"] == token.rpartition(".")[2]  # the platform's signature, never re-signed
    assert received["claims"]["sub"] == SUBJECT and received["header"]["kid"] == issuer.kid


def test_client_assertion_path_is_read_for_every_request(entra, issuer, tmp_path):
    path = write_token_file(tmp_path / "token", issuer.kubernetes_token())
    token_client, target = client(entra, client_assertion_path=path)
    token_client.acquire(target)
    # The platform rotates the file between two requests: the second sends the new content.
    write_token_file(path, issuer.kubernetes_token(service_account="rotated"))
    token_client.acquire(target)

    assert [entry["claims"]["sub"] for entry in entra.assertions()] == [SUBJECT, OTHER_SUBJECT]


def test_azure_federated_token_file_is_the_environments_federated_credential(entra, issuer, tmp_path):
    path = write_token_file(tmp_path / "azure-identity-token", issuer.kubernetes_token())
    environ = {"AZURE_TENANT_ID": d.TENANT_ID, "AZURE_CLIENT_ID": d.CLIENT_ID, "AZURE_FEDERATED_TOKEN_FILE": path,
               "AZURE_AUTHORITY_HOST": entra.authority_host}
    request, target = build_token_request({"scope": [d.GRAPH_SCOPE], "ca_path": str(entra.ca_path)}, environ)
    result = TokenClient(request).acquire(target)

    assert result.claims["appid"] == d.CLIENT_ID
    assert request.federated.assertion_path == path


def test_two_environment_credentials_use_the_first_and_say_so_at_vvv(entra, issuer, tmp_path):
    path = write_token_file(tmp_path / "token", issuer.kubernetes_token())
    notes = []
    token_client, target = client(entra, environ={"AZURE_CLIENT_SECRET": d.CLIENT_SECRET,
                                                  "AZURE_FEDERATED_TOKEN_FILE": path}, notes=notes)  # fmt: skip
    token_client.acquire(target)

    assert notes == ["The client secret from AZURE_CLIENT_SECRET is used; AZURE_FEDERATED_TOKEN_FILE is set too and "
                     "ignored (among AZURE_* variables a client secret comes first, then a certificate, then a "
                     "federated token file, as in azure-identity)."]
    assert entra.assertions() == []  # the secret was sent, not the token


def test_the_assertion_is_redacted_from_an_echoing_answer(entra, issuer, monkeypatch):
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token import client as _token
    from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.http import HttpResponse

    token = issuer.kubernetes_token()

    def post_form(url, form, timeout, verify):
        sent = form["client_assertion"]
        body = {"error": "invalid_client", "error_codes": [700213], "trace_id": sent.rpartition(".")[2],
                "error_description": f"AADSTS700213: got {sent} sig {sent.rpartition('.')[2]}"}
        return HttpResponse(status=400, headers={}, body=json.dumps(body).encode(), client_request_id="r")

    monkeypatch.setattr(_token, "post_form", post_form)
    token_client, target = client(entra, client_assertion=token)
    with pytest.raises(TokenEndpointError) as info:
        token_client.acquire(target)
    for text in (str(info.value), info.value.trace_id, info.value.error):
        assert_token_not_in(text, token)


# -- Entra's refusals get a hint with the token's issuer and subject ------------------------------------------


@pytest.mark.parametrize(("mint", "code"), [
    ({"service_account": "someone-else"}, 700213),
    ({"audience": "api://custom"}, 700212),
])
def test_a_mismatch_names_the_tokens_issuer_and_subject_and_where_to_fix_it(entra, issuer, tmp_path, mint, code):
    token = issuer.kubernetes_token(**mint)
    path = write_token_file(tmp_path / "token", token)
    token_client, target = client(entra, client_assertion_path=path, warnings=[])
    with pytest.raises(TokenEndpointError) as info:
        token_client.acquire(target)

    message = str(info.value)
    assert info.value.error_codes == (code,)
    assert info.value.option == "client_assertion_path"
    assert f"issuer (iss) '{issuer.issuer}'" in message
    assert "subject (sub) 'system:serviceaccount:automation:" in message
    assert "Federated credentials" in message
    assert_token_not_in(message, token)


def test_an_unknown_issuer_is_700211_with_the_issuer_shown(entra):
    stranger = OidcIssuer("https://token.actions.githubusercontent.com")
    token = stranger.github_token("contoso/unknown")
    token_client, target = client(entra, client_assertion=token)
    with pytest.raises(TokenEndpointError) as info:
        token_client.acquire(target)

    assert info.value.error_codes == (700211,) and info.value.option == "client_assertion"
    assert "issuer (iss) 'https://token.actions.githubusercontent.com'" in str(info.value)
    assert "'repo:contoso/unknown:ref:refs/heads/main'" in str(info.value)
    assert_token_not_in(str(info.value), token)


def test_a_custom_audience_warns_and_then_entra_decides(entra, issuer):
    warnings = []
    token_client, target = client(entra, client_assertion=issuer.kubernetes_token(audience="api://custom"),
                                  warnings=warnings)  # fmt: skip
    with pytest.raises(TokenEndpointError) as info:
        token_client.acquire(target)
    assert info.value.error_codes == (700212,)
    (warning,) = warnings
    assert "client_assertion has the audience (aud) 'api://custom', not api://AzureADTokenExchange" in warning


# -- local checks: nothing is sent ----------------------------------------------------------------------------


def test_an_expired_token_fails_before_entra_is_called_with_its_exp(entra, issuer):
    expired = issuer.kubernetes_token(now=time.time() - 7200, lifetime=3600)
    token_client, target = client(entra, client_assertion=expired)
    with pytest.raises(OptionError) as info:
        token_client.acquire(target)

    assert info.value.option == "client_assertion"
    assert "client_assertion has expired: its exp is " in str(info.value)
    assert time.strftime("%Y-%m-%d %H:", time.gmtime(time.time() - 3600)) in str(info.value)
    assert entra.stats()["token_requests"] == 0
    assert_token_not_in(str(info.value), expired)


@pytest.mark.parametrize("value", [
    "not-a-jwt", "a.b", "a.b.c.d", "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.", "eyJ.eyJ.sig",
    "/var/run/secrets/azure/tokens/azure-identity-token", "é.é.é",
])
def test_not_a_jwt_names_the_option_and_never_quotes_the_value(value):
    with pytest.raises(OptionError) as info:
        inspect_assertion(value, "client_assertion", warn=pytest.fail)
    assert info.value.option == "client_assertion"
    assert str(info.value).startswith("client_assertion is not a JWT")
    assert value not in str(info.value)


@pytest.mark.parametrize(("claims", "said"), [
    ({"iss": None}, "has no 'iss' claim"),
    ({"sub": ""}, "has no 'sub' claim"),
    ({"exp": None}, "has no numeric 'exp' claim"),
    ({"exp": "tomorrow"}, "has no numeric 'exp' claim"),
    ({"exp": True}, "has no numeric 'exp' claim"),
])
def test_claims_entra_needs_are_required(issuer, claims, said):
    with pytest.raises(OptionError, match=said) as info:
        inspect_assertion(issuer.mint(SUBJECT, claims=claims), "client_assertion", warn=pytest.fail)
    assert info.value.option == "client_assertion"


def test_the_audience_may_be_a_list_holding_entras(issuer):
    assertion = inspect_assertion(issuer.mint(SUBJECT, audience=["api://x", ENTRA_TOKEN_EXCHANGE_AUDIENCE]),
                                  "client_assertion", warn=pytest.fail)  # fmt: skip
    assert assertion.identity == (issuer.issuer, SUBJECT)
    assert "token" not in repr(assertion).split("(", 1)[1].split("=")[0]  # the token is kept out of repr


def test_control_characters_in_claims_are_escaped_in_messages(issuer):
    warnings = []
    inspect_assertion(issuer.mint("sub\x1b[2J\nfake line", audience="aud\r\nInjected: yes"), "client_assertion",
                      warn=warnings.append)  # fmt: skip
    (warning,) = warnings
    assert "\x1b" not in warning and "\n" not in warning and "\r" not in warning


# -- the file: read safely, every time ------------------------------------------------------------------------


@pytest.mark.parametrize(("make", "said"), [
    (lambda path: None, "does not exist"),
    (lambda path: path.write_text(""), "is empty"),
    (lambda path: path.write_text(" \n\t\n"), "is empty"),
    (lambda path: path.mkdir(), "is a directory, not a token file"),
    (os.mkfifo, "is not a regular file"),
    (lambda path: path.write_bytes(b"x" * (MAX_ASSERTION_FILE_SIZE + 1)), "larger than 64 KiB"),
    (lambda path: path.write_bytes(b"\xff\xfe.\x00.x"), "it is not ASCII text"),
])
def test_a_bad_token_file_names_the_option(tmp_path, make, said):
    path = tmp_path / "token"
    make(path)
    with pytest.raises(OptionError) as info:
        read_assertion_file(str(path), "client_assertion_path")
    assert info.value.option == "client_assertion_path"
    assert said in str(info.value)


def test_a_fifo_never_blocks_even_with_a_writer_waiting(tmp_path):
    path = tmp_path / "token"
    os.mkfifo(path)
    done = threading.Event()

    def read():
        with pytest.raises(OptionError):
            read_assertion_file(str(path), "client_assertion_path")
        done.set()

    threading.Thread(target=read, daemon=True).start()
    assert done.wait(10), "reading a FIFO blocked"


def test_an_unreadable_file_says_permission_denied(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = tmp_path / "token"
    path.write_text("x.y.z")
    path.chmod(0)
    with pytest.raises(OptionError, match="not readable by this user"):
        read_assertion_file(str(path), "client_assertion_path")


def test_a_file_from_the_environment_is_named_with_its_variable(tmp_path):
    environ = {"AZURE_FEDERATED_TOKEN_FILE": str(tmp_path / "missing")}
    request, target = build_token_request({"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID,
                                           "scope": [d.GRAPH_SCOPE]}, environ)  # fmt: skip
    with pytest.raises(OptionError) as info:
        TokenClient(request).acquire(target)
    assert info.value.option == "client_assertion_path"
    assert str(info.value).startswith(
        "client_assertion_path (from the environment variable AZURE_FEDERATED_TOKEN_FILE) '")


def test_the_file_is_stripped_of_surrounding_whitespace(tmp_path, issuer):
    token = issuer.kubernetes_token()
    path = tmp_path / "token"
    path.write_text(f"\n  {token}\r\n")
    assert read_assertion_file(str(path), "client_assertion_path") == token


# -- the cache keys a federated credential by the token's issuer and subject ------------------------------------


def cached_client(entra, cache_dir, path, notes=None):
    return client(entra, client_assertion_path=path, cache=True, cache_dir=cache_dir, notes=notes)


def test_a_rotated_token_file_hits_the_cache_a_new_subject_misses(entra, issuer, tmp_path):
    cache_dir = str(tmp_path / "cache")
    path = write_token_file(tmp_path / "token", issuer.kubernetes_token())
    token_client, target = cached_client(entra, cache_dir, path)
    first = token_client.acquire(target)
    # The platform rotates the file: another token, the same issuer and subject.
    write_token_file(path, issuer.kubernetes_token())
    notes = []
    token_client, target = cached_client(entra, cache_dir, path, notes)
    assert token_client.acquire(target).access_token == first.access_token
    assert entra.stats()["token_requests"] == 1
    assert any("hit" in note for note in notes), notes
    # Another subject is another workload: never the first one's token.
    write_token_file(path, issuer.kubernetes_token(service_account="rotated"))
    token_client, target = cached_client(entra, cache_dir, path)
    assert token_client.acquire(target).access_token != first.access_token
    assert entra.stats()["token_requests"] == 2


def test_no_cache_file_holds_the_token_or_the_access_token(entra, issuer, tmp_path):
    cache_dir = tmp_path / "cache"
    token = issuer.kubernetes_token()
    token_client, target = client(entra, client_assertion=token, cache=True, cache_dir=str(cache_dir))
    result = token_client.acquire(target)
    files = [entry for entry in cache_dir.rglob("*") if entry.is_file()]
    assert files
    for entry in files:
        data = entry.read_bytes()
        for secret in (token, token.rpartition(".")[2], result.access_token, result.access_token.split(".")[1]):
            assert secret.encode() not in data


def test_an_expired_token_fails_with_the_cache_on_as_without_it(entra, issuer, tmp_path):
    expired = issuer.kubernetes_token(now=time.time() - 7200, lifetime=3600)
    token_client, target = client(entra, client_assertion=expired, cache=True, cache_dir=str(tmp_path / "c"))
    with pytest.raises(OptionError, match="client_assertion has expired"):
        token_client.acquire(target)


def test_the_federated_material_is_the_issuer_and_subject_only():
    from ansible_collections.azure_ad.oauth.plugins.module_utils._cache.keys import (
        federated_material,
        secret_material,
    )

    assert federated_material("https://issuer", "sub") == federated_material("https://issuer", "sub")
    assert federated_material("https://issuer", "sub") != federated_material("https://issuer", "sub2")
    assert federated_material("https://issuer/", "sub") != federated_material("https://issuer", "sub")
    assert federated_material("ab", "c") != federated_material("a", "bc")
    assert federated_material("a", "b") != secret_material("a")
