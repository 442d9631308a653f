"""The tarball that ``ansible-galaxy collection build`` makes holds what a user needs, and nothing else.

The collection is copied, every cache and development file a working tree can hold is planted in it, at the top
and deep down, and the tarball built from it is listed: galaxy.yml's build_ignore must leave every one out.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from ansible_cli import ansible_env, cli

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tooling"))

import run_ansible_test

# What may sit at the top of the tarball. tests/ ships: ansible-test runs from an installed collection.
TOP_LEVEL = {"MANIFEST.json", "FILES.json", "README.md", "LICENSE", "CHANGELOG.md", "requirements.txt", "changelogs",
             "docs", "meta", "plugins", "roles", "tests"}
# What a user needs, at least.
REQUIRED = ["README.md", "LICENSE", "CHANGELOG.md", "requirements.txt", "changelogs/changelog.yaml",
            "meta/runtime.yml", "meta/execution-environment.yml", "plugins/modules/token.py",
            "plugins/modules/keystore.py", "plugins/lookup/token.py", "roles/keystore/README.md",
            "roles/keystore/meta/argument_specs.yml", "docs/docsite/extra-docs.yml", "docs/docsite/links.yml",
            "docs/execution-environment.yml"]
# Left by runs and tools, anywhere in a working tree: no directory of these names may ship, at any depth.
CACHE_DIRS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis", ".mypy_cache", ".ansible"}
PLANTED = [
    # caches, at the top and deep down
    "__pycache__/x.cpython-311.pyc", "plugins/.ruff_cache/0.6/123", "plugins/module_utils/_token/__pycache__/x.pyc",
    ".pytest_cache/v/cache/nodeids", "tests/unit/.pytest_cache/v/cache/lastfailed", ".hypothesis/examples/ab",
    "tests/unit/plugins/.hypothesis/examples/cd", ".ruff_cache/CACHEDIR.TAG", ".mypy_cache/3.11/x.json",
    ".ansible/collections/x", "roles/keystore/.ansible/x", "tests/output/junit/x.xml", "plugins/filter/x.pyc",
    # development environments and tools
    ".venv/bin/python", ".venv-newest/bin/python", ".cache/collections/x", ".ci/run", ".gitignore",
    ".github/workflows/ci.yml", ".ansible-lint", "Makefile", "pytest.ini", "requirements-test.txt", "ruff.toml",
    "plugins/ruff.toml", "azure_ad-oauth-0.0.1.tar.gz", "changelogs/fragments/new.yml",
    "changelogs/.plugin-cache.yaml",
]


@pytest.fixture(scope="module")
def tarball_names(tmp_path_factory) -> list[str]:
    collection = tmp_path_factory.mktemp("tree") / "ansible_collections" / "azure_ad" / "oauth"
    run_ansible_test.copy_collection(collection)
    for name in PLANTED:
        planted = collection / name
        planted.parent.mkdir(parents=True, exist_ok=True)
        planted.write_text("planted by test_tarball.py\n")
    output = tmp_path_factory.mktemp("dist")
    completed = subprocess.run([cli("ansible-galaxy"), "collection", "build", "--output-path", str(output)],
                               cwd=collection, env=ansible_env(), capture_output=True, text=True, timeout=300,
                               check=False)  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    (tarball,) = output.glob("azure_ad-oauth-*.tar.gz")
    with tarfile.open(tarball) as archive:
        return [member.name for member in archive.getmembers()]


def test_nothing_planted_ships(tarball_names):
    assert not [name for name in PLANTED if name in tarball_names or name.split("/")[0] + "/" in tarball_names]
    shipped_dirs = {part for name in tarball_names for part in name.split("/")[:-1]}
    assert not shipped_dirs & CACHE_DIRS
    assert not [name for name in tarball_names if name.endswith((".pyc", ".tar.gz")) or "ruff.toml" in name]


def test_only_what_a_user_needs_at_the_top(tarball_names):
    assert {name.split("/")[0] for name in tarball_names} <= TOP_LEVEL


def test_what_a_user_needs_ships(tarball_names):
    assert not [name for name in REQUIRED if name not in tarball_names]


def test_no_development_file_ships_anywhere(tarball_names):
    """By name, at any depth: a second Makefile or pytest.ini deep down would be as useless as the first."""
    development = {"Makefile", "pytest.ini", "requirements-test.txt", "ruff.toml", ".gitignore", ".ansible-lint",
                   ".ansible-lint-ignore"}
    assert not [name for name in tarball_names if name.rsplit("/", 1)[-1] in development]
