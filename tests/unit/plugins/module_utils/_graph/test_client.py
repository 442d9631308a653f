"""The Graph client against the local endpoint, and Graph's answers read as untrusted input."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from cert_builder import cert_pem, rsa_key, self_signed
from cryptography.hazmat.primitives import serialization
from entra_emulator import defaults as d

from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.client import GraphClient, graph_error
from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.errors import GraphError
from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.proof import sign_proof
from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.thumbprint import (
    certificate_digest,
    format_thumbprint,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.untrusted_text import UntrustedText
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.client import TokenClient
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import TokenTarget, build_token_request
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.signing_key import SigningKey
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.http import HttpResponse
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.retry import RetryPolicy


@pytest.fixture
def connected(entra, tmp_path):
    """A fresh app with a registered certificate, a Graph client holding its token, and a proof signer."""
    key = rsa_key()
    cert = self_signed(key, "graph client test")
    client_id = str(uuid.uuid4())
    app = entra.add_app(client_id, roles={d.GRAPH_APP_ID: ["Application.ReadWrite.OwnedBy"]})
    entra.register_certificate(client_id, cert_pem(cert))
    secret = "graph~client-test-secret-0123456789"
    entra.add_secret(client_id, secret)
    request, _target = build_token_request({"tenant_id": d.TENANT_ID, "client_id": client_id, "client_secret": secret,
                                            "authority_host": entra.authority_host, "ca_path": str(entra.ca_path)}, {})
    token = TokenClient(request).acquire(TokenTarget(scopes=(entra.graph_endpoint + "/.default",)))
    graph = GraphClient(entra.graph_endpoint, token.access_token, 10, str(entra.ca_path),
                        RetryPolicy(retries=2, max_retry_wait=5))
    der = cert.public_bytes(serialization.Encoding.DER)
    signing_key = SigningKey(private_key=key, algorithm="RS256", x5t=format_thumbprint(certificate_digest(der), "x5t"))
    return graph, app, lambda: sign_proof(signing_key, app.object_id)


def test_read_add_and_remove(connected):
    graph, app, proof = connected
    application = graph.get_application(app.client_id)
    assert application.object_id == app.object_id and len(application.key_credentials) == 1
    new = self_signed(rsa_key(), "added")
    key = base64.b64encode(new.public_bytes(serialization.Encoding.DER)).decode()
    added = graph.add_key(app.object_id, key, "shown name", proof)
    assert added.display_name == "shown name" and added.key_id
    assert len(graph.get_application(object_id=app.object_id).key_credentials) == 2
    graph.remove_key(app.object_id, added.key_id, proof)
    assert len(graph.get_application(app.client_id).key_credentials) == 1


def test_429_and_503_are_retried(connected, entra):
    graph, app, _proof = connected
    entra.set_graph_faults([{"type": "status", "status": 429, "retry_after": 0},
                            {"type": "status", "status": 503, "retry_after": 0}])
    retries = []
    graph._on_retry = lambda attempt, reason, wait: retries.append(reason)
    assert graph.get_application(app.client_id).object_id == app.object_id
    assert retries == ["HTTP 429", "HTTP 503"]


def test_retries_run_out_with_graphs_error(connected, entra):
    graph, app, _proof = connected
    entra.set_graph_faults([{"type": "status", "status": 503, "retry_after": 0, "times": 3}])
    with pytest.raises(GraphError) as raised:
        graph.get_application(app.client_id)
    assert raised.value.status == 503 and raised.value.code == "serviceNotAvailable"


def test_a_graph_refusal_keeps_code_message_and_request_id(connected):
    graph, _app, _proof = connected
    with pytest.raises(GraphError) as raised:
        graph.get_application(object_id=str(uuid.uuid4()))
    error = raised.value
    assert (error.status, error.code) == (404, "Request_ResourceNotFound") and error.request_id
    assert error.request_id in error.message and "read the application" in error.message


def response(status, body, headers=None):
    return HttpResponse(status, headers or {}, body if isinstance(body, bytes) else json.dumps(body).encode(), "crid")


def test_echoed_secrets_tokens_and_escapes_never_show():
    secret = "proof~and-bearer-secret-value-123456"
    body = {"error": {"code": "Bad\x1b[2J", "message": f"echo {secret} eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl\nfake ok:",
                      "innerError": {"request-id": "r-1"}}}
    error = graph_error(response(400, body), "add the certificate", UntrustedText([secret]))
    assert secret not in error.message and "eyJzdWIi" not in error.message and "\x1b" not in error.message
    assert "\n" not in error.message and error.trace_id == "r-1"


@pytest.mark.parametrize("body", [b"<html>gateway</html>", b"", b"[1, 2]", json.dumps({"error": "text"}).encode(),
                                  b"x" * 100000])
def test_answers_that_are_not_graphs_shape_are_quoted_short(body):
    error = graph_error(response(502, body, {"request-id": "hdr-1"}), "read the application", UntrustedText())
    assert error.status == 502 and error.code is None and len(error.message) < 600
    assert error.request_id == "hdr-1"
