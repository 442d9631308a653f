"""The README and the role's README name what the collection holds, and their links lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ROLE_README = (ROOT / "roles" / "keystore" / "README.md").read_text(encoding="utf-8")
PLUGIN_DIRS = {"modules": "module", "lookup": "lookup", "filter": "filter"}


def plugins() -> list[tuple[str, str, Path]]:
    """(type, FQCN, path) of every module, lookup, filter and role."""
    found = [(kind, f"azure_ad.oauth.{path.stem}", path) for directory, kind in PLUGIN_DIRS.items()
             for path in sorted((ROOT / "plugins" / directory).glob("*.py")) if not path.name.startswith("_")]
    found += [("role", f"azure_ad.oauth.{path.name}", path / "README.md")
              for path in sorted((ROOT / "roles").iterdir())]
    return found


def test_the_guide_opens_with_make_demo_and_make_test():
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert [line.split()[:2] for line in first_block[:2]] == [["make", "demo"], ["make", "test"]]


@pytest.mark.parametrize(("kind", "name", "path"), plugins(), ids=str)
def test_every_plugin_and_role_is_in_the_content_table_and_has_its_ansible_doc_command(kind, name, path):
    link = path.relative_to(ROOT).as_posix()
    assert f"| [{name}]({link}) | {kind} |" in README
    command = f"ansible-doc {name}" if kind == "module" else f"ansible-doc -t {kind} {name}"
    assert f"`{command}`" in README


def test_every_relative_link_leads_to_a_file():
    for text in (README, ROLE_README):
        links = [target for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text) if "://" not in target]
        base = ROOT if text is README else ROOT / "roles" / "keystore"
        assert not [link for link in links if not (base / link).exists()]


def test_the_sections_users_look_for():
    headings = re.findall(r"^## (.+)$", README, re.MULTILINE)
    for wanted in ("Included content", "Installing", "Using", "Tested with", "Execution Environments",
                   "Release notes", "Licensing"):
        assert wanted in headings


def test_the_role_readme_lists_every_variable():
    spec = yaml.safe_load((ROOT / "roles" / "keystore" / "meta" / "argument_specs.yml").read_text(encoding="utf-8"))
    for name in spec["argument_specs"]["main"]["options"]:
        assert f"| `{name}` |" in ROLE_README, name
