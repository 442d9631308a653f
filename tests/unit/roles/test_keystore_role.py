"""The keystore role mirrors the keystore module: same options, same defaults, documented once more."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ansible_collections.azure_ad.oauth.plugins.modules import keystore

ROLE = Path(__file__).resolve().parents[3] / "roles" / "keystore"
SPEC = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
DEFAULTS = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
MODULE_SPEC = keystore.argument_spec()
FILE_OPTIONS = {"mode", "owner", "group"}
ROLE_ONLY = {"keystore_install_dependencies"}


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
        "Install the Python libraries the keystore module needs",
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
