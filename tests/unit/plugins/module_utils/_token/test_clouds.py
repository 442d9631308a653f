"""The named clouds: Microsoft's login and Graph hosts for each, and the public cloud by default."""

from __future__ import annotations

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.defaults import DEFAULT_AUTHORITY_HOST
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.clouds import CLOUDS, cloud_named


@pytest.mark.parametrize(("name", "login", "graph"), [
    ("public", "https://login.microsoftonline.com", "https://graph.microsoft.com"),
    ("usgovernment", "https://login.microsoftonline.us", "https://graph.microsoft.us"),
    ("china", "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
])  # fmt: skip
def test_each_cloud_has_microsofts_hosts(name, login, graph):
    cloud = cloud_named(name)
    assert (cloud.name, cloud.authority_host, cloud.graph_endpoint) == (name, login, graph)


def test_no_cloud_named_is_the_public_cloud_whose_login_host_is_the_default():
    assert cloud_named(None) == CLOUDS["public"]
    assert CLOUDS["public"].authority_host == DEFAULT_AUTHORITY_HOST


def test_the_table_holds_exactly_the_three_documented_clouds():
    assert sorted(CLOUDS) == ["china", "public", "usgovernment"]
