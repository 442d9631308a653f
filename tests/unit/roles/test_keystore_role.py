"""The keystore role mirrors the keystore module: same options, same defaults, documented once more."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.options import KEYSTORE_OPTIONS
from ansible_collections.azure_ad.oauth.plugins.modules import keystore

REPO = Path(__file__).resolve().parents[3]
ROLE = REPO / "roles" / "keystore"
SPEC = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
DEFAULTS = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
VARS = yaml.safe_load((ROLE / "vars" / "main.yml").read_text())
# The one definition of the module's options (its argument_spec is built from it).
MODULE_SPEC = KEYSTORE_OPTIONS
MODULE_RETURNS = yaml.safe_load(keystore.RETURN)
FILE_OPTIONS = {"mode", "owner", "group"}
ROLE_ONLY = {"keystore_install_dependencies", "keystore_virtualenv", "keystore_break_system_packages"}


def module_option(variable: str) -> str:
    return variable[len("keystore_"):]


def test_every_module_option_has_a_role_variable():
    assert {module_option(v) for v in set(SPEC) - ROLE_ONLY} == set(MODULE_SPEC) | FILE_OPTIONS


def test_every_variable_is_prefixed_and_documented():
    assert all(name.startswith("keystore_") for name in SPEC)
    assert all(name.startswith("keystore_") for name in DEFAULTS)
    for name, spec in SPEC.items():
        assert spec.get("description"), name


def test_defaults_file_and_argument_spec_agree():
    required = {name for name, spec in SPEC.items() if spec.get("required")}
    assert required == {"keystore_path", "keystore_password"}
    assert set(DEFAULTS) == set(SPEC) - required
    for name, value in DEFAULTS.items():
        assert SPEC[name]["default"] == value, name


@pytest.mark.parametrize("name", sorted(set(SPEC) - ROLE_ONLY - {"keystore_mode", "keystore_owner", "keystore_group"}))
def test_types_choices_and_defaults_match_the_module(name):
    role, module = SPEC[name], MODULE_SPEC[module_option(name)]
    assert role["type"] == module["type"], name
    assert role.get("choices") == module.get("choices"), name
    assert role.get("elements") == module.get("elements"), name
    if "default" in module:
        assert role["default"] == module["default"], name
    elif not role.get("required"):
        assert role["default"] in ("", []), name  # empty means "not set", passed on as omit


def test_secrets_are_no_log_in_the_spec_and_the_task():
    secrets = {name for name, spec in MODULE_SPEC.items() if spec.get("no_log")}
    assert secrets == {"password", "key_password", "private_key", "private_key_passphrase"}
    for option in secrets:
        assert SPEC[f"keystore_{option}"].get("no_log") is True, option
    tasks = yaml.safe_load((ROLE / "tasks" / "keystore.yml").read_text())
    task = tasks[0]["block"][0]
    assert task["no_log"] is True
    assert set(task["azure_ad.oauth.keystore"]) == set(MODULE_SPEC) | FILE_OPTIONS


def test_main_is_a_list_of_named_phases_with_fqcn():
    phases = yaml.safe_load((ROLE / "tasks" / "main.yml").read_text())
    assert [p["name"] for p in phases] == [
        "Install the Python libraries the collection's modules need",
        "Create or update the keystore",
        "Publish keystore_info",
    ]
    for task_file in (ROLE / "tasks").glob("*.yml"):
        text = task_file.read_text()
        for line in text.splitlines():
            stripped = line.strip()
            if stripped.startswith("- name:") or not stripped.endswith(":") or stripped.startswith("#"):
                continue
            key = stripped.lstrip("- ").rstrip(":")
            if "." not in key and key in {"command", "pip", "setup", "set_fact", "fail", "import_tasks"}:
                pytest.fail(f"{task_file.name}: {key} without its FQCN")


def requirements() -> list[str]:
    lines = (REPO / "requirements.txt").read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def test_the_role_installs_exactly_the_collections_requirements():
    """One list, checked against requirements.txt: a library added to or dropped from it must be here too."""
    assert [package["requirement"] for package in VARS["_keystore_python_packages"]] == requirements()
    assert all(package["import"] for package in VARS["_keystore_python_packages"])


def run_dependency_check(packages: list[dict]) -> dict:
    import json
    import subprocess
    import sys

    completed = subprocess.run([sys.executable, "-c", VARS["_keystore_dependency_check"], json.dumps(packages)],
                               capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return json.loads(completed.stdout)


def test_dependency_check_lists_every_missing_library_at_once():
    found = run_dependency_check(VARS["_keystore_python_packages"] + [
        {"requirement": "no-such-lib-one>=1.0", "import": "no_such_lib_one"},
        {"requirement": "cryptography>=999.0.0", "import": "cryptography"},
        {"requirement": "no-such-lib-two", "import": "no_such_lib_two"},
    ])
    # Everything the test venv has passes; a missing module and a too-old version are both reported, together.
    assert found["missing"] == ["no-such-lib-one>=1.0", "cryptography>=999.0.0", "no-such-lib-two"]
    assert found["externally_managed"] is False  # a venv is never externally managed
    assert found["python"]


def test_keystore_info_describes_the_keystore_only():
    keys = VARS["_keystore_info_keys"]
    assert "changed" not in keys and "backup_file" not in keys
    # Every key the module returns on success, minus the run's bookkeeping and the file attributes Ansible adds to
    # any result with a path (RETURN documents them too), describes the keystore.
    ansible_path_attributes = {"owner", "group", "uid", "gid", "mode", "size", "state", "secontext"}
    bookkeeping = {"backup_file", "error"} | ansible_path_attributes
    assert set(keys) == set(MODULE_RETURNS) - bookkeeping
    facts = yaml.safe_load((ROLE / "tasks" / "facts.yml").read_text())[0]["ansible.builtin.set_fact"]
    assert "_keystore_info_keys" in facts["keystore_info"] and "selectattr" in facts["keystore_info"]
    assert facts["keystore_changed"] == "{{ _keystore_result is changed }}"


def test_pep_668_and_virtualenv_are_opt_in():
    assert DEFAULTS["keystore_virtualenv"] == "" and DEFAULTS["keystore_break_system_packages"] is False
    tasks = yaml.safe_load((ROLE / "tasks" / "dependencies.yml").read_text())
    by_name = {task["name"]: task for task in tasks}
    refuse = by_name["Dependencies | Refuse to install into an externally managed Python unless told how"]
    assert "not keystore_break_system_packages | bool" in refuse["when"]
    assert "keystore_virtualenv" in refuse["ansible.builtin.fail"]["msg"]
    install = by_name["Dependencies | Install the missing libraries with pip"]["ansible.builtin.pip"]
    assert install["break_system_packages"] == "{{ keystore_break_system_packages | bool }}"
