"""Integration: the keystore role, run by ansible-playbook against localhost, with tokens from what it lays down."""

from __future__ import annotations

import re
import subprocess

import keystore_factory as kf
import pytest
from ansible_cli import run_playbook, write_vars
from entra_emulator import CLIENT_ID, TENANT_ID

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore import load_key_material

PASSWORD = "Role-store 1"
KEY_PASSWORD = "Role-key 2"

DOUBLE_RUN_PLAYBOOK = """\
- name: Lay down a PKCS12 and a JKS keystore with the role
  hosts: localhost
  gather_facts: false
  tasks:
    - name: PKCS12 keystore
      ansible.builtin.include_role:
        name: azure_ad.oauth.keystore
      vars:
        keystore_path: "{{ work_dir }}/app.p12"
        keystore_password: "{{ store_password }}"
        keystore_generate: true
        keystore_certificate_export_path: "{{ work_dir }}/app-p12.cer"

    - name: JKS keystore
      ansible.builtin.include_role:
        name: azure_ad.oauth.keystore
      vars:
        keystore_path: "{{ work_dir }}/app.jks"
        keystore_type: jks
        keystore_password: "{{ store_password }}"
        keystore_key_password: "{{ key_password }}"
        keystore_generate: true
        keystore_certificate_export_path: "{{ work_dir }}/app-jks.cer"
"""


@pytest.fixture(scope="module")
def tools():
    kf.require(kf.default_jdk)
    kf.require(kf.openssl)


def recap_line(stdout: str) -> str:
    match = re.search(r"^PLAY RECAP.*\n(localhost\s+:.*)$", stdout, re.MULTILINE)
    assert match, stdout
    return match.group(1).rstrip()


def counts(line: str) -> dict[str, int]:
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", line)}


def no_secrets(text: str) -> None:
    for secret in (PASSWORD, KEY_PASSWORD):
        assert secret not in text
    assert "PRIVATE KEY" not in text


@pytest.mark.java
def test_role_target(run_target, tmp_path, tools, emulator_state):
    work = tmp_path / "work"
    work.mkdir()
    completed = run_target("role_keystore", {
        "role_keystore_dir": str(work),
        "role_keystore_password": PASSWORD,
        "role_keystore_key_password": KEY_PASSWORD,
        "role_keystore_authority_host": emulator_state["authority_host"],
        "role_keystore_ca_path": emulator_state["ca_path"],
        "role_keystore_admin_token": emulator_state["admin_token"],
        "role_keystore_tenant_id": TENANT_ID,
        "role_keystore_client_id": CLIENT_ID,
    })
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    line = recap_line(completed.stdout)
    print(f"\nrole_keystore target: {line}")
    # The deliberate wrong password: the role's rescue reports the module's message, the target's rescue keeps it.
    assert counts(line)["failed"] == 0 and counts(line)["rescued"] == 2
    assert completed.stdout.count("All assertions passed") >= 7
    no_secrets(output)
    material = load_key_material(str(work / "role.jks"), "jks", PASSWORD, KEY_PASSWORD, "azure-ad")
    assert material.certificate.subject.rfc4514_string() == "CN=role-jks.example.com"


@pytest.mark.java
def test_role_double_run_changes_then_does_not(tmp_path, tools, emulator_admin):
    work = tmp_path / "double"
    work.mkdir()
    playbook = tmp_path / "double-run.yml"
    playbook.write_text(DOUBLE_RUN_PLAYBOOK)
    vars_file = write_vars(tmp_path / "double-run-vars.json",
                           {"work_dir": str(work), "store_password": PASSWORD, "key_password": KEY_PASSWORD})
    first = run_playbook(playbook, vars_file=vars_file)
    second = run_playbook(playbook, vars_file=vars_file)
    for run in (first, second):
        assert run.returncode == 0, run.stdout + run.stderr
        no_secrets(run.stdout + run.stderr)
    first_line, second_line = recap_line(first.stdout), recap_line(second.stdout)
    print("\nDouble run of the azure_ad.oauth.keystore role (PKCS12 + JKS):")
    print(f"  first run:  {first_line}")
    print(f"  second run: {second_line}")
    assert counts(first_line)["changed"] > 0
    assert counts(second_line)["changed"] == 0
    assert counts(first_line)["failed"] == counts(second_line)["failed"] == 0

    # Both files open with keytool (password on stdin), and their certificates are accepted by the endpoint.
    for path, store_type in ((work / "app.p12", "PKCS12"), (work / "app.jks", "JKS")):
        listing = subprocess.run(
            ["keytool", "-J-Duser.language=en", "-list", "-keystore", str(path), "-storetype", store_type],
            input=PASSWORD, capture_output=True, text=True, timeout=120, check=False,
        )
        assert listing.returncode == 0 and "PrivateKeyEntry" in listing.stdout, listing.stdout + listing.stderr
        cer = work / ("app-p12.cer" if store_type == "PKCS12" else "app-jks.cer")
        pem = subprocess.run(["openssl", "x509", "-inform", "DER", "-in", str(cer)], capture_output=True, text=True,
                             timeout=60, check=True).stdout
        thumbprint = emulator_admin.register_certificate(CLIENT_ID, pem)
        key_password = KEY_PASSWORD if store_type == "JKS" else None
        material = load_key_material(str(path), "auto", PASSWORD, key_password, "azure-ad")
        import hashlib

        from cryptography.hazmat.primitives.serialization import Encoding

        assert thumbprint.replace(":", "").upper() == hashlib.sha1(
            material.certificate.public_bytes(Encoding.DER)).hexdigest().upper()
