"""Integration: the keystore role in playbooks of its own, for what the keystore_role target cannot show.

ansible-test runs the ``keystore_role`` target on its own (check mode and real runs, a wrong password, renewal,
tokens from what the role laid down). Here: two separate playbook runs (the second changes nothing), the
dependency phase on an externally managed Python, and a virtualenv.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import keystore_factory as kf
import pytest
from ansible_cli import run_playbook, write_vars
from entra_emulator import CLIENT_ID

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import load_key_material

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

    # keystore_info describes the keystore only: saving it is idempotent (it used to carry the run's changed flag).
    - name: Save keystore_info
      ansible.builtin.copy:
        content: "{{ keystore_info | to_nice_json }}"
        dest: "{{ work_dir }}/keystore_info.json"
        mode: "0600"

    - name: keystore_changed says whether this run changed the keystore
      ansible.builtin.copy:
        content: "{{ keystore_changed | string }}"
        dest: "{{ work_dir }}/keystore_changed-{{ run_number }}.txt"
        mode: "0600"
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
def test_role_double_run_changes_then_does_not(tmp_path, tools, emulator_admin):
    work = tmp_path / "double"
    work.mkdir()
    playbook = tmp_path / "double-run.yml"
    playbook.write_text(DOUBLE_RUN_PLAYBOOK)
    base = {"work_dir": str(work), "store_password": PASSWORD, "key_password": KEY_PASSWORD}
    first = run_playbook(playbook, vars_file=write_vars(tmp_path / "run-1.json", {**base, "run_number": 1}))
    second = run_playbook(playbook, vars_file=write_vars(tmp_path / "run-2.json", {**base, "run_number": 2}))
    for run in (first, second):
        assert run.returncode == 0, run.stdout + run.stderr
        no_secrets(run.stdout + run.stderr)
    first_line, second_line = recap_line(first.stdout), recap_line(second.stdout)
    print("\nDouble run of the azure_ad.oauth.keystore role (PKCS12 + JKS):")
    print(f"  first run:  {first_line}")
    print(f"  second run: {second_line}")
    assert counts(first_line)["changed"] > 0
    # The second run changes nothing but the new keystore_changed-2.txt: keystore_info.json stays as it was.
    assert counts(second_line)["changed"] == 1
    assert "changed: [localhost]" not in second.stdout.split("TASK [Save keystore_info]")[1].split("TASK [")[0]
    assert (work / "keystore_changed-1.txt").read_text() == "True"
    assert (work / "keystore_changed-2.txt").read_text() == "False"
    info = json.loads((work / "keystore_info.json").read_text())
    assert info["path"] == str(work / "app.jks") and info["type"] == "jks" and "changed" not in info
    assert set(info) <= {"path", "type", "alias", "subject", "issuer", "serial_number", "not_before", "not_after",
                         "sha1_thumbprint", "x5t", "sha256_thumbprint", "certificate_pem", "chain", "chain_subjects",
                         "certificate_export_path"}  # fmt: skip
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


DEPENDENCIES_PLAYBOOK = """\
- name: The keystore role's dependency phase
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Apply the role
      ansible.builtin.include_role:
        name: azure_ad.oauth.keystore
      vars:
        keystore_path: "{{ work_dir }}/deps.p12"
        keystore_password: "{{ store_password }}"
        keystore_generate: true
        keystore_virtualenv: "{{ virtualenv | default('') }}"

    - name: Record the interpreter the play runs modules with from now on
      ansible.builtin.copy:
        content: "{{ ansible_python_interpreter | default('') }}"
        dest: "{{ work_dir }}/interpreter.txt"
        mode: "0600"
"""

SYSTEM_PYTHON = Path("/usr/bin/python3")


def externally_managed_python_lacking_libraries() -> str | None:
    """Why the PEP 668 case cannot run here, or None when /usr/bin/python3 is externally managed and lacks some."""
    if not SYSTEM_PYTHON.exists():
        return "no /usr/bin/python3"
    probe = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import os, sys, sysconfig; print(sys.prefix == sys.base_prefix and "
         "os.path.exists(os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')))"],
        capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    if probe.stdout.strip() != "True":
        return "/usr/bin/python3 is not externally managed (PEP 668)"
    has_all = subprocess.run([str(SYSTEM_PYTHON), "-c", "import cryptography, jks, jwt"], capture_output=True,
                             timeout=60, check=False)  # fmt: skip
    return "/usr/bin/python3 already has every library" if has_all.returncode == 0 else None


def test_role_names_every_missing_library_on_an_externally_managed_python(tmp_path):
    reason = externally_managed_python_lacking_libraries()
    if reason:
        pytest.skip(reason)
    work = tmp_path / "work"
    work.mkdir()
    playbook = tmp_path / "deps.yml"
    playbook.write_text(DEPENDENCIES_PLAYBOOK)
    vars_file = write_vars(tmp_path / "deps.json", {"work_dir": str(work), "store_password": PASSWORD})
    run = run_playbook(playbook, vars_file=vars_file, env={"ANSIBLE_PYTHON_INTERPRETER": str(SYSTEM_PYTHON)})
    output = run.stdout + run.stderr
    assert run.returncode != 0, output
    no_secrets(output)
    assert "Traceback" not in output and "MODULE FAILURE" not in output
    failure = output.split("TASK [azure_ad.oauth.keystore : Dependencies | Refuse to install into an externally "
                           "managed Python unless told how]")[1]  # fmt: skip
    message = " ".join(failure.split())
    assert "externally managed (PEP 668)" in message and "keystore_virtualenv" in message
    assert "keystore_break_system_packages" in message
    # One message names every library this Python lacks (too old counts as missing), from requirements.txt.
    lacking = [line for line in (Path(__file__).resolve().parents[2] / "requirements.txt").read_text().splitlines()
               if line and not line.startswith("#") and _lacks(line)]  # fmt: skip
    assert lacking, "the system python was expected to lack something"
    for requirement in lacking:
        assert requirement in message, requirement
    assert not (work / "deps.p12").exists()  # nothing was written: the role stopped before the module ran


def _lacks(requirement: str) -> bool:
    """True when /usr/bin/python3 lacks ``requirement`` (absent or older), by the role's own check."""
    import yaml

    role_vars = yaml.safe_load((Path(__file__).resolve().parents[2] / "roles/keystore/vars/main.yml").read_text())
    package = next(p for p in role_vars["_keystore_python_packages"] if p["requirement"] == requirement)
    found = subprocess.run([str(SYSTEM_PYTHON), "-c", role_vars["_keystore_dependency_check"], json.dumps([package])],
                           capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return bool(json.loads(found.stdout)["missing"])


def purelib(python: Path) -> str:
    return subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True, timeout=60).stdout.strip()  # fmt: skip


def test_role_uses_a_virtualenv_when_asked(tmp_path):
    """keystore_virtualenv: the libraries go there and the modules run with its python for the rest of the play.

    No index is reachable here, so the virtualenv sees this test venv's packages through a .pth file: pip finds
    every requirement satisfied, installs nothing, and the keystore module must then run with the venv's python.
    """
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    subprocess.run([str(venv / "bin" / "python"), "-m", "ensurepip", "--default-pip"], check=True, timeout=300,
                   capture_output=True)  # fmt: skip
    Path(purelib(venv / "bin" / "python"), "test-venv-packages.pth").write_text(purelib(Path(sys.executable)) + "\n")
    work = tmp_path / "work"
    work.mkdir()
    playbook = tmp_path / "deps.yml"
    playbook.write_text(DEPENDENCIES_PLAYBOOK)
    variables = {"work_dir": str(work), "store_password": PASSWORD, "virtualenv": str(venv)}
    vars_file = write_vars(tmp_path / "deps.json", variables)
    run = run_playbook(playbook, vars_file=vars_file, env={"PIP_NO_INDEX": "1"})
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    no_secrets(output)
    assert (work / "interpreter.txt").read_text() == f"{venv}/bin/python"
    assert load_key_material(str(work / "deps.p12"), "pkcs12", PASSWORD).certificate is not None
    assert os.stat(work / "deps.p12").st_mode & 0o777 == 0o600
