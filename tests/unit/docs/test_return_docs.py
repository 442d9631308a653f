"""Each module's RETURN documents every key it returns, and nothing it never returns.

The modules run in process (against the in-process endpoint for the token module) in the ways that give each
documented key: success on v1 and v2, Entra's refusal and a local refusal, a keystore generated, replaced with a
backup, and refused. The keys they return are compared with RETURN, at the top and inside ``error``.
"""

from __future__ import annotations

import pytest
import yaml
from entra_emulator import defaults as d
from module_runner import run_module

from ansible_collections.azure_ad.oauth.plugins.modules import keystore, token

# What Ansible itself adds to a module's result; RETURN documents the module's own keys.
ANSIBLE_KEYS = {"changed", "failed", "msg", "invocation", "warnings", "deprecations", "exception", "diff"}


def documented(module) -> tuple[set[str], set[str]]:
    """The keys RETURN documents at the top, and inside error."""
    doc = yaml.safe_load(module.RETURN)
    return set(doc), set(doc["error"].get("contains", {}))


def returned(results: list[dict]) -> tuple[set[str], set[str]]:
    top = set().union(*(set(result) for result in results)) - ANSIBLE_KEYS
    error = set().union(*(set(result.get("error", {})) for result in results))
    return top, error


@pytest.fixture
def run_token(entra, monkeypatch, capsys):
    for variable in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
                     "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_AUTHORITY_HOST"):
        monkeypatch.delenv(variable, raising=False)

    def run(**args) -> dict:
        base = {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "authority_host": entra.authority_host,
                "ca_path": str(entra.ca_path), **args}
        return run_module(token.main, base, monkeypatch, capsys).result

    return run


def test_the_token_module_returns_what_its_return_documents(run_token):
    results = [
        run_token(client_secret=d.CLIENT_SECRET, scope=[d.GRAPH_SCOPE]),  # v2
        run_token(client_secret=d.CLIENT_SECRET, resource=d.GRAPH_RESOURCE, api_version="v1"),
        run_token(client_secret=d.CLIENT_SECRET_ID, scope=[d.GRAPH_SCOPE]),  # Entra refuses it
        run_token(client_secret=d.CLIENT_SECRET),  # refused before any request: no resource or scope
    ]
    assert [bool(result.get("failed")) for result in results] == [False, False, True, True]
    assert returned(results) == documented(token)


def test_the_token_error_dict_as_documented(run_token):
    """Entra's refusal fills every key of error; a local refusal only option and type."""
    entra_refusal = run_token(client_secret=d.CLIENT_SECRET_ID, scope=[d.GRAPH_SCOPE])["error"]
    local_refusal = run_token(client_secret=d.CLIENT_SECRET)["error"]
    assert set(entra_refusal) == documented(token)[1]
    assert set(local_refusal) == {"option", "type"}
    assert entra_refusal["type"] == "TokenEndpointError" and entra_refusal["status"] == 401
    assert entra_refusal["error"] == "invalid_client" and entra_refusal["error_codes"] == [7000215]


def test_the_keystore_module_returns_what_its_return_documents(tmp_path, monkeypatch, capsys):
    def run(check_mode=False, **args) -> dict:
        base = {"path": str(tmp_path / "app.p12"), "password": "Return-doc 1", **args}
        return run_module(keystore.main, base, monkeypatch, capsys, check_mode=check_mode).result

    results = [
        run(check_mode=True, generate=True),  # would generate: no certificate to describe yet
        run(generate=True, certificate_export_path=str(tmp_path / "app.cer")),
        run(generate=True, force=True, backup=True),  # replaced, and the old file kept
        run(password="Wrong-pass 2", generate=True),  # refused: the file does not open with it
    ]
    assert [bool(result.get("failed")) for result in results] == [False, False, False, True]
    assert results[2].get("backup_file")
    assert "state" not in results[0] and results[1]["state"] == "file"  # no file yet in check mode
    top, error = documented(keystore)
    # Ansible adds secontext to a path's attributes only where SELinux is enabled.
    selinux = "secontext" in results[1]
    assert returned(results) == (top if selinux else top - {"secontext"}, error)
