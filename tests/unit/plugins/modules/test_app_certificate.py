"""The app_certificate module against the local endpoint's Graph surface, in process."""

from __future__ import annotations

import base64
import uuid

import keystore_factory as kf
import pytest
from cert_builder import cert_pem, key_pem, rsa_key, self_signed, write_private
from cryptography.hazmat.primitives import serialization
from entra_emulator import defaults as d
from module_runner import run_module

from ansible_collections.azure_ad.oauth.plugins.modules import app_certificate


class TestApp:
    """A fresh app whose first certificate sits in a PKCS12 keystore made by openssl."""

    __test__ = False

    def __init__(self, entra, directory, roles=("Application.ReadWrite.OwnedBy",)) -> None:
        self.entra = entra
        self.client_id = str(uuid.uuid4())
        self.keystore = kf.require(kf.openssl_pkcs12, directory)
        app = entra.add_app(self.client_id, roles={d.GRAPH_APP_ID: list(roles)} if roles else None)
        self.object_id = app.object_id
        self.thumbprint = entra.register_certificate(self.client_id, self.keystore.cert.pem)

    def credentials(self) -> list:
        return sorted(cert.thumbprint for cert in self.entra.directory.certificates_of(self.client_id))


@pytest.fixture
def app(entra, tmp_path):
    return TestApp(entra, tmp_path)


@pytest.fixture
def run(entra, app, monkeypatch, capsys):
    for variable in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
                     "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_AUTHORITY_HOST"):
        monkeypatch.delenv(variable, raising=False)

    def run_task(check_mode=False, diff=False, credential=True, **args):
        base = {"tenant_id": d.TENANT_ID, "client_id": app.client_id, "authority_host": entra.authority_host,
                "graph_endpoint": entra.graph_endpoint, "ca_path": str(entra.ca_path)}
        if credential:
            base.update(keystore_path=str(app.keystore.path), keystore_password=app.keystore.store_password)
        base.update(args)
        result = run_module(app_certificate.main, {k: v for k, v in base.items() if v is not None}, monkeypatch,
                            capsys, check_mode=check_mode, diff=diff)
        assert "Traceback" not in result.output
        assert app.keystore.store_password not in result.output
        assert "eyJ" not in result.output  # no bearer token, no proof
        return result

    return run_task


def new_certificate(tmp_path, name="next", days=365, starts_days_ago=1, der=False):
    key = rsa_key()
    cert = self_signed(key, name, days=days, starts_days_ago=starts_days_ago)
    path = tmp_path / (name + (".der" if der else ".crt"))
    path.write_bytes(cert.public_bytes(serialization.Encoding.DER) if der else cert_pem(cert))
    return key, cert, str(path)


def sha1_hex(cert) -> str:
    from cryptography.hazmat.primitives import hashes

    return cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - thumbprints are SHA-1


def test_present_adds_then_is_unchanged(run, app, tmp_path):
    _key, cert, path = new_certificate(tmp_path)
    first = run(certificate_path=path, display_name="next year")
    assert first.changed and not first.failed, first.output
    assert [c["thumbprint"] for c in first["added"]] == [sha1_hex(cert)]
    assert first["added"][0]["display_name"] == "next year"
    assert app.credentials() == sorted([app.thumbprint, sha1_hex(cert)])
    in_use = [c["thumbprint"] for c in first["key_credentials"] if c["in_use"]]
    assert in_use == [app.thumbprint] and first["signing_thumbprint"] == app.thumbprint

    again = run(certificate_path=path)
    assert not again.changed and not again.failed and again["added"] == []


def test_certificate_as_pem_text_and_as_base64_der(run, app, tmp_path):
    _key, cert, _path = new_certificate(tmp_path, "pem-text")
    assert run(certificate=cert_pem(cert).decode()).changed
    _key, cert2, _path = new_certificate(tmp_path, "der-text")
    der = base64.b64encode(cert2.public_bytes(serialization.Encoding.DER)).decode()
    assert run(certificate=der).changed
    _key, cert3, path = new_certificate(tmp_path, "der-file", der=True)
    assert run(certificate_path=path).changed
    assert set(app.credentials()) >= {sha1_hex(cert), sha1_hex(cert2), sha1_hex(cert3)}


def test_check_mode_predicts_and_writes_nothing_with_a_diff(run, app, tmp_path):
    _key, cert, path = new_certificate(tmp_path)
    result = run(check_mode=True, diff=True, certificate_path=path)
    assert result.changed and app.credentials() == [app.thumbprint]
    assert result["diff"] == {"before": {"thumbprints": [app.thumbprint]},
                              "after": {"thumbprints": sorted([app.thumbprint, sha1_hex(cert)])}}


def test_absent_by_thumbprint_and_by_key_id(run, app, tmp_path, entra):
    _key, one, path_one = new_certificate(tmp_path, "one")
    _key, _two, path_two = new_certificate(tmp_path, "two")
    run(certificate_path=path_one)
    key_id = run(certificate_path=path_two)["added"][0]["key_id"]

    check = run(check_mode=True, state="absent", thumbprint=sha1_hex(one))
    assert check.changed and len(app.credentials()) == 3
    removed = run(state="absent", thumbprint=":".join(sha1_hex(one)[i:i + 2] for i in range(0, 40, 2)))
    assert removed.changed and [c["thumbprint"] for c in removed["removed"]] == [sha1_hex(one)]
    assert not run(state="absent", thumbprint=sha1_hex(one)).changed

    by_key_id = run(state="absent", key_id=key_id.upper())
    assert by_key_id.changed and app.credentials() == [app.thumbprint]


def test_the_signing_key_is_not_removed_without_force(run, app, tmp_path):
    refused = run(state="absent", thumbprint=app.thumbprint)
    assert refused.failed and refused["error"]["option"] == "force"
    assert "lock the app out" in refused["msg"] and app.credentials() == [app.thumbprint]

    _key, _cert, path = new_certificate(tmp_path)
    run(certificate_path=path)
    forced = run(state="absent", thumbprint=app.thumbprint, force=True)
    assert forced.changed and app.thumbprint not in app.credentials()


def test_remove_expired(run, app, tmp_path, entra):
    old_key = rsa_key()
    expired = self_signed(old_key, "expired", days=10, starts_days_ago=40)
    entra.register_certificate(app.client_id, cert_pem(expired))
    result = run(state="absent", remove_expired=True)
    assert result.changed and [c["thumbprint"] for c in result["removed"]] == [sha1_hex(expired)]
    assert app.credentials() == [app.thumbprint]
    assert not run(state="absent", remove_expired=True).changed


def test_a_client_secret_is_refused_naming_the_option(run, app, tmp_path, entra):
    entra.add_secret(app.client_id, "app~secret-value-0123456789")
    _key, _cert, path = new_certificate(tmp_path)
    result = run(credential=False, client_secret="app~secret-value-0123456789", certificate_path=path)
    assert result.failed and result["error"]["option"] == "client_secret"
    assert "keystore_path" in result["msg"] and "app~secret" not in result.output


def test_a_federated_assertion_is_refused_naming_its_option(run, app, tmp_path):
    _key, _cert, path = new_certificate(tmp_path)
    assertion_path = write_private(tmp_path / "assertion.jwt", b"eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
    result = run(credential=False, client_assertion_path=assertion_path, certificate_path=path)
    assert result.failed and result["error"]["option"] == "client_assertion_path", result.output


def test_a_key_only_pem_credential_is_refused_naming_keystore_path(run, app, tmp_path):
    key_path = write_private(tmp_path / "key.pem", key_pem(rsa_key()))
    _key, _cert, path = new_certificate(tmp_path)
    result = run(credential=False, keystore_path=key_path, certificate_path=path)
    assert result.failed and result["error"]["option"] == "keystore_path"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        ({}, "certificate"),
        ({"certificate": "not a certificate"}, "certificate"),
        ({"certificate_path": "/nonexistent/cert.pem"}, "certificate_path"),
        ({"state": "absent"}, "thumbprint"),
        ({"state": "absent", "thumbprint": "12:34"}, "thumbprint"),
        ({"state": "absent", "key_id": "not-a-guid"}, "key_id"),
        ({"certificate": "x", "certificate_path": "/x"}, "certificate"),
        ({"graph_endpoint": "http://graph.example.com"}, "graph_endpoint"),
        ({"graph_endpoint": "https://graph.microsoft.com/v1.0"}, "graph_endpoint"),
        ({"graph_endpoint": "https://user:pw@graph.microsoft.com"}, "graph_endpoint"),
        ({"object_id": "app"}, "object_id"),
        ({"propagation_timeout": 7200}, "propagation_timeout"),
        ({"state": "absent", "thumbprint": "AB" * 20, "display_name": "x"}, "display_name"),
        ({"certificate": "abc\x00"}, "certificate"),
    ],
)
def test_bad_options_name_the_option(run, tmp_path, args, option):
    if option != "certificate" and args.get("state") != "absent" and "certificate_path" not in args:
        args = {**args, "certificate_path": new_certificate(tmp_path)[2]}  # valid, so the option under test fails
    result = run(**args)
    assert result.failed and result["error"]["option"] == option, result.output
    assert "pw@" not in result["msg"]


def test_a_small_rsa_key_certificate_is_refused(run, tmp_path):
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    result = run(certificate=cert_pem(self_signed(key, "small")).decode())
    assert result.failed and result["error"]["option"] == "certificate" and "2048" in result["msg"]


def test_graph_read_denied_without_object_id_says_what_to_grant(entra, tmp_path, monkeypatch, capsys):
    app = TestApp(entra, tmp_path, roles=())
    _key, _cert, path = new_certificate(tmp_path)
    args = {"tenant_id": d.TENANT_ID, "client_id": app.client_id, "authority_host": entra.authority_host,
            "graph_endpoint": entra.graph_endpoint, "ca_path": str(entra.ca_path), "certificate_path": path,
            "keystore_path": str(app.keystore.path), "keystore_password": app.keystore.store_password}
    denied = run_module(app_certificate.main, args, monkeypatch, capsys)
    assert denied.failed and denied["error"]["type"] == "GraphError" and denied["error"]["status"] == 403
    assert denied["error"]["error"] == "Authorization_RequestDenied" and denied["error"]["trace_id"]
    assert "object_id" in denied["msg"]

    with_object_id = run_module(app_certificate.main, {**args, "object_id": app.object_id}, monkeypatch, capsys)
    assert with_object_id.changed and not with_object_id.failed
    again = run_module(app_certificate.main, {**args, "object_id": app.object_id}, monkeypatch, capsys)
    assert not again.changed and not again.failed


def test_graph_429_is_retried_with_retry_after(run, app, tmp_path, entra):
    entra.set_graph_faults([{"type": "status", "status": 429, "retry_after": 1}])
    _key, _cert, path = new_certificate(tmp_path)
    result = run(certificate_path=path)
    assert result.changed and not result.failed
    assert any("HTTP 429" in warning for warning in result.warnings)


def test_graph_retry_after_beyond_max_retry_wait_fails_naming_it(run, tmp_path, entra):
    entra.set_graph_faults([{"type": "status", "status": 503, "retry_after": 120}])
    _key, _cert, path = new_certificate(tmp_path)
    result = run(certificate_path=path, max_retry_wait=5)
    assert result.failed and result["error"]["option"] == "max_retry_wait" and "120" in result["msg"]


def test_an_unregistered_signing_certificate_fails_with_700027(run, app, tmp_path, entra):
    entra.directory.remove_key_credential(app.client_id, entra.directory.certificates_of(app.client_id)[0].key_id)
    _key, _cert, path = new_certificate(tmp_path)
    result = run(certificate_path=path)
    assert result.failed and result["error"]["error_codes"] == [700027]


def test_a_proof_refusal_carries_graphs_code_message_request_id_and_hint(run, app, tmp_path, monkeypatch):
    from ansible_collections.azure_ad.oauth.plugins.module_utils._graph import proof

    monkeypatch.setattr(proof, "GRAPH_APP_ID", "00000002-0000-0000-c000-000000000000")  # the old docs' audience
    _key, _cert, path = new_certificate(tmp_path)
    result = run(certificate_path=path)
    error = result["error"]
    assert result.failed
    assert (error["type"], error["status"], error["error"]) == ("GraphError", 400, "Request_BadRequest")
    assert "audience" in result["msg"] and error["trace_id"] in result["msg"]
    assert "PATCH /applications" in result["msg"]  # the bootstrap hint
    assert app.credentials() == [app.thumbprint]


def test_propagation_timeout_waits_for_a_new_key(run, app, tmp_path, entra):
    key, cert, path = new_certificate(tmp_path, "propagating")
    entra.configure(graph_propagation_delay=2)
    assert run(certificate_path=path).changed
    new_keystore = write_private(tmp_path / "new.pem", key_pem(key), cert_pem(cert))

    early = run(credential=False, keystore_path=new_keystore, certificate_path=path)
    assert early.failed and early["error"]["error_codes"] == [700027]
    waited = run(credential=False, keystore_path=new_keystore, certificate_path=path, propagation_timeout=30)
    assert not waited.failed and not waited.changed
    assert [c["thumbprint"] for c in waited["key_credentials"] if c["in_use"]] == [sha1_hex(cert)]
