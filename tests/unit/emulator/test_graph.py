"""The emulator's Microsoft Graph surface: the application read, addKey, removeKey, their checks, and the
token endpoint's view of keys added and removed through them."""

from __future__ import annotations

import base64
import time
import uuid

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from entra_emulator import GRAPH_APP_ID

from .conftest import make_cert

pytestmark = pytest.mark.usefixtures("entra")


class App:
    """A fresh app with one registered certificate, so tests never share keys."""

    def __init__(self, entra, roles=("Application.ReadWrite.OwnedBy",)) -> None:
        self.entra = entra
        self.client_id = str(uuid.uuid4())
        self.cert = make_cert("graph test app")
        app = entra.add_app(self.client_id, roles={GRAPH_APP_ID: list(roles)} if roles else None)
        entra.register_certificate(self.client_id, self.cert.cert_pem)
        self.object_id = app.object_id

    def token(self, cert=None, scope=None) -> requests.Response:
        cert = cert or self.cert
        now = int(time.time())
        claims = {"aud": self.entra.token_endpoint(), "iss": self.client_id, "sub": self.client_id,
                  "jti": str(uuid.uuid4()), "nbf": now, "exp": now + 300}
        assertion = jwt.encode(claims, cert.key, algorithm="RS256", headers={"x5t": cert.x5t})
        return requests.post(self.entra.token_endpoint(), data={
            "grant_type": "client_credentials", "client_id": self.client_id,
            "scope": scope or f"{self.entra.graph_endpoint}/.default",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion}, timeout=10)

    def bearer(self) -> dict:
        response = self.token()
        assert response.status_code == 200, response.text
        return {"Authorization": "Bearer " + response.json()["access_token"]}

    def proof(self, cert=None, **changes) -> str:
        cert = cert or self.cert
        now = int(time.time())
        claims = {"aud": GRAPH_APP_ID, "iss": self.object_id, "nbf": now, "exp": now + 600,
                  "jti": str(uuid.uuid4())}
        claims.update(changes.pop("claims", {}))
        headers = {"x5t": cert.x5t, **changes.pop("headers", {})}
        return jwt.encode(claims, cert.key, algorithm=changes.pop("alg", "RS256"), headers=headers)

    def url(self, action: str = "") -> str:
        return f"{self.entra.graph_endpoint}/v1.0/applications/{self.object_id}{action}"

    def add_key(self, new_cert, proof=None, **body) -> requests.Response:
        key = base64.b64encode(new_cert.cert.public_bytes(serialization.Encoding.DER)).decode()
        document = {"keyCredential": {"type": "AsymmetricX509Cert", "usage": "Verify", "key": key},
                    "passwordCredential": None, "proof": proof or self.proof(), **body}
        return requests.post(self.url("/addKey"), json=document, headers=self.bearer(), timeout=10)

    def remove_key(self, key_id, proof=None) -> requests.Response:
        return requests.post(self.url("/removeKey"), json={"keyId": key_id, "proof": proof or self.proof()},
                             headers=self.bearer(), timeout=10)

    def read(self, by_app_id=True, headers=None) -> requests.Response:
        url = (f"{self.entra.graph_endpoint}/v1.0/applications(appId='{self.client_id}')" if by_app_id
               else self.url())
        headers = self.bearer() if headers is None else headers
        return requests.get(url, params={"$select": "id,keyCredentials"}, headers=headers, timeout=10)


def graph_error(response: requests.Response, status: int, code: str, *words: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["innerError"]["request-id"] == response.headers["request-id"]
    for word in words:
        assert word in error["message"]


def test_the_application_is_read_by_client_id_and_by_object_id(entra):
    app = App(entra)
    for by_app_id in (True, False):
        response = app.read(by_app_id)
        assert response.status_code == 200, response.text
        document = response.json()
        assert document["id"] == app.object_id
        [credential] = document["keyCredentials"]
        assert base64.b64decode(credential["customKeyIdentifier"]).hex().upper() == app.cert.sha1_hex
        assert set(document) == {"@odata.context", "id", "keyCredentials"}


def test_reading_needs_a_read_permission(entra):
    graph_error(App(entra, roles=()).read(), 403, "Authorization_RequestDenied")


def test_an_unknown_select_property_is_refused(entra):
    app = App(entra)
    response = requests.get(app.url(), params={"$select": "id,passwordHash"}, headers=app.bearer(), timeout=10)
    graph_error(response, 400, "Request_BadRequest", "passwordHash")


def test_add_key_then_token_then_remove_key(entra):
    app, new = App(entra), make_cert("next")
    response = app.add_key(new)
    assert response.status_code == 200, response.text
    added = response.json()
    assert base64.b64decode(added["customKeyIdentifier"]).hex().upper() == new.sha1_hex
    assert added["displayName"] == "CN=next"

    assert app.token(new).status_code == 200  # accepted by the token endpoint at once (no delay set)

    removed = app.remove_key(added["keyId"], proof=app.proof(new))
    assert removed.status_code == 204, removed.text
    refused = app.token(new)
    assert refused.status_code == 401 and refused.json()["error_codes"] == [700027]


def test_a_duplicate_certificate_is_refused(entra):
    app = App(entra)
    graph_error(app.add_key(app.cert), 400, "Request_BadRequest", "duplicate")


def test_propagation_delay_holds_the_new_key_back_from_the_token_endpoint(entra):
    entra.configure(graph_propagation_delay=1.5)
    app, new = App(entra), make_cert("slow")
    assert app.add_key(new).status_code == 200
    early = app.token(new)
    assert early.status_code == 401 and early.json()["error_codes"] == [700027]
    time.sleep(1.6)
    assert app.token(new).status_code == 200


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"claims": {"aud": "00000002-0000-0000-c000-000000000000"}}, "audience"),
        ({"claims": {"iss": "client"}}, "client ID"),
        ({"claims": {"iss": str(uuid.uuid4())}}, "object ID"),
        ({"claims": {"nbf": int(time.time()), "exp": int(time.time()) + 601}}, "10 minutes"),
        ({"claims": {"nbf": int(time.time()) - 4000, "exp": int(time.time()) - 3500}}, "not valid at this time"),
        ({"claims": {"nbf": "now"}}, "numbers"),
        ({"alg": "PS256"}, "RS256"),
        ({"headers": {"x5t": "not base64!"}}, "x5t"),
    ],
)
def test_each_proof_check_refuses(entra, change, words):
    app = App(entra)
    if change.get("claims", {}).get("iss") == "client":
        change["claims"]["iss"] = app.client_id
    graph_error(app.add_key(make_cert("x"), proof=app.proof(**change)), 400, "Request_BadRequest", words)


def test_a_proof_signed_by_an_unregistered_key_is_refused(entra):
    app, stranger = App(entra), make_cert("stranger")
    graph_error(app.add_key(make_cert("x"), proof=app.proof(stranger)), 400, "Request_BadRequest",
                stranger.sha1_hex)


def test_a_proof_whose_signature_is_another_keys_is_refused(entra):
    app, stranger = App(entra), make_cert("stranger")
    proof = app.proof(stranger, headers={"x5t": app.cert.x5t})
    graph_error(app.add_key(make_cert("x"), proof=proof), 400, "Request_BadRequest", "signature")


def test_a_proof_by_an_expired_certificate_is_refused(entra):
    app, old = App(entra), make_cert("old", valid_from_days=-40, valid_days=30)
    entra.register_certificate(app.client_id, old.cert_pem)
    graph_error(app.add_key(make_cert("x"), proof=app.proof(old)), 400, "Request_BadRequest", "not currently valid")


def test_a_replayed_proof_is_refused(entra):
    app = App(entra)
    proof = app.proof()
    assert app.add_key(make_cert("one"), proof=proof).status_code == 200
    graph_error(app.add_key(make_cert("two"), proof=proof), 400, "Request_BadRequest", "already used")


def test_remove_an_unknown_key_id_is_404(entra):
    app = App(entra)
    graph_error(app.remove_key(str(uuid.uuid4())), 404, "Request_ResourceNotFound")


def test_bearer_checks(entra):
    app, other = App(entra), App(entra)
    graph_error(app.read(headers={}), 401, "InvalidAuthenticationToken")
    graph_error(app.read(headers={"Authorization": "Bearer abc.def.ghi"}), 401, "InvalidAuthenticationToken")
    arm = app.token(scope="https://management.azure.com/.default").json()["access_token"]
    graph_error(app.read(headers={"Authorization": f"Bearer {arm}"}), 401, "InvalidAuthenticationToken", "audience")
    # Another app's token may not roll this app's keys.
    key = base64.b64encode(make_cert("x").cert.public_bytes(serialization.Encoding.DER)).decode()
    response = requests.post(app.url("/addKey"), headers=other.bearer(), timeout=10, json={
        "keyCredential": {"type": "AsymmetricX509Cert", "usage": "Verify", "key": key},
        "passwordCredential": None, "proof": app.proof()})
    graph_error(response, 403, "Authorization_RequestDenied")


def test_bad_bodies(entra):
    app = App(entra)
    graph_error(app.add_key(make_cert("x"), passwordCredential={"displayName": "x"}), 400, "Request_BadRequest")
    response = requests.post(app.url("/addKey"), json={"keyCredential": {"type": "Symmetric", "usage": "Verify",
                             "key": "AAAA"}, "proof": app.proof()}, headers=app.bearer(), timeout=10)
    graph_error(response, 400, "Request_BadRequest", "AsymmetricX509Cert")
    response = requests.post(app.url("/addKey"), data=b"not json", headers={
        **app.bearer(), "Content-Type": "application/json"}, timeout=10)
    graph_error(response, 400, "Request_BadRequest", "JSON")


def test_unknown_application_is_404(entra):
    app = App(entra)
    response = requests.get(f"{entra.graph_endpoint}/v1.0/applications/{uuid.uuid4()}", headers=app.bearer(),
                            timeout=10)
    graph_error(response, 404, "Request_ResourceNotFound")


def test_graph_faults_answer_429_with_retry_after_in_graphs_shape(entra):
    app = App(entra)
    bearer = app.bearer()
    entra.set_graph_faults([{"type": "status", "status": 429, "retry_after": 3}])
    response = app.read(headers=bearer)
    graph_error(response, 429, "TooManyRequests")
    assert response.headers["Retry-After"] == "3"
    assert app.read(headers=bearer).status_code == 200
    assert entra.stats()["graph_requests"] == 2


def test_admin_describes_an_apps_credentials(entra):
    from entra_emulator.admin import handle_admin

    app = App(entra)
    status, document = handle_admin(entra, "GET", f"/_emulator/apps/{app.client_id}", entra.admin_token, b"")
    assert status == 200
    assert [c["thumbprint"] for c in document["certificates"]] == [app.cert.sha1_hex]
    assert document["object_id"] == app.object_id
