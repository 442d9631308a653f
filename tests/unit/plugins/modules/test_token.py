"""The token module: a thin adapter that never fails with a traceback or a leak."""

from __future__ import annotations

from pathlib import Path

import keystore_factory as kf
import native_panics
import pytest
from cert_builder import write_private
from entra_emulator import defaults as d
from module_runner import run_module

from ansible_collections.azure_ad.oauth.plugins.module_utils._token import client as _token
from ansible_collections.azure_ad.oauth.plugins.modules import token


@pytest.fixture
def run(entra, monkeypatch, capsys):
    for variable in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
                     "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_AUTHORITY_HOST"):
        monkeypatch.delenv(variable, raising=False)

    def run_unchecked(check_mode=False, **args):
        base = {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "authority_host": entra.authority_host,
                "ca_path": str(entra.ca_path)}
        base.update(args)
        return run_module(token.main, {k: v for k, v in base.items() if v is not None}, monkeypatch, capsys,
                          check_mode=check_mode)

    def run_token(check_mode=False, **args):
        result = run_unchecked(check_mode, **args)
        assert "Traceback" not in result.output
        assert d.CLIENT_SECRET not in result.output.replace(result.result.get("access_token", "-"), "")
        return result

    run_token.unchecked = run_unchecked  # without the checks above, for runs that show a traceback on purpose
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


# --------------------------------------------------------------------------- native panics


P12_PASSWORD = "Panic-P12#pass-4Kq"
PEM_PASSWORD = "Panic-PEM#pass-8Zt"


@pytest.fixture(scope="module")
def panic_keystores(tmp_path_factory):
    """One keystore per reader, built with the real tools, 0600, with distinctive passwords."""
    root = tmp_path_factory.mktemp("panic-keystores")
    p12 = kf.openssl_pkcs12(root / "p12", password=P12_PASSWORD)
    pem = kf.pem_files(root / "pem", key_password=PEM_PASSWORD)
    split_der = kf.pem_files(root / "split-der", layout="split-der")
    jks = kf.committed_jdk25_keystore()
    jks_copy = Path(write_private(root / "app.jks", jks.read_bytes()))
    return {
        "p12": {"keystore_path": str(p12.path), "keystore_password": P12_PASSWORD},
        "pem": {"keystore_path": str(pem.path), "key_password": PEM_PASSWORD},
        "split-der": {"keystore_path": str(split_der.path), "certificate_path": str(split_der.certificate_path)},
        "jks": {"keystore_path": str(jks_copy), "keystore_password": jks.store_password,
                "key_password": jks.key_password},
    }


# (native call, keystore, api_version, what the message must say, the option it names)
PANIC_CASES = [
    ("pkcs12-load", "p12", "v2", "could not be read as a PKCS12 keystore", "keystore_path"),
    ("pem-key-load", "pem", "v2", "could not be read as a PEM keystore", "keystore_path"),
    ("pem-certificate-parse", "pem", "v2", "could not be read as a PEM keystore", "keystore_path"),
    ("der-certificate-parse", "split-der", "v2", "could not be read as a certificate", "certificate_path"),
    ("der-certificate-parse", "jks", "v2", "could not be read as a JKS keystore", "keystore_path"),
    ("der-key-load", "jks", "v2", "could not be read as a JKS keystore", "keystore_path"),
    ("jks-store-load", "jks", "v2", "could not be read as a JKS keystore", "keystore_path"),
    ("jks-key-decrypt", "jks", "v2", "could not be read as a JKS keystore", "keystore_path"),
    ("ps256-sign", "pem", "v2", "could not sign the client assertion (PS256)", "keystore_path"),
    ("rs256-sign", "p12", "v1", "could not sign the client assertion (RS256)", "keystore_path"),
    ("assertion-claims", "pem", "v2", "Unexpected internal error (PanicException)", None),
]


def assert_no_panic_text(output: str, secrets) -> None:
    assert native_panics.PANIC_MARKER not in output and "NulError" not in output and "unwrap()" not in output
    for secret in secrets:
        for form in native_panics.secret_forms(secret):
            assert form not in output, f"a secret reached the output as {form!r}"


@pytest.mark.parametrize(("call", "store", "api_version", "says", "option"), PANIC_CASES,
                         ids=[f"{case[0]}-{case[1]}" for case in PANIC_CASES])  # fmt: skip
def test_a_native_panic_fails_the_module_cleanly(run, monkeypatch, panic_keystores, call, store, api_version, says,
                                                 option):  # fmt: skip
    options = panic_keystores[store]
    secrets = [value for name, value in options.items() if "password" in name]
    native_panics.inject(call, secrets[0] if secrets else P12_PASSWORD, monkeypatch.setattr)
    result = run(resource=d.GRAPH_RESOURCE, api_version=api_version, **options)
    assert result.failed and result.exit_code == 1
    assert says in result["msg"]
    assert result.result.get("error", {}).get("option") == option
    assert "exception" not in result.result and "module_stderr" not in result.result
    assert_no_panic_text(result.output, secrets)


def test_a_native_panic_is_not_quoted_even_with_tracebacks_enabled(run, monkeypatch, panic_keystores):
    """A traceback-enabled fail_json attaches the pending exception's traceback: it must not be the panic's.

    ansible-core 2.19 and later enable it with ANSIBLE_DISPLAY_TRACEBACK=error; 2.17 and 2.18 at -vvv or debug.
    """
    try:
        from ansible.module_utils._internal import _traceback
    except ImportError:  # 2.17, 2.18
        enable_tracebacks = {"_ansible_debug": True, "_ansible_verbosity": 4}
    else:
        monkeypatch.setattr(_traceback, "_is_traceback_enabled", lambda event: True)
        enable_tracebacks = {}
    native_panics.inject("assertion-claims", P12_PASSWORD, monkeypatch.setattr)
    result = run.unchecked(resource=d.GRAPH_RESOURCE, **panic_keystores["p12"], **enable_tracebacks)
    assert result.failed and "Unexpected internal error (PanicException)" in result["msg"]
    assert "PanicException: " not in result.output  # the exception itself is not formatted, only its type named
    assert_no_panic_text(result.output, [P12_PASSWORD])


@pytest.mark.parametrize("option", ["tenant_id", "client_id", "keystore_path", "keystore_alias", "certificate_path",
                                    "ca_path", "authority_host"])  # fmt: skip
def test_a_nul_byte_in_a_logged_option_is_refused_by_the_module_naming_it(run, option):
    """AnsibleModule logs these to syslog before main() runs; Python 3.13's syslog refuses a NUL byte there."""
    result = run(client_secret=d.CLIENT_SECRET, scope=[d.GRAPH_SCOPE], **{option: "ab\x00cd"})
    assert result.failed and result["error"]["option"] == option
    assert "NUL byte" in result["msg"] and "syslog" not in result.output
