"""Every plugin's and the role's documentation renders with ansible-doc, on every ansible-core we test with."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import yaml
from ansible_cli import ansible_env, cli

PLUGINS = {
    "module": ["azure_ad.oauth.token", "azure_ad.oauth.keystore"],
    "lookup": ["azure_ad.oauth.token"],
    "filter": ["azure_ad.oauth.thumbprint", "azure_ad.oauth.token_claims"],
    "role": ["azure_ad.oauth.keystore"],
}
# A warning about this collection. ansible-core prints others of its own, and which ones depends on its version
# (2.21 warns that its internal _protomatter collection has no MANIFEST.json): those say nothing about our docs.
OUR_WARNING = re.compile(r"^\[WARNING\]:.*(azure_ad[./]oauth|keystore|token|thumbprint)", re.MULTILINE)


def ansible_doc(plugin_type: str, names: list[str], *options: str) -> subprocess.CompletedProcess:
    completed = subprocess.run([cli("ansible-doc"), *options, "-t", plugin_type, *names], env=ansible_env(),
                               capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    assert not OUR_WARNING.search(completed.stderr), completed.stderr
    return completed


def doc_json(plugin_type: str, names: list[str]) -> dict:
    return json.loads(ansible_doc(plugin_type, names, "--json").stdout)


def test_the_warning_filter_sees_our_warnings_and_only_ours():
    """The filter above is what keeps this test honest: it must catch a warning about us, and only about us."""
    ours = "[WARNING]: Skipping plugin (/x/ansible_collections/azure_ad/oauth/plugins/modules/token.py): bad\n"
    theirs = ("[WARNING]: Collection at '/x/ansible/_internal/ansible_collections/ansible/_protomatter' does not "
              "have a MANIFEST.json file, nor has it galaxy.yml: cannot detect version.\n")
    assert OUR_WARNING.search(ours)
    assert not OUR_WARNING.search(theirs)


@pytest.mark.parametrize("plugin_type", sorted(PLUGINS))
def test_docs_render(plugin_type):
    docs = doc_json(plugin_type, PLUGINS[plugin_type])
    assert set(docs) == set(PLUGINS[plugin_type])
    for name, doc in docs.items():
        if plugin_type == "role":
            main = doc["entry_points"]["main"]
            assert main["options"], name
            assert "azure_ad.oauth.keystore" in main["examples"], name
            continue
        assert doc["doc"]["short_description"], name
        assert doc["examples"].strip(), name


@pytest.mark.parametrize(("plugin_type", "name"), [(kind, name) for kind, names in sorted(PLUGINS.items())
                                                   for name in names])  # fmt: skip
def test_text_page_renders(plugin_type, name):
    """The page a user reads (not --json) renders too, and shows examples."""
    text = ansible_doc(plugin_type, [name]).stdout
    assert name.rsplit(".", 1)[1] in text
    if plugin_type != "role":
        assert "EXAMPLES:" in text


@pytest.mark.parametrize(("plugin_type", "name"), [(kind, name) for kind, names in sorted(PLUGINS.items())
                                                   for name in names])  # fmt: skip
def test_examples_are_yaml_and_have_no_placeholder(plugin_type, name):
    """What a user pastes must run: the examples parse as a list of tasks and elide nothing with '...'."""
    doc = doc_json(plugin_type, [name])[name]
    text = doc["entry_points"]["main"]["examples"] if plugin_type == "role" else doc["examples"]
    tasks = yaml.safe_load(text)
    assert isinstance(tasks, list) and tasks, text
    assert "..." not in text and "\u2026" not in text, text


def test_module_and_lookup_share_the_token_options():
    module = doc_json("module", ["azure_ad.oauth.token"])["azure_ad.oauth.token"]["doc"]["options"]
    lookup = doc_json("lookup", ["azure_ad.oauth.token"])["azure_ad.oauth.token"]["doc"]["options"]
    assert set(module) <= set(lookup)
    assert set(lookup) - set(module) == {"_terms", "output"}
    assert lookup["client_secret"].get("ini") is None and lookup["tenant_id"]["ini"]
    assert module["keystore_path"]["aliases"] == ["keystore_file"]
