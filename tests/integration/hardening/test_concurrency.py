"""20 lookups in 20 parallel forks while the endpoint throttles: all succeed, within the retry budget.

One ansible-playbook run, 20 inventory hosts (all ``ansible_connection=local``)
and ``--forks 20``: each fork runs the lookup for its host at the same moment.
The endpoint first answers THROTTLED token requests with 429 and
``Retry-After: 1``: the first wave is throttled whole, half of the second wave
too, and the lookups must wait and retry. Its counters then say:

- all 20 lookups succeeded (20 successes at the endpoint, 20 ok results);
- no more token requests than 20 x (retries + 1): the retries are bounded;
- exactly 20 + the 429s it served: every 429 cost one retry, nothing more;
- one ``-vvv`` retry line per 429 served.
"""

from __future__ import annotations

import json
import sys
import time

import hardening_support as hs
from entra_emulator import defaults as d

APP_ID = "7f2e3d4c-5b6a-4c7d-8e9f-0a1b2c3d4e5f"
CLIENT_SECRET = "Conc~Client.Secret_4hJ8kL2mN6pQ0rS9"
LOOKUPS = 20
THROTTLED = 30
RETRIES = 4  # the default

PLAYBOOK = """
- name: Concurrent lookups
  hosts: all
  gather_facts: false
  tasks:
    - name: lookup in this fork
      ansible.builtin.set_fact:
        hx_token: "{{ lookup('azure_ad.oauth.token', client_secret=hx_secret, **hx_endpoint) }}"
      no_log: true

    - name: check the token
      ansible.builtin.assert:
        that:
          - hx_token is string
          - hx_token.split('.') | length == 3
        quiet: true
"""


def test_parallel_lookups_under_throttling(tmp_path, emulator_state, emulator_admin):
    emulator_admin.add_app(APP_ID, display_name="hardening: concurrency", secrets=[{"value": CLIENT_SECRET}],
                           roles={d.GRAPH_APP_ID: d.GRAPH_ROLES})  # fmt: skip
    endpoint = {"tenant_id": d.TENANT_ID, "client_id": APP_ID, "authority_host": emulator_state["authority_host"],
                "ca_path": emulator_state["ca_path"], "scope": [d.GRAPH_SCOPE], "retries": RETRIES}  # fmt: skip
    hosts = {f"worker{index:02d}": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
             for index in range(1, LOOKUPS + 1)}  # fmt: skip
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(json.dumps({"all": {"hosts": hosts}}))
    playbook = tmp_path / "concurrency.yml"
    playbook.write_text(PLAYBOOK)
    vars_file = tmp_path / "vars.json"
    vars_file.touch(mode=0o600)
    vars_file.write_text(json.dumps({"hx_secret": CLIENT_SECRET, "hx_endpoint": endpoint}))

    before = emulator_admin.stats()
    emulator_admin.set_faults([{"type": "status", "status": 429, "retry_after": 1, "times": THROTTLED}])
    started = time.monotonic()
    try:
        run = hs.run_ansible(["ansible-playbook", "-vvv", "-i", str(inventory), "--forks", str(LOOKUPS),
                              str(playbook), "-e", f"@{vars_file}"], tmp_path)  # fmt: skip
    finally:
        elapsed = time.monotonic() - started
        after = emulator_admin.stats()
        emulator_admin.set_faults([])
    assert run.completed.returncode == 0, run.explain()[-5000:]

    requests = after["by_client_id"].get(APP_ID, 0) - before["by_client_id"].get(APP_ID, 0)
    throttled = after["by_outcome"].get("fault:429", 0) - before["by_outcome"].get("fault:429", 0)
    successes = after["by_outcome"].get("success", 0) - before["by_outcome"].get("success", 0)
    retry_lines = run.output.count("azure_ad.oauth.token: HTTP 429; retry ")
    hs.SUMMARY.append(
        f"concurrency: {LOOKUPS} lookups in {LOOKUPS} forks, all succeeded in {elapsed:.1f}s; the endpoint served "
        f"{throttled} x 429 (Retry-After 1) and saw {requests} token requests (bounds: >= {LOOKUPS} + {throttled} "
        f"= {LOOKUPS + throttled}, <= {LOOKUPS} x (retries {RETRIES} + 1) = {LOOKUPS * (RETRIES + 1)}); "
        f"{retry_lines} -vvv retry lines"
    )
    print("\n" + hs.SUMMARY[-1])

    oks = [line for line in run.results if line["task"] == "lookup in this fork" and line["status"] == "ok"]
    assert len(oks) == LOOKUPS, run.explain()[-5000:]
    assert all(line["result"].get("censored") for line in oks)
    assert successes == LOOKUPS
    assert throttled == THROTTLED, "every queued 429 was served"
    assert LOOKUPS + throttled <= requests <= LOOKUPS * (RETRIES + 1)
    assert requests == LOOKUPS + throttled, "each 429 cost exactly one retry"
    assert retry_lines == throttled
    assert CLIENT_SECRET not in run.output


CERT_APP_ID = "8a3f4e5d-6c7b-4d8e-9f0a-1b2c3d4e5f60"
CERT_LOOKUPS = 10
CERT_THROTTLED = 12
P12_PASSWORD = "Conc-P12#pass-6Tn"

CERT_PLAYBOOK = """
- name: Concurrent certificate lookups
  hosts: all
  gather_facts: false
  tasks:
    - name: lookup in this fork
      ansible.builtin.set_fact:
        hx_token: "{{ lookup('azure_ad.oauth.token', keystore_password=hx_password, **hx_endpoint) }}"
      no_log: true
"""


def test_parallel_certificate_lookups_sign_one_assertion_per_attempt(tmp_path, emulator_state, emulator_admin):
    """10 forks read one keystore and sign at once, through 429s: every attempt sent its own assertion.

    The endpoint records each assertion it receives (throttled ones too), so "one assertion per attempt"
    is checked on what was sent, across processes: as many assertions as token requests, no jti twice.
    """
    import keystore_factory as kf

    store = kf.require(kf.openssl_pkcs12, tmp_path / "p12", password=P12_PASSWORD)
    keystore = tmp_path / "app.p12"
    keystore.write_bytes(store.read_bytes())
    keystore.chmod(0o600)
    emulator_admin.add_app(CERT_APP_ID, display_name="hardening: concurrent certificates",
                           certificates=[store.cert.pem.decode()], roles={d.GRAPH_APP_ID: d.GRAPH_ROLES})  # fmt: skip
    endpoint = {"tenant_id": d.TENANT_ID, "client_id": CERT_APP_ID, "authority_host": emulator_state["authority_host"],
                "ca_path": emulator_state["ca_path"], "scope": [d.GRAPH_SCOPE], "keystore_path": str(keystore),
                "retries": RETRIES}  # fmt: skip
    hosts = {f"signer{index:02d}": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable}
             for index in range(1, CERT_LOOKUPS + 1)}  # fmt: skip
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(json.dumps({"all": {"hosts": hosts}}))
    playbook = tmp_path / "certificates.yml"
    playbook.write_text(CERT_PLAYBOOK)
    vars_file = tmp_path / "vars.json"
    vars_file.touch(mode=0o600)
    vars_file.write_text(json.dumps({"hx_password": P12_PASSWORD, "hx_endpoint": endpoint}))

    emulator_admin.set_faults([{"type": "status", "status": 429, "retry_after": 1, "times": CERT_THROTTLED}])
    try:
        run = hs.run_ansible(["ansible-playbook", "-i", str(inventory), "--forks", str(CERT_LOOKUPS), str(playbook),
                              "-e", f"@{vars_file}"], tmp_path)  # fmt: skip
    finally:
        emulator_admin.set_faults([])
    assert run.completed.returncode == 0, run.explain()[-5000:]
    oks = [line for line in run.results if line["task"] == "lookup in this fork" and line["status"] == "ok"]
    assert len(oks) == CERT_LOOKUPS

    sent = [entry for entry in emulator_admin.assertions() if (entry["claims"] or {}).get("iss") == CERT_APP_ID]
    jtis = [entry["claims"]["jti"] for entry in sent]
    assert len(sent) == CERT_LOOKUPS + CERT_THROTTLED, "one assertion per attempt: each 429 cost one more"
    assert len(set(jtis)) == len(jtis), "an assertion was sent twice"
    assert P12_PASSWORD not in run.output
    hs.SUMMARY.append(f"concurrency: {CERT_LOOKUPS} certificate lookups in {CERT_LOOKUPS} forks through "
                      f"{CERT_THROTTLED} x 429: {len(sent)} assertions sent, {len(set(jtis))} distinct jti")
