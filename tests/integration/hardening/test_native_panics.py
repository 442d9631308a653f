"""A native panic in a lookup or a module fails one task cleanly: the worker lives, the play goes on.

cryptography's Rust layer reports a bug by raising pyo3's ``PanicException``, a
``BaseException``. Ansible's task executor catches ``Exception`` only, so a
panic that escaped the lookup would kill the worker ("A worker was found in a
dead state") and abort the whole playbook, ``ignore_errors`` or not; one that
escaped a module would print a traceback quoting the password's bytes.

Each run below injects a panic into every Python process of a real
``ansible-playbook`` run (controller, forked worker, module interpreter) through
``tests/support/panic_injection/sitecustomize.py``, at one call of the token
path, with the keystore password in every form in the panic's text. The
playbook then proves, task by task, that:

- the lookup fails as a task (``ignore_errors`` works, and so does a block's
  ``rescue``) and the next task runs;
- the module fails the same way, and the next task runs;
- a task left to fail ends the host's play with a normal failure: rc 2, a PLAY
  RECAP, no dead worker;

and the test checks the messages and that neither the panic's text nor the
password, raw or as Rust's list of byte values, is anywhere in the output.
"""

from __future__ import annotations

import json

import hardening_support as hs
import keystore_factory as kf
import native_panics
import pytest
from entra_emulator import defaults as d

P12_PASSWORD = "Np-P12#pass-71Qz"
PANIC_DIR = native_panics.__file__.rsplit("/", 1)[0] + "/panic_injection"

PLAYBOOK = """
- name: A native panic fails one task, not the play
  hosts: localhost
  gather_facts: false
  tasks:
    - name: np lookup ignored
      ansible.builtin.set_fact:
        np_token: "{{ lookup('azure_ad.oauth.token', np_resource, **np_options) }}"
      register: np_lookup
      ignore_errors: true

    - name: np after the lookup
      ansible.builtin.debug:
        msg: the play goes on after the lookup

    - name: np lookup in a block
      block:
        - name: np lookup rescued
          ansible.builtin.debug:
            msg: "{{ lookup('azure_ad.oauth.token', np_resource, **np_options) }}"
      rescue:
        - name: np rescue
          ansible.builtin.set_fact:
            np_rescued: "{{ ansible_failed_result.msg }}"

    - name: np module ignored
      azure_ad.oauth.token: "{{ np_options | combine({'resource': np_resource}) }}"
      register: np_module
      ignore_errors: true

    - name: np after the module
      ansible.builtin.assert:
        that:
          - np_lookup is failed
          - np_module is failed
          - np_rescued is defined
        quiet: true

    - name: np lookup not ignored
      ansible.builtin.debug:
        msg: "{{ lookup('azure_ad.oauth.token', np_resource, **np_options) }}"

    - name: np never reached
      ansible.builtin.debug:
        msg: the host failed above
"""

# The native call that panics, the api_version, and what the lookup and the module must then say.
CASES = {
    "pkcs12-load": ("v2", "could not be read as a PKCS12 keystore."),
    "ps256-sign": ("v2", "could not sign the client assertion (PS256)"),
    "rs256-sign": ("v1", "could not sign the client assertion (RS256)"),
    # Where no inner net stands: only the lookup's and the module's own nets catch it.
    "assertion-claims": ("v2", "Unexpected internal error (PanicException)."),
}


@pytest.fixture(scope="module")
def keystore(tmp_path_factory):
    return kf.require(kf.openssl_pkcs12, tmp_path_factory.mktemp("np-keystore"), password=P12_PASSWORD)


@pytest.mark.parametrize("call", list(CASES))
def test_a_native_panic_never_kills_the_play(tmp_path, emulator_state, keystore, call):
    api_version, says = CASES[call]
    keystore_path = tmp_path / "app.p12"
    keystore_path.write_bytes(keystore.read_bytes())
    keystore_path.chmod(0o600)
    variables = {
        "np_resource": d.GRAPH_RESOURCE,
        "np_options": {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "api_version": api_version,
                       "authority_host": emulator_state["authority_host"], "ca_path": emulator_state["ca_path"],
                       "keystore_path": str(keystore_path), "keystore_password": P12_PASSWORD, "retries": 0},
    }  # fmt: skip
    vars_file = tmp_path / "vars.json"
    vars_file.touch(mode=0o600)
    vars_file.write_text(json.dumps(variables))
    playbook = tmp_path / "native_panics.yml"
    playbook.write_text(PLAYBOOK)
    env = {"PYTHONPATH": PANIC_DIR, native_panics.PANIC_ENV: call, native_panics.PANIC_SECRET_ENV: P12_PASSWORD}

    run = hs.run_ansible(["ansible-playbook", "-i", "localhost,", "-c", "local", str(playbook), "-e",
                          f"@{vars_file}"], tmp_path, env=env, timeout=600)  # fmt: skip

    explain = run.explain()
    assert "dead state" not in run.output and "worker" not in run.output.lower(), explain
    # The host failed at the last lookup, as a task does: rc 2 (a task failed), not 250 or 4.
    assert run.completed.returncode == 2, explain
    assert "localhost                  : ok=5    changed=0    unreachable=0    failed=1    skipped=0    rescued=1    " \
           "ignored=2" in run.completed.stdout, explain  # fmt: skip
    statuses = {line["task"]: line["status"] for line in run.results}
    assert statuses == {
        "np lookup ignored": "failed", "np after the lookup": "ok", "np lookup rescued": "failed",
        "np rescue": "ok", "np module ignored": "failed", "np after the module": "ok",
        "np lookup not ignored": "failed",
    }, explain  # fmt: skip
    for task in ("np lookup ignored", "np lookup rescued", "np lookup not ignored"):
        message = run.result(task)["result"]["msg"]
        assert "azure_ad.oauth.token: " in message and says in message, (task, message)
    module = run.result("np module ignored")["result"]
    assert says in module["msg"], module
    assert not hs.traceback_problems(module, "") or call == "assertion-claims", module
    for key in ("module_stdout", "module_stderr"):
        assert key not in module, module
    assert module.get("exception") in (None, hs.NO_TRACEBACK), module
    # Nothing of the panic, nor the password in any form, anywhere.
    assert "Traceback" not in run.output and native_panics.PANIC_MARKER not in run.output
    assert "NulError" not in run.output and "unwrap()" not in run.output
    for form in native_panics.secret_forms(P12_PASSWORD):
        assert form not in run.output, hs.contexts(run.output, [form])
        assert form not in json.dumps(run.results), form
    hs.SUMMARY.append(f"native panic at {call}: lookup (ignored, rescued, fatal) and module failed cleanly, "
                      "the play went on, no dead worker")  # fmt: skip


def test_without_the_injection_the_same_playbook_gets_tokens(tmp_path, emulator_state, emulator_admin, keystore):
    """The control: the same keystore and options work, so the failures above are the panics' doing."""
    emulator_admin.register_certificate(d.CLIENT_ID, keystore.cert.pem)
    keystore_path = tmp_path / "app.p12"
    keystore_path.write_bytes(keystore.read_bytes())
    keystore_path.chmod(0o600)
    options = {"tenant_id": d.TENANT_ID, "client_id": d.CLIENT_ID, "authority_host": emulator_state["authority_host"],
               "ca_path": emulator_state["ca_path"], "keystore_path": str(keystore_path),
               "keystore_password": P12_PASSWORD}  # fmt: skip
    vars_file = tmp_path / "vars.json"
    vars_file.touch(mode=0o600)
    vars_file.write_text(json.dumps({"np_options": options, "np_resource": d.GRAPH_RESOURCE}))
    playbook = tmp_path / "control.yml"
    playbook.write_text("""
- hosts: localhost
  gather_facts: false
  tasks:
    - name: np control lookup
      ansible.builtin.set_fact:
        np_claims: "{{ lookup('azure_ad.oauth.token', np_resource, **np_options) | azure_ad.oauth.token_claims }}"
    - name: np control module
      azure_ad.oauth.token: "{{ np_options | combine({'resource': np_resource}) }}"
      register: np_module
      no_log: true
    - name: np control check
      ansible.builtin.assert:
        that:
          - np_claims.appidacr == '2'
          - np_module.claims.appidacr == '2'
""")
    env = {"PYTHONPATH": PANIC_DIR}  # the hook is there, but no panic is asked for
    run = hs.run_ansible(["ansible-playbook", "-i", "localhost,", "-c", "local", str(playbook), "-e",
                          f"@{vars_file}"], tmp_path, env=env, timeout=600)  # fmt: skip
    assert run.completed.returncode == 0, run.explain()
    assert P12_PASSWORD not in run.output
