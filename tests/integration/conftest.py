"""Fixtures for the pytest drivers: a running endpoint and a way to run targets.

Each target under tests/integration/targets/<name>/ is laid out as ansible-test expects (tasks/main.yml, aliases,
meta/main.yml dependencies on the hidden setup_* targets) and runs under ``ansible-test integration`` alone. A
driver runs one here as a role in a one-line playbook against localhost, for what only a driver can check (the
output, the endpoint's records, the environment or ansible.cfg a lookup reads). It passes the session's endpoint
as ``entra_endpoint``, so setup_entra_emulator uses it instead of starting one per run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_cli import run_playbook, write_vars
from emulator_process import emulator_process

TARGETS = Path(__file__).resolve().parent / "targets"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def emulator_state(tmp_path_factory):
    """The local Entra endpoint, as a separate process (ansible's forks reach it over HTTPS)."""
    with emulator_process(tmp_path_factory.mktemp("emulator")) as state:
        yield state


@pytest.fixture(scope="session")
def emulator_admin(emulator_state):
    from entra_emulator import EmulatorAdminClient

    return EmulatorAdminClient(emulator_state)


@pytest.fixture()
def run_target(tmp_path, emulator_state):
    """run_target(name, variables, **run_playbook_kwargs) -> CompletedProcess."""

    def run(name: str, variables: dict, **kwargs):
        playbook = tmp_path / f"{name}.yml"
        playbook.write_text(
            f"- hosts: localhost\n  gather_facts: false\n  roles:\n    - {TARGETS / name}\n"
        )
        endpoint = {key: emulator_state[key] for key in ("authority_host", "ca_path", "admin_token")}
        vars_file = write_vars(tmp_path / f"{name}-vars.json", {"entra_endpoint": endpoint, **variables})
        env = {"ANSIBLE_ROLES_PATH": str(TARGETS), **kwargs.pop("env", {})}
        return run_playbook(playbook, vars_file=vars_file, env=env, **kwargs)

    return run
