"""The azure_ad.oauth.token lookup in real playbooks: what only a driver can set up.

ansible-test runs the ``token_lookup`` target on its own (templates, terms, variables, templated variables and a
certificate), with its own endpoint (setup_entra_emulator). Here the same target runs the suites that need
ansible's own environment set before it starts: options from an ansible.cfg written here, and from ``AZURE_*``
variables; and a playbook run from another directory finds relative paths as other lookups find files.
"""

from __future__ import annotations

import re
from dataclasses import replace

import keystore_factory as kf
import pytest
from ansible_cli import run_playbook, write_vars
from entra_emulator.defaults import (
    ARM_SCOPE,
    CLIENT_ID,
    CLIENT_SECRET,
    CUSTOM_API_APP_ID,
    CUSTOM_API_ROLES,
    CUSTOM_API_SCOPE,
    GRAPH_RESOURCE,
    GRAPH_ROLES,
    GRAPH_SCOPE,
    KEYVAULT_RESOURCE,
    KEYVAULT_SCOPE,
    OTHER_TENANT_ID,
    TENANT_DOMAIN,
    TENANT_ID,
)

SECRETS = (CLIENT_SECRET, "fixture-store-pass", "fixture-key-pass")


@pytest.fixture(scope="session")
def lookup_keystore(tmp_path_factory, emulator_admin) -> kf.Keystore:
    """The committed JDK 25 JKS (key password differs; no JDK needed), as a 0600 copy, registered on the app."""
    store = kf.committed_jdk25_keystore()
    copy = tmp_path_factory.mktemp("lookup-keystore") / store.path.name
    copy.write_bytes(store.read_bytes())
    copy.chmod(0o600)
    emulator_admin.register_certificate(CLIENT_ID, store.cert.pem)
    return replace(store, path=copy)


@pytest.fixture()
def lookup_vars(emulator_state, lookup_keystore) -> dict:
    return {
        "lookup_token_authority_host": emulator_state["authority_host"],
        "lookup_token_ca_path": emulator_state["ca_path"],
        "lookup_token_tenant_id": TENANT_ID,
        "lookup_token_tenant_domain": TENANT_DOMAIN,
        "lookup_token_client_id": CLIENT_ID,
        "lookup_token_client_secret": CLIENT_SECRET,
        "lookup_token_graph_resource": GRAPH_RESOURCE,
        "lookup_token_graph_scope": GRAPH_SCOPE,
        "lookup_token_graph_roles": GRAPH_ROLES,
        "lookup_token_keyvault_resource": KEYVAULT_RESOURCE,
        "lookup_token_keyvault_scope": KEYVAULT_SCOPE,
        "lookup_token_arm_scope": ARM_SCOPE,
        "lookup_token_custom_api_scope": CUSTOM_API_SCOPE,
        "lookup_token_custom_api_app_id": CUSTOM_API_APP_ID,
        "lookup_token_custom_api_roles": CUSTOM_API_ROLES,
        "lookup_token_keystore": {
            "path": str(lookup_keystore.path),
            "keystore_password": lookup_keystore.store_password,
            "key_password": lookup_keystore.key_password,
            "sha1_colon": lookup_keystore.cert.sha1_colon,
        },
    }


def recap(completed) -> dict[str, int]:
    """The localhost line of the PLAY RECAP, as numbers."""
    match = re.search(r"^localhost\s*:\s*(.+)$", completed.stdout, re.MULTILINE)
    assert match, f"no PLAY RECAP in the output:\n{completed.stdout}\n{completed.stderr}"
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", match.group(1))}


def explain(completed) -> str:
    return f"rc={completed.returncode}\n{completed.stdout[-12000:]}\n{completed.stderr[-4000:]}"


def assert_succeeded(completed, ok: int, ignored: int = 0) -> None:
    assert completed.returncode == 0, explain(completed)
    counts = recap(completed)
    assert (counts["ok"], counts["failed"], counts["ignored"]) == (ok, 0, ignored), explain(completed)
    output = completed.stdout + completed.stderr
    assert "Traceback" not in output
    for secret in SECRETS:
        assert secret not in output, "a secret reached the output"


def test_lookup_options_from_ansible_cfg(run_target, lookup_vars, emulator_state, tmp_path):
    """[azure_ad_oauth] in ansible.cfg supplies the options, beats AZURE_TENANT_ID, and never the secret."""
    config = tmp_path / "ansible.cfg"
    config.write_text(
        "[azure_ad_oauth]\n"
        f"tenant_id = {TENANT_DOMAIN}\n"
        f"client_id = {CLIENT_ID}\n"
        f"authority_host = {emulator_state['authority_host']}\n"
        f"ca_path = {emulator_state['ca_path']}\n"
        "api_version = v1\n"
        f"resource = {KEYVAULT_RESOURCE}\n"
        "# Secrets are never read from ansible.cfg: this one must be ignored.\n"
        f"client_secret = {CLIENT_SECRET}\n"
    )
    config.chmod(0o600)
    completed = run_target(
        "token_lookup",
        {**lookup_vars, "lookup_token_suites": ["ini"]},
        env={"ANSIBLE_CONFIG": str(config), "AZURE_TENANT_ID": OTHER_TENANT_ID},
    )
    # setup_entra_emulator: 4 (the endpoint passed in); main: directory, set_fact, include; ini: 4, one of them the
    # ignored failure; the handler that removes the directory.
    assert_succeeded(completed, ok=12, ignored=1)
    assert "A credential is required" in completed.stdout


def test_lookup_options_from_environment(run_target, lookup_vars, emulator_state):
    """AZURE_* variables supply tenant, client, secret and endpoint; an explicit keystore still wins."""
    env = {
        "AZURE_TENANT_ID": TENANT_ID,
        "AZURE_CLIENT_ID": CLIENT_ID,
        "AZURE_CLIENT_SECRET": CLIENT_SECRET,
        "AZURE_AUTHORITY_HOST": emulator_state["authority_host"],
        "ANSIBLE_AZURE_AD_OAUTH_CA_PATH": emulator_state["ca_path"],
    }
    # The vars file must not carry what the environment is meant to give.
    variables = {key: value for key, value in lookup_vars.items() if key != "lookup_token_client_secret"}
    completed = run_target("token_lookup", {**variables, "lookup_token_suites": ["env"]}, env=env)
    # setup_entra_emulator: 4 (the endpoint passed in); main: directory, set_fact, include; env: 3; the handler.
    assert_succeeded(completed, ok=11)


# -- relative paths, found as other lookups find files --------------------------------------------

RELATIVE_PLAY = """
- name: Relative paths in the lookup
  hosts: localhost
  gather_facts: false
  vars:
    rp_endpoint:
      tenant_id: "{{ rp.tenant_id }}"
      client_id: "{{ rp.client_id }}"
      authority_host: "{{ rp.authority_host }}"
      ca_path: ca.pem                                   # in the play's files/
  roles:
    - signer
  tasks:
    - name: rp the documented example, keystore_path='files/app.p12'
      ansible.builtin.set_fact:
        rp_documented: >-
          {{ lookup('azure_ad.oauth.token', rp.resource, keystore_path='files/app.p12',
                    keystore_password=rp.p12_password, **rp_endpoint) | azure_ad.oauth.token_claims }}

    - name: rp a bare name found in the play's files/
      ansible.builtin.set_fact:
        rp_bare: >-
          {{ lookup('azure_ad.oauth.token', rp.resource, keystore_path='app.p12',
                    keystore_password=rp.p12_password, **rp_endpoint) | azure_ad.oauth.token_claims }}

    - name: rp a PEM key and its certificate_path, both relative
      ansible.builtin.set_fact:
        rp_pem: >-
          {{ lookup('azure_ad.oauth.token', rp.resource, keystore_path='key.pem', certificate_path='cert.pem',
                    **rp_endpoint) | azure_ad.oauth.token_claims }}

    - name: rp from an azure_ad_oauth_keystore_path variable
      ansible.builtin.set_fact:
        rp_from_var: >-
          {{ lookup('azure_ad.oauth.token', rp.resource, keystore_password=rp.p12_password, **rp_endpoint)
             | azure_ad.oauth.token_claims }}
      vars:
        azure_ad_oauth_keystore_path: files/app.p12

    - name: rp a path found nowhere
      ansible.builtin.set_fact:
        rp_missing: "{{ lookup('azure_ad.oauth.token', rp.resource, keystore_path='files/missing.p12',
                               keystore_password=rp.p12_password, **rp_endpoint) }}"
      register: rp_missing_result
      ignore_errors: true

    - name: rp results
      ansible.builtin.assert:
        that:
          - rp_documented.appidacr == '2'
          - rp_bare.appidacr == '2'
          - rp_pem.appidacr == '2'
          - rp_from_var.appidacr == '2'
          - rp_role.appidacr == '2'
          - rp_role_shadowed.appidacr == '2'
          - rp_missing_result is failed
          - rp_missing_result.msg is search(rp_missing_message)
      vars:
        rp_missing_message: "azure_ad.oauth.token: keystore_path 'files/missing.p12' does not exist[.]$"
"""

RELATIVE_ROLE = """
- name: rp the role's own files/
  ansible.builtin.set_fact:
    rp_role: >-
      {{ lookup('azure_ad.oauth.token', rp.resource, keystore_path='role.p12', keystore_password=rp.p12_password,
                **rp_endpoint) | azure_ad.oauth.token_claims }}

- name: rp the role's files/ before the play's (shadow.p12 is in both, only the role's is registered)
  ansible.builtin.set_fact:
    rp_role_shadowed: >-
      {{ lookup('azure_ad.oauth.token', rp.resource, keystore_path='shadow.p12', keystore_password=rp.p12_password,
                **rp_endpoint) | azure_ad.oauth.token_claims }}
"""


def test_relative_paths_are_found_as_other_lookups_find_files(tmp_path, emulator_state, emulator_admin):
    """keystore_path, certificate_path and ca_path, relative, from a playbook run in another directory.

    Found in the role's files/, the play's files/ and the playbook's directory, as the file lookup finds
    files; a path found nowhere is reported as the user wrote it.
    """
    build = tmp_path / "build"
    stores = {name: kf.require(kf.openssl_pkcs12, build / name, password="Rp-P12#pass-2Vb")
              for name in ("app", "role", "shadow-role", "shadow-play")}  # fmt: skip
    pem = kf.require(kf.pem_files, build / "pem", layout="split")
    for name in ("app", "role", "shadow-role"):  # shadow-play's certificate is not registered: using it gives 700027
        emulator_admin.register_certificate(CLIENT_ID, stores[name].cert.pem)
    emulator_admin.register_certificate(CLIENT_ID, pem.cert.pem)

    play_dir = tmp_path / "play"
    files = play_dir / "files"
    role_files = play_dir / "roles" / "signer" / "files"
    role_tasks = play_dir / "roles" / "signer" / "tasks"
    for directory in (files, role_files, role_tasks):
        directory.mkdir(parents=True)
    layout = {files / "app.p12": stores["app"].read_bytes(), files / "shadow.p12": stores["shadow-play"].read_bytes(),
              role_files / "role.p12": stores["role"].read_bytes(),
              role_files / "shadow.p12": stores["shadow-role"].read_bytes(),
              files / "key.pem": pem.read_bytes(), files / "cert.pem": pem.certificate_path.read_bytes(),
              files / "ca.pem": open(emulator_state["ca_path"], "rb").read()}  # fmt: skip
    for path, data in layout.items():
        path.write_bytes(data)
        path.chmod(0o600)
    (play_dir / "site.yml").write_text(RELATIVE_PLAY)
    (role_tasks / "main.yml").write_text(RELATIVE_ROLE)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    vars_file = write_vars(tmp_path / "vars.json", {"rp": {
        "tenant_id": TENANT_ID, "client_id": CLIENT_ID, "authority_host": emulator_state["authority_host"],
        "resource": GRAPH_RESOURCE, "p12_password": "Rp-P12#pass-2Vb"}})  # fmt: skip

    completed = run_playbook(play_dir / "site.yml", vars_file=vars_file, cwd=elsewhere)

    # role: 2; play: 5 set_fact, 1 ignored failure, 1 assert.
    assert_succeeded(completed, ok=8, ignored=1)
    assert "Rp-P12#pass-2Vb" not in completed.stdout + completed.stderr
    assert "Unable to find" not in completed.stdout + completed.stderr  # no search-path warning for a found file
