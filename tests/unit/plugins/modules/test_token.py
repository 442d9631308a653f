"""The token module: a thin adapter that never fails with a traceback or a leak."""

from __future__ import annotations

import pytest
from entra_emulator import defaults as d
from module_runner import run_module

from ansible_collections.azure_ad.oauth.plugins.module_utils import _token
from ansible_collections.azure_ad.oauth.plugins.modules import token


@pytest.fixture
def run(entra, monkeypatch, capsys):
    for variable in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
                     "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_AUTHORITY_HOST"):
        monkeypatch.delenv(variable, raising=False)

    def run_token(check_mode=False, **args):
        base = {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "authority_host": entra.authority_host,
                "ca_path": str(entra.ca_path)}
        base.update(args)
        result = run_module(token.main, {k: v for k, v in base.items() if v is not None}, monkeypatch, capsys,
                            check_mode=check_mode)
        assert "Traceback" not in result.output
        assert d.CLIENT_SECRET not in result.output.replace(result.result.get("access_token", "-"), "")
        return result

    return run_token


def test_secret_grant_returns_the_documented_fields(run):
    result = run(client_secret=d.CLIENT_SECRET, scope=[d.GRAPH_SCOPE])
    assert result.changed is False and not result.failed
    assert set(result.result) >= {"access_token", "token_type", "expires_in", "expires_on", "ext_expires_in", "scope",
                                  "api_version", "claims"}
    assert result["claims"]["roles"] == d.GRAPH_ROLES


def test_check_mode_gets_a_real_token(run):
    result = run(check_mode=True, client_secret=d.CLIENT_SECRET, resource=d.GRAPH_RESOURCE, api_version="v1")
    assert not result.failed and result.changed is False
    assert isinstance(result["expires_in"], int) and result["resource"] == d.GRAPH_RESOURCE


def test_secret_from_the_environment_is_masked(run, monkeypatch, entra):
    monkeypatch.setenv("AZURE_CLIENT_SECRET", d.CLIENT_SECRET)
    result = run(scope=[d.GRAPH_SCOPE])
    assert not result.failed


def test_entra_error_fails_cleanly_with_details(run):
    result = run(client_secret=d.CLIENT_SECRET_ID, scope=[d.GRAPH_SCOPE])
    assert result.failed
    assert result["msg"].startswith("AADSTS7000215: ")
    assert result["error"]["error_codes"] == [7000215]
    assert result["error"]["option"] == "client_secret"
    assert result["error"]["trace_id"] and result["error"]["correlation_id"]
    assert d.CLIENT_SECRET_ID not in result.output


def test_missing_target_names_resource(run):
    result = run(client_secret=d.CLIENT_SECRET)
    assert result.failed and result["error"]["option"] == "resource"


def test_unexpected_exception_never_escapes_or_shows_its_text(run, monkeypatch):
    def explode(*args, **kwargs):
        raise ValueError(f"library text quoting {d.CLIENT_SECRET}")

    monkeypatch.setattr(_token.TokenClient, "acquire", explode)
    result = run(client_secret=d.CLIENT_SECRET, scope=[d.GRAPH_SCOPE])
    assert result.failed
    assert result["msg"].startswith("Unexpected internal error (ValueError)")
    assert d.CLIENT_SECRET not in result.output


def test_retries_are_listed_in_one_warning(run, entra):
    entra.set_faults([{"type": "status", "status": 429, "retry_after": 0},
                      {"type": "status", "status": 503, "retry_after": 0}])
    result = run(client_secret=d.CLIENT_SECRET, scope=[d.GRAPH_SCOPE])
    assert not result.failed
    retry_warnings = [w for w in result.warnings if "retried" in w]
    assert len(retry_warnings) == 1
    assert "retry 1 after HTTP 429" in retry_warnings[0] and "retry 2 after HTTP 503" in retry_warnings[0]


def test_retries_are_listed_when_the_task_fails_too(run, entra):
    entra.set_faults([{"type": "status", "status": 503, "retry_after": 0, "times": 5}])
    result = run(client_secret=d.CLIENT_SECRET, scope=[d.GRAPH_SCOPE], retries=1)
    assert result.failed
    assert any("retry 1 after HTTP 503" in w for w in result.warnings)
