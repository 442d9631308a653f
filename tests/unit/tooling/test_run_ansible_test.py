"""tests/tooling/run_ansible_test.py: the checks it adds to ansible-test's own, and the tree it lays out."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tooling"))

import run_ansible_test as runner
from entra_emulator import defaults


def test_the_targets_secrets_are_known():
    """Every target's declared passwords, and the endpoint's client secrets; never a template."""
    secrets = runner.target_secrets()
    expected = {defaults.CLIENT_SECRET, defaults.OTHER_CLIENT_SECRET, "Store-pass 1", "Pem-pass 3",
                "fixture-store-pass", "Target-store 1", "Role-key 2", "Wrong-pass 9"}  # fmt: skip
    assert expected <= secrets
    assert not [secret for secret in secrets if "{{" in secret]


@pytest.mark.parametrize("leak", [defaults.CLIENT_SECRET, "Role-store 1", "fixture-key-pass"])
def test_a_secret_in_the_output_fails_the_run(leak):
    output = f"TASK [x] ***\nok: [testhost] => {{'msg': 'the value is {leak}'}}\n"
    assert runner.check_output(output) == ["a secret of the targets reached the output"]


@pytest.mark.parametrize("text", ["Traceback (most recent call last):\n  File", "fatal: MODULE FAILURE\n",
                                  "-----BEGIN PRIVATE KEY-----\nMIIE"])
def test_a_crash_or_a_key_in_the_output_fails_the_run(text):
    assert runner.check_output(f"TASK [x] ***\n{text}\n")


def test_a_clean_run_passes():
    output = "PLAY RECAP ***\ntesthost : ok=45 changed=8 unreachable=0 failed=0 skipped=0 rescued=0 ignored=0\n"
    assert runner.check_output(output) == []


def test_the_tree_holds_the_collection_and_no_cache(tmp_path):
    collection = tmp_path / "ansible_collections" / "azure_ad" / "oauth"
    runner.copy_collection(collection)
    for needed in ("galaxy.yml", "meta/runtime.yml", "plugins/modules/token.py", "tests/unit/requirements.txt",
                   "tests/integration/targets/setup_entra_emulator/tasks/main.yml"):
        assert (collection / needed).is_file(), needed
    copied = [str(path.relative_to(collection)) for path in collection.rglob("*")]
    assert not [name for name in copied if any(part in name.split("/") for part in
                                               (".venv", ".cache", "__pycache__", ".pytest_cache", ".git"))]
