"""Fixtures for integration tests: a running endpoint and a way to run targets.

Each target under tests/integration/targets/<name>/ is laid out as
ansible-test expects (tasks/main.yml, aliases). Here it runs as a role in a
one-line playbook against localhost, with the endpoint's details as variables.
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
def run_target(tmp_path):
    """run_target(name, variables, **run_playbook_kwargs) -> CompletedProcess."""

    def run(name: str, variables: dict, **kwargs):
        playbook = tmp_path / f"{name}.yml"
        playbook.write_text(
            f"- hosts: localhost\n  gather_facts: false\n  roles:\n    - {TARGETS / name}\n"
        )
        vars_file = write_vars(tmp_path / f"{name}-vars.json", variables)
        return run_playbook(playbook, vars_file=vars_file, **kwargs)

    return run
