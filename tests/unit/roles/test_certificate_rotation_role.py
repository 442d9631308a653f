"""The certificate_rotation role keeps its contract: the variable names of issue 11, documented once more in
meta/argument_specs.yml, secrets no_log, phases in the order of the rotation."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
ROLE = REPO / "roles" / "certificate_rotation"
SPEC = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]
OPTIONS = SPEC["options"]
DEFAULTS = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())

# The names the issue fixes as a contract.
CONTRACT = {
    "rotation_keystore_path", "rotation_keystore_type", "rotation_keystore_password", "rotation_key_password",
    "rotation_keystore_alias", "rotation_tenant_id", "rotation_client_id", "rotation_authority_host",
    "rotation_graph_endpoint", "rotation_object_id", "rotation_validate_certs", "rotation_ca_path",
    "rotation_renew_before_days", "rotation_force", "rotation_keep_old", "rotation_propagation_timeout",
    "rotation_valid_days", "rotation_key_size", "rotation_subject",
}


def test_the_contracts_variables_exist_with_their_defaults():
    assert CONTRACT <= set(OPTIONS)
    assert (DEFAULTS["rotation_renew_before_days"], DEFAULTS["rotation_keep_old"],
            DEFAULTS["rotation_propagation_timeout"]) == (30, False, 300)


def test_defaults_file_and_argument_spec_agree():
    required = {name for name, spec in OPTIONS.items() if spec.get("required")}
    assert required == {"rotation_keystore_path", "rotation_keystore_password", "rotation_tenant_id",
                        "rotation_client_id"}
    assert set(DEFAULTS) - required == set(OPTIONS) - required
    for name, spec in OPTIONS.items():
        assert name.startswith("rotation_") and spec.get("description"), name
        if name not in required:
            assert spec["default"] == DEFAULTS[name], name


def test_passwords_are_no_log_and_every_keystore_task_hides_its_arguments():
    for name, spec in OPTIONS.items():
        assert spec.get("no_log", False) is ("password" in name), name
    for task_file in (ROLE / "tasks").glob("*.yml"):
        for task in _tasks(yaml.safe_load(task_file.read_text())):
            if "azure_ad.oauth.keystore" in task:
                assert task.get("no_log") is True, (task_file.name, task["name"])


def test_main_is_the_rotation_in_order():
    phases = yaml.safe_load((ROLE / "tasks" / "main.yml").read_text())
    assert [phase["ansible.builtin.include_tasks"] for phase in phases] == [
        "inspect.yml", "stage.yml", "register.yml", "prove.yml", "swap.yml", "retire.yml", "publish.yml"]
    assert all(phase["name"] for phase in phases)


def test_the_examples_use_the_contracts_names():
    assert "azure_ad.oauth.certificate_rotation" in SPEC["examples"]
    examples = yaml.safe_load(SPEC["examples"])
    variables = examples[0]["tasks"][0]["vars"]
    assert set(variables) <= CONTRACT


def _tasks(items):
    for item in items or []:
        yield item
        for key in ("block", "rescue", "always"):
            yield from _tasks(item.get(key))
