"""No secret ever reaches the output: every success and failure of the module and lookup, at -vvvv.

Three processes, all at ``-vvvv``: playbooks/secret_hygiene.yml (the module and
the lookup, successes and failures, with and without ``no_log``, with retries
and faults), an ad hoc ``ansible -m azure_ad.oauth.token`` run (one inventory
host per case) and an ad hoc lookup run through ``debug``. In all their stdout
and stderr there must be none of:

- the client secret, a wrong secret, the store, key and PEM passwords, a wrong
  password (distinctive values, so a substring search means something);
- any PEM ``PRIVATE KEY`` text;
- a signed client assertion: any JWT whose header carries the certificate
  thumbprint (``x5t``/``x5t#S256``) and whose claims are an app's own
  assertion (``aud`` a token endpoint, ``iss`` = ``sub``), recognised by its
  shape (a test below checks the scan spots a real one); and, exactly, the
  signature of each assertion the endpoint received from the app (it records
  them), so that no part of a real assertion can pass for something else;
- a federated token (workload identity) given as ``client_assertion`` or in a
  ``client_assertion_path`` file: none of the tokens minted for the run, whole,
  by its signature or by the start of its payload, succeeded or refused.

The access token may appear only as the module's ``access_token`` and as the
lookup's value, and only in tasks without ``no_log``: every JWT in the output
is classified, and each access token occurrence must sit right after
``"access_token": "`` or ``"msg": "`` in a task whose name has no ``no_log``.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import hardening_support as hs
import keystore_factory as kf
import pytest
from entra_emulator import defaults as d
from test_issuer import OidcIssuer, kubernetes_subject, write_token_file

from ansible_collections.azure_ad.oauth.plugins.module_utils._token.options import TOKEN_OPTIONS

HERE = hs.HERE
PLAYBOOK = HERE / "playbooks" / "secret_hygiene.yml"
APP_ID = "6e1d2c3b-4a5f-4b6c-8d7e-9f0a1b2c3d4e"
SECRETS = {
    "client_secret": "Hyg~Client.Secret_5mK2pQ9xW7vR3tY8uJ",
    "wrong_secret": "Hyg~Wrong.Secret_0000aaaaBBBBcccc",
    "store_password": "Hyg-Store#Pw-8Tq1",
    "key_password": "Hyg-Key#Pw-2Zr6",
    "pem_password": "Hyg-Pem#Pw-6Vn3",
    "wrong_password": "Hyg-Wrong#Pw-4Lm9",
}
SECRET_VALUES = tuple(SECRETS.values())
ALLOWED_BEFORE_TOKEN = ('"access_token": "', '"msg": "')
ADHOC_MODULE_ARGS = " ".join(f"{name}={{{{ hx_row.{name} | default(omit) }}}}" for name in TOKEN_OPTIONS)
ADHOC_LOOKUP_ARGS = "msg={{ lookup('azure_ad.oauth.token', **hx_row) }}"

# Ad hoc cases: inventory host -> (extra arguments on top of the endpoint's, succeeds?)
JKS = {"keystore_path": "{{ hx_paths.jks }}", "keystore_password": "{{ hx.store_password }}",
       "key_password": "{{ hx.key_password }}"}  # fmt: skip
# Federated tokens (workload identity): a file or the value, one accepted and two refused by the endpoint.
FEDERATED_FILE = {"client_assertion_path": "{{ hx_paths.federated }}", "cache": False}
ADHOC_MODULE = {
    "module_secret": ({"client_secret": "{{ hx.client_secret }}"}, True),
    "module_jks": (JKS, True),
    "module_pem": ({"keystore_path": "{{ hx_paths.pem }}", "key_password": "{{ hx.pem_password }}"}, True),
    "module_wrong_secret": ({"client_secret": "{{ hx.wrong_secret }}"}, False),
    "module_wrong_store_password": ({**JKS, "keystore_password": "{{ hx.wrong_password }}"}, False),
    "module_wrong_key_password": ({**JKS, "key_password": "{{ hx.wrong_password }}"}, False),
    "module_unregistered": ({"keystore_path": "{{ hx_paths.unregistered }}"}, False),
    "module_federated_file": (FEDERATED_FILE, True),
    "module_federated_value": ({"client_assertion": "{{ hx_federated.token }}"}, True),
    "module_federated_wrong_subject": ({"client_assertion_path": "{{ hx_paths.federated_wrong_subject }}"}, False),
    "module_federated_wrong_audience": ({"client_assertion_path": "{{ hx_paths.federated_wrong_audience }}"}, False),
    "module_federated_expired": ({"client_assertion": "{{ hx_federated.expired }}"}, False),
}
ADHOC_LOOKUP = {
    "lookup_secret": ({"client_secret": "{{ hx.client_secret }}"}, True),
    "lookup_jks": (JKS, True),
    "lookup_wrong_secret": ({"client_secret": "{{ hx.wrong_secret }}"}, False),
    "lookup_wrong_key_password": ({**JKS, "key_password": "{{ hx.wrong_password }}"}, False),
    "lookup_unregistered": ({"keystore_path": "{{ hx_paths.unregistered }}"}, False),
    "lookup_federated_file": (FEDERATED_FILE, True),
    "lookup_federated_value": ({"client_assertion": "{{ hx_federated.token }}", "cache": False}, True),
    "lookup_federated_wrong_subject": ({"client_assertion_path": "{{ hx_paths.federated_wrong_subject }}",
                                        "cache": False}, False),
}


@pytest.fixture(scope="module")
def hygiene(tmp_path_factory, emulator_state, emulator_admin):
    kf.require(kf.default_jdk)
    kf.require(kf.openssl)
    work = tmp_path_factory.mktemp("hygiene")
    jks = kf.keytool_keystore(work / "jks", store_password=SECRETS["store_password"],
                              key_password=SECRETS["key_password"])  # fmt: skip
    pem = kf.pem_files(work / "pem", key_password=SECRETS["pem_password"])
    unregistered = kf.pem_files(work / "unregistered")
    emulator_admin.add_app(APP_ID, display_name="hardening: secret hygiene",
                           secrets=[{"value": SECRETS["client_secret"]}], roles={d.GRAPH_APP_ID: d.GRAPH_ROLES})
    for store in (jks, pem):
        emulator_admin.register_certificate(APP_ID, store.cert.pem)

    paths = {"jks": work / "app.jks", "jks_readable": work / "readable.jks", "pem": pem.path,
             "unregistered": unregistered.path, "other_ca": work / "other-ca.pem"}  # fmt: skip
    shutil.copyfile(jks.path, paths["jks"])
    paths["jks"].chmod(0o600)
    shutil.copyfile(jks.path, paths["jks_readable"])
    paths["jks_readable"].chmod(0o644)  # what keytool leaves: the warning must say so
    paths["other_ca"].write_bytes(unregistered.cert.pem)
    federated = federated_tokens(work, emulator_admin)
    for name in ("federated", "federated_wrong_subject", "federated_wrong_audience"):
        paths[name] = Path(write_token_file(work / name, federated[name]))

    endpoint = {"tenant_id": d.TENANT_ID, "client_id": APP_ID, "authority_host": emulator_state["authority_host"],
                "ca_path": emulator_state["ca_path"], "scope": [d.GRAPH_SCOPE]}  # fmt: skip
    variables = {
        "hx": SECRETS,
        "hx_paths": {name: str(path) for name, path in paths.items()},
        "hx_federated": {"token": federated["federated_value"], "expired": federated["expired"]},
        "hx_tenant_id": d.TENANT_ID,
        "hx_client_id": APP_ID,
        "hx_authority_host": emulator_state["authority_host"],
        "hx_ca_path": emulator_state["ca_path"],
        "hx_admin_url": emulator_state["authority_host"] + "/_emulator",
        "hx_admin_token": emulator_state["admin_token"],
    }
    vars_file = work / "vars.json"
    vars_file.touch(mode=0o600)
    vars_file.write_text(json.dumps(variables))
    inventories = {}
    for name, cases in (("module", ADHOC_MODULE), ("lookup", ADHOC_LOOKUP)):
        hosts = {host: {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                        "hx_row": {**endpoint, **case[0]}} for host, case in cases.items()}  # fmt: skip
        inventories[name] = work / f"{name}-inventory.yml"
        inventories[name].write_text(json.dumps({"all": {"hosts": hosts}}))

    requests_before = emulator_admin.stats()["by_client_id"].get(APP_ID, 0)
    runs = {
        "playbook": hs.run_ansible(["ansible-playbook", "-vvvv", "-i", "localhost,", "-c", "local", str(PLAYBOOK),
                                    "-e", f"@{vars_file}"], work,
                                   env={"AZURE_CLIENT_SECRET": SECRETS["client_secret"]}),
        "adhoc module": hs.run_ansible(["ansible", "all", "-vvvv", "-i", str(inventories["module"]), "-m",
                                        "azure_ad.oauth.token", "-a", ADHOC_MODULE_ARGS, "-e", f"@{vars_file}"], work),
        "adhoc lookup": hs.run_ansible(["ansible", "all", "-vvvv", "-i", str(inventories["lookup"]), "-m",
                                        "ansible.builtin.debug", "-a", ADHOC_LOOKUP_ARGS, "-e", f"@{vars_file}"], work),
    }  # fmt: skip
    requests = emulator_admin.stats()["by_client_id"].get(APP_ID, 0) - requests_before
    emulator_admin.set_faults([])
    signatures = [entry["signature"] for entry in emulator_admin.assertions()
                  if (entry["claims"] or {}).get("iss") == APP_ID and entry["signature"]]  # fmt: skip
    return {"runs": runs, "requests": requests, "pem": pem, "signatures": signatures, "federated": federated}


def federated_tokens(work, emulator_admin) -> dict:
    """A Kubernetes issuer trusted for one subject on the hygiene app, and the tokens of the federated cases."""
    issuer = OidcIssuer(f"https://oidc.example.test/hygiene-{work.name}/")
    emulator_admin.trust_issuer(issuer.issuer, issuer.jwks())
    emulator_admin.add_federated_credential(APP_ID, issuer.issuer, kubernetes_subject("automation", "ansible"))
    return {
        "federated": issuer.kubernetes_token(),
        "federated_value": issuer.kubernetes_token(),
        "federated_wrong_subject": issuer.kubernetes_token(service_account="nobody"),
        "federated_wrong_audience": issuer.kubernetes_token(audience="api://custom"),
        "expired": issuer.kubernetes_token(now=time.time() - 7200, lifetime=3600),
    }


def playbook_tasks() -> list[str]:
    import yaml

    play = yaml.safe_load(PLAYBOOK.read_text())[0]
    return [task["name"] for task in play["tasks"]]


def test_every_case_ran_as_intended(hygiene):
    """Each success succeeded and each failure failed; the scan below is over real outcomes."""
    playbook = hygiene["runs"]["playbook"]
    assert playbook.completed.returncode == 0, playbook.explain()
    names = playbook_tasks()
    assert sum(" ok" in name for name in names) >= 12 and sum(" fail" in name for name in names) >= 12
    for name in names:
        recorded = playbook.result(name)
        expected = "failed" if " fail" in name else "ok"
        assert recorded["status"] == expected, (name, json.dumps(recorded["result"])[:1500])
    for run_name, cases in (("adhoc module", ADHOC_MODULE), ("adhoc lookup", ADHOC_LOOKUP)):
        run = hygiene["runs"][run_name]
        for host, case in cases.items():
            ok = case[1]
            found = [line for line in run.results if line["host"] == host]
            assert len(found) == 1, run.explain()
            assert found[0]["status"] == ("ok" if ok else "failed"), (host, json.dumps(found[0]["result"])[:1500])
    # The certificate cases did sign and send assertions, so "no assertion in the output" is meaningful.
    assert hygiene["requests"] >= 20
    cases = [name for name in names if not name.startswith("faults |")]
    case_count = len(cases) + len(ADHOC_MODULE) + len(ADHOC_LOOKUP)
    hs.SUMMARY.append(f"secret hygiene: {case_count} cases at -vvvv ({len(cases)} in the playbook, "
                      f"{len(ADHOC_MODULE)} ad hoc module, {len(ADHOC_LOOKUP)} ad hoc lookup), "
                      f"{hygiene['requests']} token requests")  # fmt: skip


@pytest.mark.parametrize("run_name", ["playbook", "adhoc module", "adhoc lookup"])
def test_no_secret_key_or_assertion_in_the_output(hygiene, run_name):
    run = hygiene["runs"][run_name]
    leaks = hs.leaked(run.output, SECRET_VALUES)
    assert not leaks, hs.contexts(run.output, leaks)
    assertions = [jwt for jwt in hs.find_jwts(run.output) if jwt.is_client_assertion]
    assert not assertions, [jwt.claims for jwt in assertions]
    assert "Traceback" not in run.output


@pytest.mark.parametrize("run_name", ["playbook", "adhoc module", "adhoc lookup"])
def test_no_signature_of_any_assertion_sent_is_in_the_output(hygiene, run_name):
    """Exact, not by shape: each assertion the endpoint received from the app, by its signature (342 characters)."""
    signatures = hygiene["signatures"]
    assert len(signatures) >= 10, "too few assertions recorded: the scan would pass for nothing"
    run = hygiene["runs"][run_name]
    found = [signature for signature in signatures if signature in run.output or signature[:40] in run.output]
    assert not found, hs.contexts(run.output, [signature[:40] for signature in found])


@pytest.mark.parametrize("run_name", ["playbook", "adhoc module", "adhoc lookup"])
def test_no_federated_token_is_in_the_output(hygiene, run_name):
    """Every federated token of the run, accepted or refused, given as a value or in a file: whole, its signature
    (exact, 342 characters) or the start of its payload."""
    run = hygiene["runs"][run_name]
    for name, token in hygiene["federated"].items():
        _header, payload, signature = token.split(".")
        for part in (token, signature, signature[:40], payload[:60]):
            assert part not in run.output, (name, hs.contexts(run.output, [part]))


@pytest.mark.parametrize("run_name", ["playbook", "adhoc module", "adhoc lookup"])
def test_access_tokens_only_where_returned(hygiene, run_name):
    run = hygiene["runs"][run_name]
    tokens = [jwt for jwt in hs.find_jwts(run.output) if not jwt.is_client_assertion]
    assert tokens, "no access token in the output at all: the scan would pass for nothing"
    for token in tokens:
        assert token.claims.get("appid") == APP_ID or token.claims.get("azp") == APP_ID, token.claims
        before = run.output[: token.start]
        assert before.endswith(ALLOWED_BEFORE_TOKEN), before[-200:]


def test_no_log_tasks_show_no_token(hygiene):
    playbook = hygiene["runs"]["playbook"]
    sections = hs.task_sections(playbook.completed.stdout)
    no_log = [name for name in playbook_tasks() if "no_log" in name]
    assert len(no_log) >= 5
    for name in no_log:
        assert not hs.find_jwts(sections[name]), name
        result = playbook.result(name)["result"]
        assert result.get("censored"), result
        assert not hs.find_jwts(json.dumps(result))
    for name in playbook_tasks():
        if " ok |" in name and "no_log" not in name:
            assert hs.find_jwts(sections[name]), f"{name} shows no token: the no_log check would be vacuous"


def test_the_scan_recognises_a_real_client_assertion(hygiene):
    """Sign an assertion as the module does and check the scanner flags it, and not an access token."""
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import CertificateSettings
    from ansible_collections.azure_ad.oauth.plugins.module_utils._token.signing_key import (
        assertion_claims,
        load_signing_key,
        sign_client_assertion,
    )

    pem = hygiene["pem"]
    for api_version in ("v1", "v2"):
        key = load_signing_key(CertificateSettings(str(pem.path), "auto", key_password=SECRETS["pem_password"]),
                               api_version)  # fmt: skip
        endpoint = f"https://login.example/{d.TENANT_ID}/oauth2/v2.0/token"
        assertion = sign_client_assertion(key, assertion_claims(APP_ID, endpoint, 600))
        found = hs.find_jwts(f'"msg": "{assertion}"')
        assert len(found) == 1 and found[0].is_client_assertion
    tokens = hs.find_jwts(hygiene["runs"]["playbook"].output)
    assert tokens and not any(jwt.is_client_assertion for jwt in tokens)


def test_warnings_and_progress_reach_the_user(hygiene):
    """The retry warning (module), the -vvv retry lines (lookup), and the group-readable keystore warning."""
    playbook = hygiene["runs"]["playbook"]
    retried = hs.warnings_of(playbook.result("module ok | certificate grant retried after two 429s")["result"])
    assert any("retry 1 after HTTP 429" in text and "retry 2 after HTTP 429" in text for text in retried), retried
    failed = hs.warnings_of(playbook.result("module fail | 503 until the retries run out")["result"])
    assert any("retry 1 after HTTP 503" in text for text in failed), failed
    readable = hs.warnings_of(playbook.result("module ok | group-readable keystore warns")["result"])
    assert any("readable by other users (mode 0644)" in text for text in readable), readable
    private = hs.warnings_of(playbook.result("module ok | JKS with store and key passwords")["result"])
    assert not any("readable by other users" in text for text in private), private
    sections = hs.task_sections(playbook.completed.stdout)
    lookup_retried = sections["lookup ok | JKS retried"]
    assert "azure_ad.oauth.token: HTTP 429; retry 1 in" in lookup_retried
    assert "azure_ad.oauth.token: HTTP 503; retry 2 in" in lookup_retried
    too_long = playbook.result("module fail | Retry-After beyond max_retry_wait")["result"]["msg"]
    assert "asked to wait 120 seconds" in too_long and "max_retry_wait" in too_long
    tls = playbook.result("module fail | untrusted endpoint certificate")["result"]["msg"]
    assert "validate_certs" in tls and "ca_path" in tls
