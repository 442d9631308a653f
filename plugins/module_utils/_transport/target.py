# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a request goes: the parts of its URL, and the origin by which messages name it.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Messages name an endpoint by its URL origin (scheme://host[:port]) only: never
its path or query, never the userinfo a URL may carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import TransportError


@dataclass(frozen=True)
class Target:
    """A URL split for connecting: http.client wants the host, the port and the path apart."""

    scheme: str
    host: str
    port: int
    path: str

    @classmethod
    def parse(cls, url: str) -> Target:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            parts, port = None, None
        if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
            raise TransportError(f"The URL {_url_origin_of(url)} is not a valid https URL. Check authority_host.",
                                 option="authority_host")  # fmt: skip
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return cls(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path)

    @property
    def url_origin(self) -> str:
        """scheme://host[:port], never with userinfo, for messages."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return f"{self.scheme}://{host}" + ("" if self.port == default else f":{self.port}")


def _url_origin_of(url: str) -> str:
    """The scheme and host of a URL that may not parse, without userinfo, for messages."""
    scheme, _separator, rest = str(url).partition("://")
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    return f"{scheme}://{host}" if rest else "''"
