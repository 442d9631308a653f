"""Every plugin's and the role's documentation renders with ansible-doc."""

from __future__ import annotations

import json

import pytest
from ansible_cli import BIN, ansible_env

PLUGINS = {
    "module": ["azure_ad.oauth.token", "azure_ad.oauth.keystore"],
    "lookup": ["azure_ad.oauth.token"],
    "filter": ["azure_ad.oauth.thumbprint", "azure_ad.oauth.token_claims"],
    "role": ["azure_ad.oauth.keystore"],
}


def ansible_doc(plugin_type: str, names: list[str]) -> dict:
    import subprocess

    completed = subprocess.run([str(BIN / "ansible-doc"), "--json", "-t", plugin_type, *names], env=ansible_env(),
                               capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    assert "WARNING" not in completed.stderr, completed.stderr
    return json.loads(completed.stdout)


@pytest.mark.parametrize("plugin_type", sorted(PLUGINS))
def test_docs_render(plugin_type):
    docs = ansible_doc(plugin_type, PLUGINS[plugin_type])
    assert set(docs) == set(PLUGINS[plugin_type])
    for name, doc in docs.items():
        if plugin_type == "role":
            assert doc["entry_points"]["main"]["options"], name
            continue
        assert doc["doc"]["short_description"], name
        if plugin_type != "filter":
            assert doc["examples"].strip(), name


def test_module_and_lookup_share_the_token_options():
    module = ansible_doc("module", ["azure_ad.oauth.token"])["azure_ad.oauth.token"]["doc"]["options"]
    lookup = ansible_doc("lookup", ["azure_ad.oauth.token"])["azure_ad.oauth.token"]["doc"]["options"]
    assert set(module) <= set(lookup)
    assert set(lookup) - set(module) == {"_terms", "output"}
    assert lookup["client_secret"].get("ini") is None and lookup["tenant_id"]["ini"]
    assert module["keystore_path"]["aliases"] == ["keystore_file"]
