"""``ansible localhost -m azure_ad.oauth.token`` against the local Entra endpoint.

Credentials come from ``AZURE_*`` environment variables, or from ``-e @vars``
referred to by ``{{ }}`` in ``-a``: never from argv.
"""

from __future__ import annotations

import uuid

import keystore_factory as kf
import pytest
from ansible_cli import adhoc_result, run_adhoc, write_vars
from entra_emulator.defaults import (
    CLIENT_ID,
    CLIENT_SECRET,
    GRAPH_APP_ID,
    GRAPH_RESOURCE,
    GRAPH_ROLES,
    GRAPH_SCOPE,
    TENANT_DOMAIN,
    TENANT_ID,
)

MODULE = "azure_ad.oauth.token"
WRONG = "Wrong-pass 9"
SECRETS = (CLIENT_SECRET, kf.DEFAULT_STORE_PASSWORD, WRONG)


@pytest.fixture(scope="session")
def pkcs12(tmp_path_factory, emulator_admin) -> tuple[kf.Keystore, str]:
    """``openssl pkcs12 -export`` (password only: what AZURE_CLIENT_CERTIFICATE_PASSWORD can open), on its own app."""
    store = kf.require(kf.openssl_pkcs12, tmp_path_factory.mktemp("adhoc-keystore"))
    store.path.chmod(0o600)
    client_id = str(uuid.uuid4())
    emulator_admin.add_app(client_id, display_name="token ad hoc: pkcs12", roles={GRAPH_APP_ID: GRAPH_ROLES})
    emulator_admin.register_certificate(client_id, store.cert.pem)
    return store, client_id


@pytest.fixture()
def secret_env(emulator_state) -> dict:
    return {
        "AZURE_TENANT_ID": TENANT_ID,
        "AZURE_CLIENT_ID": CLIENT_ID,
        "AZURE_CLIENT_SECRET": CLIENT_SECRET,
        "AZURE_AUTHORITY_HOST": emulator_state["authority_host"],
    }


def explain(completed) -> str:
    return f"rc={completed.returncode}\n{completed.stdout[-6000:]}\n{completed.stderr[-3000:]}"


def assert_clean(completed) -> None:
    output = completed.stdout + completed.stderr
    assert "Traceback" not in output, explain(completed)
    assert "MODULE FAILURE" not in output, explain(completed)
    for secret in SECRETS:
        assert secret not in output, "a secret reached the output"


def succeeded(completed) -> dict:
    assert completed.returncode == 0, explain(completed)
    assert completed.stdout.startswith("localhost | SUCCESS => {"), explain(completed)
    assert_clean(completed)
    result = adhoc_result(completed)
    assert result["changed"] is False
    return result


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def test_secret_from_environment(secret_env, emulator_state):
    """AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_AUTHORITY_HOST; only scope and CA in -a."""
    completed = run_adhoc(MODULE, f"scope={GRAPH_SCOPE} ca_path={emulator_state['ca_path']}", env=secret_env)
    result = succeeded(completed)
    assert result["api_version"] == "v2"
    assert result["scope"] == [GRAPH_SCOPE]
    assert all(is_int(result[key]) for key in ("expires_in", "ext_expires_in", "expires_on"))
    assert abs(result["expires_on"] - result["claims"]["exp"]) <= 5
    claims = result["claims"]
    assert (claims["appid"], claims["appidacr"], claims["aud"], claims["roles"], claims["tid"]) == (
        CLIENT_ID, "1", GRAPH_RESOURCE, GRAPH_ROLES, TENANT_ID)  # fmt: skip


def test_secret_from_extra_vars(emulator_state, tmp_path):
    """-e @vars with {{ }} in -a; v1, so the numbers it sends as strings must come out as ints."""
    vars_file = write_vars(tmp_path / "vars.json", {
        "azure_tenant": TENANT_DOMAIN,
        "azure_client": CLIENT_ID,
        "azure_secret": CLIENT_SECRET,
        "azure_authority": emulator_state["authority_host"],
        "azure_ca": emulator_state["ca_path"],
    })  # fmt: skip
    args = (
        "tenant_id={{ azure_tenant }} client_id={{ azure_client }} client_secret={{ azure_secret }} "
        f"authority_host={{{{ azure_authority }}}} ca_path={{{{ azure_ca }}}} api_version=v1 resource={GRAPH_RESOURCE}"
    )
    result = succeeded(run_adhoc(MODULE, args, vars_file=vars_file))
    assert result["api_version"] == "v1"
    assert result["resource"] == GRAPH_RESOURCE
    assert all(is_int(result[key]) for key in ("expires_in", "ext_expires_in", "expires_on"))
    assert result["expires_on"] == result["claims"]["exp"]
    assert (result["claims"]["tid"], result["claims"]["appidacr"]) == (TENANT_ID, "1")


def test_certificate_from_environment(pkcs12, emulator_state):
    """AZURE_CLIENT_CERTIFICATE_PATH and _PASSWORD; the CA from REQUESTS_CA_BUNDLE: -a holds only the resource."""
    store, client_id = pkcs12
    env = {
        "AZURE_TENANT_ID": TENANT_ID,
        "AZURE_CLIENT_ID": client_id,
        "AZURE_CLIENT_CERTIFICATE_PATH": str(store.path),
        "AZURE_CLIENT_CERTIFICATE_PASSWORD": store.store_password,
        "AZURE_AUTHORITY_HOST": emulator_state["authority_host"],
        "REQUESTS_CA_BUNDLE": emulator_state["ca_path"],
    }
    result = succeeded(run_adhoc(MODULE, f"resource={GRAPH_RESOURCE}", env=env))
    assert result["scope"] == [GRAPH_SCOPE]
    assert (result["claims"]["appid"], result["claims"]["appidacr"]) == (client_id, "2")
    assert result["claims"]["roles"] == GRAPH_ROLES


def test_check_mode(secret_env, emulator_state):
    """--check: the module runs (it changes nothing) and returns a real token."""
    completed = run_adhoc(MODULE, f"scope={GRAPH_SCOPE} ca_path={emulator_state['ca_path']}", env=secret_env,
                          check=True)  # fmt: skip
    result = succeeded(completed)
    assert "skipped" not in result
    assert result["claims"]["appidacr"] == "1"
    assert result["access_token"].count(".") == 2


def failed(completed) -> dict:
    assert completed.returncode != 0, explain(completed)
    assert "\nlocalhost | FAILED! => {" in completed.stdout, explain(completed)
    assert_clean(completed)
    result = adhoc_result(completed)
    assert "module_stderr" not in result and "exception" not in result, explain(completed)
    assert len(result["msg"].splitlines()) == 1
    return result


def test_failure_wrong_secret_is_clean(secret_env, emulator_state):
    """A wrong secret from the environment: one clean line with the AADSTS code and hint, no traceback."""
    env = {**secret_env, "AZURE_CLIENT_SECRET": WRONG}
    result = failed(run_adhoc(MODULE, f"scope={GRAPH_SCOPE} ca_path={emulator_state['ca_path']}", env=env))
    assert result["msg"].startswith("AADSTS7000215: Invalid client secret provided.")
    assert "Hint: Use the client secret's Value, not its Secret ID" in result["msg"]
    assert result["error"]["error_codes"] == [7000215]
    assert result["error"]["option"] == "client_secret"


def test_failure_wrong_keystore_password_is_clean(pkcs12, emulator_state):
    """A wrong AZURE_CLIENT_CERTIFICATE_PASSWORD: a clean message naming keystore_password."""
    store, client_id = pkcs12
    env = {
        "AZURE_TENANT_ID": TENANT_ID,
        "AZURE_CLIENT_ID": client_id,
        "AZURE_CLIENT_CERTIFICATE_PATH": str(store.path),
        "AZURE_CLIENT_CERTIFICATE_PASSWORD": WRONG,
        "AZURE_AUTHORITY_HOST": emulator_state["authority_host"],
    }
    result = failed(run_adhoc(MODULE, f"resource={GRAPH_RESOURCE} ca_path={emulator_state['ca_path']}", env=env))
    assert "could not be opened: wrong keystore_password" in result["msg"]
    assert str(store.path) in result["msg"]
    assert result["error"]["option"] == "keystore_password"
