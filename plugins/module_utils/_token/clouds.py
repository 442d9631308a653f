# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The named Azure clouds: each one's Entra login host and Microsoft Graph endpoint, defined once.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

The ``cloud`` option picks a row; ``authority_host`` (and ``graph_endpoint``
where a plugin has it) still win when given. The hosts are Microsoft's
national cloud deployments (learn.microsoft.com, "National clouds").
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.defaults import DEFAULT_AUTHORITY_HOST

Cloud = namedtuple("Cloud", ["name", "authority_host", "graph_endpoint"])

CLOUDS = {
    # The public login host is the one default the token options share (_shared/defaults.py).
    "public": Cloud("public", DEFAULT_AUTHORITY_HOST, "https://graph.microsoft.com"),
    "usgovernment": Cloud("usgovernment", "https://login.microsoftonline.us", "https://graph.microsoft.us"),
    "china": Cloud("china", "https://login.chinacloudapi.cn", "https://microsoftgraph.chinacloudapi.cn"),
}
DEFAULT_CLOUD = "public"


def cloud_named(name: str | None) -> Cloud:
    """The cloud called ``name`` (None is the default, public). The option's choices keep other names out."""
    return CLOUDS[name or DEFAULT_CLOUD]
