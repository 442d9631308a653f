"""The token core end to end against the strict local Entra endpoint."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import jwt
import pytest
from cert_builder import cert_pem, key_pem, rsa_key, self_signed, write_private
from collection_path import COLLECTIONS_ROOT
from entra_emulator import defaults as d

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    OptionError,
    TokenEndpointError,
    TransportError,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.client import TokenClient
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import build_token_request


@pytest.fixture(scope="module")
def registered_pem(entra_emulator, tmp_path_factory):
    """A key+certificate PEM (0600) whose certificate is registered on the demo app."""
    key = rsa_key()
    cert = self_signed(key, "core-test")
    entra_emulator.register_certificate(d.CLIENT_ID, cert_pem(cert).decode())
    return write_private(tmp_path_factory.mktemp("pem") / "app.pem", key_pem(key), cert_pem(cert))


def client(entra, warnings=None, retry_log=None, **options):
    base = {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "authority_host": entra.authority_host,
            "ca_path": str(entra.ca_path)}
    if "keystore_path" not in options:
        base["client_secret"] = d.CLIENT_SECRET
    base.update(options)
    request, target = build_token_request(base, {})
    on_retry = (lambda *args: retry_log.append(args)) if retry_log is not None else None
    return TokenClient(request, warn=(warnings.append if warnings is not None else None), on_retry=on_retry), target


@pytest.mark.parametrize("api_version", ["v1", "v2"])
@pytest.mark.parametrize("grant", ["secret", "certificate"])
def test_both_grants_on_both_versions(entra, registered_pem, grant, api_version):
    options = {"api_version": api_version, "resource": d.GRAPH_RESOURCE}
    if grant == "certificate":
        options["keystore_path"] = registered_pem
    token_client, target = client(entra, **options)
    result = token_client.acquire(target).to_dict()
    assert isinstance(result["expires_in"], int) and isinstance(result["expires_on"], int)
    assert result["expires_on"] > result["expires_in"]
    assert result["claims"]["aud"] == d.GRAPH_RESOURCE
    assert result["claims"]["appidacr"] == ("2" if grant == "certificate" else "1")
    assert result["claims"]["roles"] == d.GRAPH_ROLES
    # The token really is the endpoint's: its signature verifies with the published key.
    jwt.decode(result["access_token"], entra.issued_token_public_key, algorithms=["RS256"], audience=d.GRAPH_RESOURCE)
    if api_version == "v1":
        assert result["resource"] == d.GRAPH_RESOURCE and "scope" not in result
    else:
        assert result["scope"] == [d.GRAPH_SCOPE] and "resource" not in result
    assert entra.stats()["by_outcome"] == {"success": 1}


def test_keystore_is_opened_once_for_several_targets(entra, registered_pem, monkeypatch):
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token import client as _client

    calls = []
    original = _client.load_signing_key
    monkeypatch.setattr(_client, "load_signing_key", lambda *a: calls.append(a) or original(*a))
    token_client, _unused = client(entra, keystore_path=registered_pem, scope=[d.GRAPH_SCOPE])
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import target_from_term

    audiences = [token_client.acquire(target_from_term(t, "v2")).claims["aud"]
                 for t in (d.GRAPH_SCOPE, d.KEYVAULT_RESOURCE)]
    assert audiences == [d.GRAPH_RESOURCE, d.KEYVAULT_RESOURCE]
    assert len(calls) == 1


def test_domain_alias_tenant(entra):
    token_client, target = client(entra, tenant_id=d.TENANT_DOMAIN, scope=[d.GRAPH_SCOPE])
    assert token_client.acquire(target).claims["tid"] == d.TENANT_ID


@pytest.mark.parametrize(
    ("options", "code", "option"),
    [
        ({"client_secret": d.CLIENT_SECRET_ID}, 7000215, "client_secret"),
        ({"client_secret": "wrong"}, 7000215, "client_secret"),
        ({"tenant_id": "nowhere.onmicrosoft.com"}, 90002, "tenant_id"),
        ({"client_id": "00000000-0000-0000-0000-000000000001"}, 700016, "client_id"),
        ({"scope": ["https://unknown.example.com/.default"]}, 500011, "resource"),
    ],
)
def test_entra_errors_carry_codes_ids_and_hints(entra, options, code, option):
    options.setdefault("scope", [d.GRAPH_SCOPE])
    token_client, target = client(entra, **options)
    with pytest.raises(TokenEndpointError) as info:
        token_client.acquire(target)
    err = info.value
    assert err.error_codes == (code,)
    assert str(err).startswith(f"AADSTS{code}: ")
    assert err.trace_id and err.correlation_id and err.hint
    assert f"trace_id {err.trace_id}" in str(err) and f"correlation_id {err.correlation_id}" in str(err)
    assert err.option == option
    assert d.CLIENT_SECRET not in str(err)


def test_unregistered_certificate_is_700027(entra, tmp_path):
    key = rsa_key()
    path = write_private(tmp_path / "stranger.pem", key_pem(key), cert_pem(self_signed(key, "stranger")))
    token_client, target = client(entra, keystore_path=path, scope=[d.GRAPH_SCOPE])
    with pytest.raises(TokenEndpointError) as info:
        token_client.acquire(target)
    assert info.value.error_codes == (700027,)
    assert info.value.option == "keystore_path"


def test_throttling_is_retried_with_fresh_assertions(entra, registered_pem):
    entra.set_faults([{"type": "status", "status": 429, "retry_after": 0},
                      {"type": "status", "status": 503, "retry_after": 0}, {"type": "drop"}])
    retry_log = []
    token_client, target = client(entra, retry_log=retry_log, keystore_path=registered_pem, scope=[d.GRAPH_SCOPE])
    assert token_client.acquire(target).claims["appidacr"] == "2"
    assert [reason for attempt, reason, wait in retry_log] == ["HTTP 429", "HTTP 503", "connection error"]
    stats = entra.stats()
    assert stats["token_requests"] == 4 and stats["by_outcome"]["success"] == 1
    # The faults answer before any check, so only what was sent can prove that each attempt signed anew.
    received = entra.assertions()
    assert len(received) == 4
    assert len({entry["claims"]["jti"] for entry in received}) == 4
    assert len({entry["signature"] for entry in received}) == 4


def test_the_client_records_every_retry_of_every_acquire(entra):
    """What the module's one retry warning lists; on_retry is told of each as it happens, the same."""
    entra.set_faults([{"type": "status", "status": 429, "retry_after": 0},
                      {"type": "status", "status": 503, "retry_after": 0}])
    told = []
    token_client, target = client(entra, retry_log=told, scope=[d.GRAPH_SCOPE])
    token_client.acquire(target)
    entra.set_faults([{"type": "drop"}])
    token_client.acquire(target)
    recorded = [(retry.attempt, retry.reason) for retry in token_client.retries]
    assert recorded == [(1, "HTTP 429"), (2, "HTTP 503"), (1, "connection error")]
    assert [(retry.attempt, retry.reason, retry.wait) for retry in token_client.retries] == told
    assert token_client.retries[0].wait == 0.0


def test_a_client_without_retries_records_none(entra):
    token_client, target = client(entra, scope=[d.GRAPH_SCOPE])
    token_client.acquire(target)
    assert token_client.retries == []


@pytest.mark.parametrize("duration", [60, 1234, 3600])
def test_token_duration_is_the_lifetime_of_the_assertion_sent(entra, registered_pem, duration):
    token_client, target = client(entra, keystore_path=registered_pem, scope=[d.GRAPH_SCOPE], token_duration=duration)
    token_client.acquire(target)
    (sent,) = entra.assertions()
    claims = sent["claims"]
    assert claims["exp"] - claims["iat"] == duration and claims["nbf"] == claims["iat"]


def test_retry_after_over_the_limit_fails_at_once(entra):
    entra.set_faults([{"type": "status", "status": 429, "retry_after": 120}])
    token_client, target = client(entra, scope=[d.GRAPH_SCOPE], max_retry_wait=10)
    with pytest.raises(TokenEndpointError) as info:
        token_client.acquire(target)
    assert "wait 120 seconds" in str(info.value) and "max_retry_wait (10)" in str(info.value)
    assert info.value.error_codes == (50196,)
    assert entra.stats()["token_requests"] == 1


def test_retries_run_out_on_persistent_throttling(entra):
    entra.set_faults([{"type": "status", "status": 429, "retry_after": 0, "times": 10}])
    token_client, target = client(entra, scope=[d.GRAPH_SCOPE], retries=2)
    with pytest.raises(TokenEndpointError) as info:
        token_client.acquire(target)
    assert info.value.status == 429 and "retries and max_retry_wait" in str(info.value)
    assert entra.stats()["token_requests"] == 3


def test_untrusted_endpoint_names_ca_path(entra):
    token_client, target = client(entra, scope=[d.GRAPH_SCOPE], ca_path=None)
    with pytest.raises(TransportError) as info:
        token_client.acquire(target)
    assert info.value.option == "ca_path" and "validate_certs" in str(info.value)


def test_validate_certs_false_warns(entra):
    warnings = []
    token_client, target = client(entra, warnings, scope=[d.GRAPH_SCOPE], ca_path=None, validate_certs=False)
    assert token_client.acquire(target).access_token
    assert any("validate_certs is false" in w for w in warnings)


@pytest.mark.parametrize(("mode", "warns"), [(0o644, True), (0o640, True), (0o604, True), (0o660, True),
                                             (0o600, False), (0o400, False)])  # fmt: skip
def test_a_keystore_readable_by_group_or_others_warns(entra, registered_pem, tmp_path, mode, warns):
    exposed = tmp_path / "exposed.pem"
    exposed.write_bytes(open(registered_pem, "rb").read())
    exposed.chmod(mode)
    warnings = []
    token_client, target = client(entra, warnings, keystore_path=str(exposed), scope=[d.GRAPH_SCOPE])
    token_client.acquire(target)
    exposure = [w for w in warnings if "readable by other users" in w]
    assert exposure == ([f"keystore_path {exposed} is readable by other users (mode {mode:04o}); it holds a private "
                         "key. Restrict it with mode 0600."] if warns else [])  # fmt: skip


def test_unreachable_endpoint_is_retried_then_reported(entra):
    token_client, target = client(entra, scope=[d.GRAPH_SCOPE], authority_host="https://127.0.0.1:9",
                                  retries=1, max_retry_wait=0)
    with pytest.raises(TransportError, match="Gave up after 2 attempts") as info:
        token_client.acquire(target)
    assert info.value.option == "authority_host"


def test_missing_target_is_left_to_adapters(entra):
    _unused, target = client(entra)
    assert target is None
    with pytest.raises(OptionError):
        build_token_request({"tenant_id": d.TENANT_ID}, {})


# -- secrets echoed back by the endpoint (issue 7, class 4): every field of a JSON answer, every attempt -----


ECHO_SECRET = "Ec8~ho s+cr/et=%&\"'é"
ECHO_PASSWORD = "pem pass+word/é"


def echo_forms(value: str) -> list[str]:
    from urllib.parse import quote, quote_plus

    lower_hex = re.sub("%[0-9A-F]{2}", lambda escape: escape.group().lower(), quote(value, safe=""))
    return [value, quote(value), lower_hex, quote_plus(value), json.dumps(value)[1:-1]]


def echoing_endpoint(monkeypatch, answers):
    """Replace the transport: each call records the form it was given and answers with answers[n](forms so far)."""
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token import client as _token
    from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.http import HttpResponse

    forms = []

    def post_form(url, form, timeout, verify):
        forms.append(dict(form))
        status, payload = answers[min(len(forms), len(answers)) - 1](forms)
        body = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
        return HttpResponse(status=status, headers={"Retry-After": "0"}, body=body, client_request_id="req-1")

    monkeypatch.setattr(_token, "post_form", post_form)
    return forms


def assert_nothing_sent_is_shown(err, sent: list[str]) -> None:
    texts = [str(err), str(err.error), str(err.trace_id), str(err.correlation_id)]
    for value in sent:
        for form in echo_forms(value):
            assert all(form not in text for text in texts), (form, texts)


def test_a_secret_echoed_in_every_field_of_a_json_error_is_redacted(monkeypatch):
    def echo(forms):
        secret = forms[-1]["client_secret"]
        one, two, three, four, five = echo_forms(secret)
        return 401, {"error": f"bad {one}", "error_description": f"AADSTS7000215: got {two} and {five}",
                     "error_codes": [7000215], "trace_id": f"t {three}", "correlation_id": f"c {four}"}

    forms = echoing_endpoint(monkeypatch, [echo])
    request, target = build_token_request({"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID,
                                           "client_secret": ECHO_SECRET, "scope": [d.GRAPH_SCOPE]}, {})  # fmt: skip
    with pytest.raises(TokenEndpointError) as info:
        TokenClient(request).acquire(target)
    assert forms[0]["client_secret"] == ECHO_SECRET
    assert_nothing_sent_is_shown(info.value, [ECHO_SECRET])
    assert str(info.value).startswith("AADSTS7000215: got ******** and ********")
    fields = (info.value.error, info.value.trace_id, info.value.correlation_id)
    assert fields == ("bad ********", "t ********", "c ********")


def test_every_assertion_of_every_attempt_and_the_password_are_redacted(monkeypatch, tmp_path):
    from cryptography.hazmat.primitives import serialization

    key = rsa_key()
    encrypted = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(ECHO_PASSWORD.encode()))  # fmt: skip
    path = write_private(tmp_path / "app.pem", encrypted, cert_pem(self_signed(key, "echo")))

    def throttled(forms):
        # Echo the assertion being answered, whole and as its bare signature (which is not JWT-shaped).
        assertion = forms[-1]["client_assertion"]
        return 503, f"<html>busy {assertion} sig={assertion.rpartition('.')[2]}</html>"

    def final(forms):
        first, second, third = (form["client_assertion"] for form in forms)
        return 400, {"error": f"invalid {first.rpartition('.')[2]}", "error_codes": [50027],
                     "error_description": f"AADSTS50027: {second} {ECHO_PASSWORD}",
                     "trace_id": third.rpartition(".")[2], "correlation_id": json.dumps(ECHO_PASSWORD)[1:-1]}

    forms = echoing_endpoint(monkeypatch, [throttled, throttled, final])
    request, target = build_token_request({"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "keystore_path": path,
                                           "key_password": ECHO_PASSWORD, "scope": [d.GRAPH_SCOPE], "retries": 2,
                                           "max_retry_wait": 0}, {})  # fmt: skip
    with pytest.raises(TokenEndpointError) as info:
        TokenClient(request).acquire(target)
    assertions = [form["client_assertion"] for form in forms]
    assert len(set(assertions)) == 3  # a fresh assertion per attempt, each one redacted
    sent = [ECHO_PASSWORD, *assertions, *(assertion.rpartition(".")[2] for assertion in assertions)]
    assert_nothing_sent_is_shown(info.value, sent)
    assert info.value.error == "invalid ********" and info.value.trace_id == "********"
    assert info.value.error_codes == (50027,) and info.value.option == "keystore_path"


def test_a_throttled_answer_past_max_retry_wait_is_redacted_too(monkeypatch):
    def echo(forms):
        return 429, {"error": "throttled", "error_description": f"AADSTS50196: {forms[-1]['client_secret']}",
                     "error_codes": [50196]}

    forms = echoing_endpoint(monkeypatch, [echo])
    forms.clear()
    request, target = build_token_request({"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID,
                                           "client_secret": ECHO_SECRET, "scope": [d.GRAPH_SCOPE],
                                           "max_retry_wait": 0}, {})  # fmt: skip
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token import client as _token

    monkeypatch.setattr(_token, "send_with_retries", _wait_too_long)
    with pytest.raises(TokenEndpointError) as info:
        TokenClient(request).acquire(target)
    assert "max_retry_wait" in str(info.value) and "AADSTS50196: ********" in str(info.value)
    assert_nothing_sent_is_shown(info.value, [ECHO_SECRET])


def _wait_too_long(send, policy, on_retry=None):
    from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.retry import RetryWaitTooLong

    raise RetryWaitTooLong(send(), 120.0)


# -- the assertion the client sends, decoded by the client's own test (not by the endpoint) ---------


PRODUCT_AUTHORITY = "https://login.microsoftonline.com"


@pytest.mark.parametrize(("api_version", "path", "alg", "thumbprint_header"), [
    ("v1", "oauth2/token", "RS256", "x5t"),
    ("v2", "oauth2/v2.0/token", "PS256", "x5t#S256"),
])  # fmt: skip
def test_the_assertion_sent_has_exactly_the_claims_entra_requires(
        monkeypatch, tmp_path, api_version, path, alg, thumbprint_header):
    """aud, iss, sub, exp - iat, nbf, jti and the thumbprint header, read from the form that left the client.

    A lenient endpoint could accept a wrong audience; this test does not ask one.
    """
    import base64
    import hashlib
    import time
    import uuid

    from cryptography.hazmat.primitives import serialization

    key = rsa_key()
    certificate = self_signed(key, "product-test")
    der = certificate.public_bytes(serialization.Encoding.DER)
    keystore = write_private(tmp_path / "app.pem", key_pem(key), cert_pem(certificate))
    digest = hashlib.sha1(der).digest() if thumbprint_header == "x5t" else hashlib.sha256(der).digest()
    success = {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": "opaque-token"}
    if api_version == "v1":
        success = {**{name: str(value) for name, value in success.items()}, "resource": d.GRAPH_RESOURCE,
                   "expires_on": str(int(time.time()) + 3599), "access_token": "opaque-token"}  # fmt: skip
    forms = echoing_endpoint(monkeypatch, [lambda forms: (200, success)])
    request, target = build_token_request({"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID,
                                           "keystore_path": keystore, "resource": d.GRAPH_RESOURCE,
                                           "api_version": api_version, "token_duration": 900}, {})  # fmt: skip
    before = int(time.time())
    TokenClient(request).acquire(target)
    after = int(time.time())

    (form,) = forms
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assertion = form["client_assertion"]
    header = jwt.get_unverified_header(assertion)
    assert header == {"alg": alg, "typ": "JWT",
                      thumbprint_header: base64.urlsafe_b64encode(digest).decode().rstrip("=")}  # fmt: skip
    audience = f"{PRODUCT_AUTHORITY}/{d.TENANT_ID}/{path}"
    claims = jwt.decode(assertion, key.public_key(), algorithms=[alg], audience=audience)
    assert claims["aud"] == audience  # exactly: no trailing slash, no other tenant form, no v2 path on v1
    assert claims["iss"] == claims["sub"] == d.CLIENT_ID
    assert before <= claims["iat"] <= after and claims["nbf"] == claims["iat"]
    assert claims["exp"] - claims["iat"] == 900
    assert str(uuid.UUID(claims["jti"])) == claims["jti"]
    assert set(claims) == {"aud", "iss", "sub", "jti", "iat", "nbf", "exp"}


# -- a secret-only token never imports pyjks, cryptography or PyJWT --------------------------------------------
#
# The client runs in a fresh interpreter, because this test process (and the in-process endpoint) already
# imported them.

FRESH_CLIENT = """
import json, sys
sys.path.insert(0, {collections!r})
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.client import TokenClient
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import build_token_request
request, target = build_token_request({options!r}, {{}})
token = TokenClient(request).acquire(target)
loaded = {{name.split(".")[0] for name in sys.modules}}
heavy = sorted(loaded & {{"jks", "cryptography", "jwt", "pyasn1", "Cryptodome"}})
print(json.dumps({{"aud": token.claims["aud"], "heavy": heavy}}))
"""


def test_secret_grant_imports_no_crypto_library(entra):
    options = {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "client_secret": d.CLIENT_SECRET,
               "scope": [d.GRAPH_SCOPE], "authority_host": entra.authority_host, "ca_path": str(entra.ca_path)}
    script = FRESH_CLIENT.format(collections=str(COLLECTIONS_ROOT), options=options)
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                               check=False)
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    assert report == {"aud": d.GRAPH_RESOURCE, "heavy": []}
