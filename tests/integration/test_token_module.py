"""The azure_ad.oauth.token module in a real playbook: what only a driver can see.

ansible-test runs the ``token_module`` target on its own (secret grant, every keystore variant built by the real
tools, failures), with its own endpoint (setup_entra_emulator) and keystores (setup_keystore_variants); the
target's asserts carry those checks, and tests/tooling/run_ansible_test.py checks that no output shows a secret,
a traceback or a module crash. Here the same target runs its ``assertion_and_modes`` suite, whose checks need
the output (the warnings printed) and the endpoint's record of the assertions it received.
"""

from __future__ import annotations

import uuid

import keystore_factory as kf
from entra_emulator.defaults import CLIENT_SECRET, GRAPH_APP_ID, GRAPH_ROLES

SECRETS = (CLIENT_SECRET, kf.DEFAULT_STORE_PASSWORD, kf.DEFAULT_KEY_PASSWORD)


def assert_clean(completed) -> None:
    """No traceback, no module crash, no secret anywhere in what ansible printed."""
    output = completed.stdout + completed.stderr
    assert "Traceback" not in output
    assert "MODULE FAILURE" not in output
    for secret in SECRETS:
        assert secret not in output, "a secret reached the output"


def explain(completed) -> str:
    return f"rc={completed.returncode}\n{completed.stdout[-12000:]}\n{completed.stderr[-4000:]}"


def test_token_duration_and_keystore_modes(run_target, emulator_admin, tmp_path):
    """token_duration reaches the assertion sent; a keystore readable by group or others warns, 0600/0400 not.

    The endpoint's record of the assertions it received is read back, so the lifetime is checked on what the
    module really sent (an endpoint that ignored exp would not notice a wrong one).
    """
    store = kf.require(kf.openssl_pkcs12, tmp_path / "build", password=None)
    client_id = str(uuid.uuid4())
    emulator_admin.add_app(client_id, display_name="token integration: modes", roles={GRAPH_APP_ID: GRAPH_ROLES})
    emulator_admin.register_certificate(client_id, store.cert.pem)
    modes = [0o600, 0o400, 0o640, 0o604, 0o644]
    copies = []
    for mode in modes:
        copy = tmp_path / f"app-{mode:04o}.p12"
        copy.write_bytes(store.read_bytes())
        copy.chmod(mode)
        copies.append({"mode": f"{mode:04o}", "path": str(copy)})
    variables = {"token_suites": ["assertion_and_modes"], "token_modes": copies, "token_modes_client_id": client_id}

    completed = run_target("token_module", variables)

    assert completed.returncode == 0, explain(completed)
    assert_clean(completed)
    output = completed.stdout + completed.stderr
    for copy in copies:
        warned = f"keystore_path {copy['path']} is readable by other users (mode {copy['mode']})" in output
        assert warned == (copy["mode"] not in ("0600", "0400")), (copy, explain(completed))
    sent = [entry for entry in emulator_admin.assertions() if (entry["claims"] or {}).get("iss") == client_id]
    assert len(sent) == 1 + len(modes)
    first = sent[0]["claims"]
    assert first["exp"] - first["iat"] == 1234 and first["aud"].endswith("/oauth2/token")
    assert {entry["claims"]["exp"] - entry["claims"]["iat"] for entry in sent[1:]} == {600}  # the default
    assert len({entry["claims"]["jti"] for entry in sent}) == len(sent)
