"""HTTPS on 127.0.0.1, keep-alive, concurrency, discovery documents and key sets."""

from __future__ import annotations

import concurrent.futures
import ipaddress
import json
import socket
import ssl
import urllib.parse

import jwt
import pytest
import requests
from cryptography import x509
from entra_emulator import CLIENT_ID, CLIENT_SECRET, GRAPH_SCOPE, TENANT_DOMAIN, TENANT_ID, EntraEmulator
from entra_emulator.server import MAX_BODY

FORM = {
    "grant_type": "client_credentials",
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
    "scope": GRAPH_SCOPE,
}


def test_it_listens_on_loopback_only(entra):
    assert entra.authority_host == f"https://127.0.0.1:{entra.port}"
    assert entra._server.server_address == ("127.0.0.1", entra.port)


def test_plain_http_gets_nothing(entra):
    with pytest.raises(requests.ConnectionError):
        requests.post(f"http://127.0.0.1:{entra.port}/{TENANT_ID}/oauth2/v2.0/token", data=FORM, timeout=5)


def test_the_server_certificate_is_for_127_0_0_1_and_localhost_signed_by_the_ca(entra):
    context = ssl.create_default_context(cafile=str(entra.ca_path))
    with (
        socket.create_connection(("127.0.0.1", entra.port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    names = x509.load_der_x509_certificate(der).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    ca = x509.load_pem_x509_certificate(entra.ca_path.read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_clients_may_use_localhost_and_then_it_is_the_audience(entra, token_post, assertion):
    url = f"https://localhost:{entra.port}/{TENANT_ID}/oauth2/v2.0/token"
    form = dict(FORM, scope=GRAPH_SCOPE)
    del form["client_secret"]
    form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    form["client_assertion"] = assertion(aud=url)

    assert requests.post(url, data=form, timeout=10).status_code == 200


def test_keep_alive_serves_many_requests_on_one_connection(entra):
    with requests.Session() as session:
        responses = [session.post(entra.token_endpoint(), data=FORM, timeout=10) for _unused in range(5)]

    assert [r.status_code for r in responses] == [200] * 5
    assert all(r.raw.version == 11 and "Content-Length" in r.headers for r in responses)
    stats = entra.stats()
    assert (stats["connections"], stats["requests"], stats["token_requests"]) == (1, 5, 5)


def test_errors_keep_the_connection_alive_too(entra):
    with requests.Session() as session:
        session.post(entra.token_endpoint(), data=dict(FORM, client_secret="wrong"), timeout=10)
        session.post(entra.token_endpoint(), data=FORM, timeout=10)

    assert entra.stats()["connections"] == 1


def test_parallel_clients_are_all_served_and_counted(entra):
    def client(_unused: int) -> list[int]:
        with requests.Session() as session:
            return [session.post(entra.token_endpoint(), data=FORM, timeout=10).status_code for _unused in range(5)]

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(client, range(8)))

    assert results == [[200] * 5] * 8
    stats = entra.stats()
    assert stats["token_requests"] == 40
    assert stats["by_client_id"] == {CLIENT_ID: 40}
    assert stats["by_endpoint"] == {"v2": 40}
    assert stats["by_outcome"] == {"success": 40}
    assert stats["connections"] == 8


def test_stats_count_endpoints_clients_and_outcomes(entra, token_post):
    token_post(FORM)
    token_post(dict(FORM, client_secret="wrong"))
    token_post({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                "resource": "https://graph.microsoft.com"}, version="v1")  # fmt: skip
    token_post({"grant_type": "client_credentials"})

    stats = entra.stats()
    assert stats["by_endpoint"] == {"v2": 3, "v1": 1}
    assert stats["by_client_id"] == {CLIENT_ID: 3, "(none)": 1}
    assert stats["by_outcome"] == {"success": 2, "AADSTS7000215": 1, "AADSTS900144": 1}
    entra.reset_stats()
    assert entra.stats()["token_requests"] == 0


# -- discovery ---------------------------------------------------------------------------------


@pytest.mark.parametrize("tenant", [TENANT_ID, TENANT_DOMAIN])
def test_the_v2_openid_configuration_names_the_tenant_by_guid(entra, tenant):
    doc = requests.get(f"{entra.authority(tenant)}/v2.0/.well-known/openid-configuration", timeout=10).json()

    assert doc["token_endpoint"] == entra.token_endpoint(TENANT_ID)
    assert doc["issuer"] == f"{entra.authority_host}/{TENANT_ID}/v2.0"
    assert doc["jwks_uri"] == f"{entra.authority_host}/{TENANT_ID}/discovery/v2.0/keys"
    assert "private_key_jwt" in doc["token_endpoint_auth_methods_supported"]


def test_the_v1_openid_configuration(entra):
    doc = requests.get(f"{entra.authority()}/.well-known/openid-configuration", timeout=10).json()

    assert doc["token_endpoint"] == entra.token_endpoint(TENANT_ID, "v1")
    assert doc["issuer"] == f"https://sts.windows.net/{TENANT_ID}/"
    assert doc["jwks_uri"] == f"{entra.authority_host}/common/discovery/keys"


def test_discovery_for_an_unknown_tenant_is_90002(entra, refused):
    response = requests.get(f"{entra.authority_host}/nowhere.example/v2.0/.well-known/openid-configuration", timeout=10)

    refused(response, 400, "invalid_request", 90002)


@pytest.mark.parametrize(
    ("path", "issuer"),
    [
        (f"/{TENANT_ID}/discovery/v2.0/keys", "{authority}/" + TENANT_ID + "/v2.0"),
        (f"/{TENANT_ID}/discovery/keys", f"https://sts.windows.net/{TENANT_ID}/"),
        ("/common/discovery/keys", "https://sts.windows.net/{{tenantid}}/"),
        ("/common/discovery/v2.0/keys", "{authority}/{{tenantid}}/v2.0"),
    ],
)
def test_key_sets_verify_issued_tokens(entra, token_post, path, issuer):
    keys = requests.get(entra.authority_host + path, timeout=10).json()
    token = token_post(FORM).json()["access_token"]

    (key,) = keys["keys"]
    assert key["issuer"] == issuer.format(authority=entra.authority_host)
    assert key["kid"] == jwt.get_unverified_header(token)["kid"] == key["x5t"]
    public_key = jwt.PyJWK.from_dict(key).key
    assert jwt.decode(token, public_key, algorithms=["RS256"], audience="https://graph.microsoft.com")["tid"] == (
        TENANT_ID
    )
    assert entra.jwks()["keys"][0]["n"] == key["n"]


def test_unknown_paths_are_404(entra):
    assert requests.get(f"{entra.authority_host}/nothing/here", timeout=10).status_code == 404
    assert requests.post(f"{entra.authority_host}/{TENANT_ID}/oauth2/v2.0/authorize", timeout=10).status_code == 404


# -- request framing and methods, in Entra's shapes -----------------------------------------------


def raw_exchange(entra, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw HTTP over TLS; return the status, headers (lower-case names) and body of the answer."""
    context = ssl.create_default_context(cafile=str(entra.ca_path))
    with (
        socket.create_connection(("127.0.0.1", entra.port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        tls.sendall(request)
        answer = b""
        while chunk := tls.recv(65536):
            answer += chunk
    head, _sep, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _colon, value in
               (line.partition(":") for line in header_lines)}  # fmt: skip
    return int(status_line.split()[1]), headers, body


def test_a_chunked_body_is_read_as_entra_reads_it(entra):
    encoded = urllib.parse.urlencode(FORM).encode()
    pieces = [encoded[:10], encoded[10:40], encoded[40:]]

    response = requests.post(entra.token_endpoint(), data=iter(pieces), timeout=10,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip

    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 200, response.text
    assert entra.stats()["by_outcome"] == {"success": 1}


def test_a_chunked_body_with_extensions_and_trailers(entra):
    encoded = urllib.parse.urlencode(FORM).encode()
    body = b"%x;name=value\r\n%s\r\n0\r\nX-Trailer: yes\r\n\r\n" % (len(encoded), encoded)
    request = (f"POST /{TENANT_ID}/oauth2/v2.0/token HTTP/1.1\r\nHost: 127.0.0.1:{entra.port}\r\n"
               "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n"
               "Connection: close\r\n\r\n").encode() + body  # fmt: skip

    status, _headers, answer = raw_exchange(entra, request)

    assert status == 200 and b"access_token" in answer


def entra_refusal(status: int, headers: dict, body: bytes, expected_status: int, code: int) -> dict:
    assert status == expected_status, body
    assert headers["content-type"] == "application/json; charset=utf-8"
    document = json.loads(body)
    assert set(document) == {"error", "error_description", "error_codes", "timestamp", "trace_id",
                             "correlation_id", "error_uri"}  # fmt: skip
    assert document["error_codes"] == [code] and document["error_description"].startswith(f"AADSTS{code}: ")
    return document


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "BREW"])
def test_other_methods_on_the_token_endpoint_get_entras_json_refusal(entra, method):
    response = requests.request(method, entra.token_endpoint(), data=FORM, timeout=10)

    document = entra_refusal(response.status_code, {k.lower(): v for k, v in response.headers.items()},
                             response.content, 400, 900561)  # fmt: skip
    assert document["error"] == "invalid_request"
    assert f"Received a {method} request" in document["error_description"]
    assert entra.stats()["token_requests"] == 0


def test_head_gets_the_refusal_status_without_a_body(entra):
    response = requests.head(entra.token_endpoint(), timeout=10)

    assert response.status_code == 400 and response.content == b""
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"


def test_options_says_post_and_options(entra):
    response = requests.options(entra.token_endpoint(), timeout=10)

    assert response.status_code == 200 and response.headers["Allow"] == "POST, OPTIONS"


def test_other_methods_elsewhere_are_a_json_404(entra):
    response = requests.put(f"{entra.authority_host}/nothing/here", timeout=10)

    assert response.status_code == 404 and response.json() == {"error": "not_found"}


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_an_oversized_body_gets_entras_json_refusal_not_a_bare_413(entra, framing):
    if framing == "content-length":
        request = (f"POST /{TENANT_ID}/oauth2/v2.0/token HTTP/1.1\r\nHost: 127.0.0.1:{entra.port}\r\n"
                   f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {MAX_BODY + 1}\r\n"
                   "\r\n").encode()  # fmt: skip
    else:
        request = (f"POST /{TENANT_ID}/oauth2/v2.0/token HTTP/1.1\r\nHost: 127.0.0.1:{entra.port}\r\n"
                   "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
                   f"{MAX_BODY + 1:x}\r\n").encode()  # fmt: skip

    status, headers, body = raw_exchange(entra, request)

    entra_refusal(status, headers, body, 413, 9002313)
    assert headers["connection"] == "close"


@pytest.mark.parametrize("framing", [
    "Transfer-Encoding: gzip\r\n\r\n",
    "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
    "Transfer-Encoding: chunked\r\n\r\nzz\r\n",
    "Transfer-Encoding: chunked\r\n\r\n3\r\nabcXY",
    "Content-Length: -1\r\n\r\n",
])  # fmt: skip
def test_a_body_whose_framing_cannot_be_read_gets_entras_json_refusal(entra, framing):
    request = (f"POST /{TENANT_ID}/oauth2/v2.0/token HTTP/1.1\r\nHost: 127.0.0.1:{entra.port}\r\n"
               f"Content-Type: application/x-www-form-urlencoded\r\n{framing}").encode()  # fmt: skip

    status, headers, body = raw_exchange(entra, request)

    entra_refusal(status, headers, body, 400, 9002313)
    assert headers["connection"] == "close"


# -- life cycle and logs --------------------------------------------------------------------------


def test_life_cycle_with_a_state_dir_and_a_debug_log(tmp_path, monkeypatch):
    log = tmp_path / "debug.log"
    emulator = EntraEmulator({"debug_log": str(log)}, state_dir=tmp_path / "state")
    with emulator:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(emulator.ca_path))
        with pytest.raises(RuntimeError):
            emulator.start()
        assert emulator.ca_path == tmp_path / "state" / "ca.pem"
        assert list((tmp_path / "state").iterdir()) == [emulator.ca_path]  # the server key is not left behind
        requests.post(f"{emulator.token_endpoint()}?client_secret={CLIENT_SECRET}", data=FORM, timeout=10)
    assert not emulator.running
    emulator.stop()  # a second stop does nothing

    text = log.read_text()
    assert f"POST /{TENANT_ID}/oauth2/v2.0/token 200" in text
    assert CLIENT_SECRET not in text and "client_secret" not in text
    assert emulator.ca_path.exists()  # a given state dir is the caller's to clean


def test_a_temporary_state_dir_is_removed_at_stop():
    with EntraEmulator() as emulator:
        directory = emulator.ca_path.parent
        assert emulator.ca_path.exists()
    assert not directory.exists()
