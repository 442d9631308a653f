# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which proxy a request goes through, and the credentials of its CONNECT tunnel.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

``HTTPS_PROXY`` (or ``ALL_PROXY``) and ``NO_PROXY`` are honoured as requests
honoured them; the tunnel itself is http.client's CONNECT, opened by
``connection.Connection`` under the attempt's deadline. Proxy credentials are
never echoed: a refused CONNECT is reported by its status number only.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit
from urllib.request import getproxies_environment, proxy_bypass_environment

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import TransportError
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.target import Target


@dataclass(frozen=True)
class Proxy:
    """An http:// proxy, reached with CONNECT."""

    host: str
    port: int
    authorization: str | None  # the Proxy-Authorization value, from the proxy URL's userinfo


def proxy_for(target: Target) -> Proxy | None:
    """The proxy HTTPS_PROXY (or ALL_PROXY) names for ``target``, unless NO_PROXY exempts it.

    Plain http is allowed only to loopback test endpoints, which never go through a proxy.
    """
    if target.scheme != "https":
        return None
    proxies = getproxies_environment()
    url = proxies.get("https") or proxies.get("all")
    if not url or proxy_bypass_environment(target.host, proxies):
        return None
    if "://" not in url:
        url = "http://" + url  # requests' reading of "proxy:3128"
    try:
        parts = urlsplit(url)
        port = parts.port or 8080
    except ValueError:
        parts = None
    if parts is None or parts.scheme != "http" or not parts.hostname:
        raise TransportError(
            "HTTPS_PROXY (or https_proxy, ALL_PROXY) is not an http:// proxy URL such as http://proxy.example:3128; "
            "fix it, or exempt the token endpoint with NO_PROXY.",
            option="authority_host",
        )
    authorization = None
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        authorization = "Basic " + base64.b64encode(credentials).decode("ascii")
    return Proxy(parts.hostname, port, authorization)


def connect_refusal(cause: BaseException) -> str:
    """`` (HTTP 407)`` when the proxy answered the CONNECT with a status; only the number is kept."""
    if not isinstance(cause, OSError):
        return ""
    match = re.match(r"Tunnel connection failed: ([1-5][0-9][0-9])\b", str(cause))
    return f" (it answered HTTP {match.group(1)})" if match else ""
