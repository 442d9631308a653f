# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTPS requests with a total deadline and a bounded answer, from the standard library only.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Why not ``requests``: its timeout bounds each socket read, not the request, so
an endpoint that trickles one byte or one header line a second keeps a task
running for ever; and it decompresses and buffers bodies unasked, so a small
gzip answer can take gigabytes of memory. Here ``timeout`` bounds each whole
attempt (DNS, TCP connect, proxy CONNECT, TLS handshake, request, status line,
headers and body) and the answer is capped. One module a job:

- ``deadline``: the attempt's deadline, the watchdog that enforces it, bounded DNS;
- ``trust``: the CA certificates to trust, from files that never block;
- ``proxy``: ``HTTPS_PROXY`` and ``NO_PROXY``, and the CONNECT tunnel's credentials;
- ``target``: the URL's parts, and its origin for messages (never its userinfo);
- ``connection``: one connection opened under the deadline;
- ``exchange``: the request and its answer on a kept-alive connection, framing and byte cap;
- ``diagnosis``: a failed attempt as a TransportError naming the option to fix.

This module is their front: ``request``, ``post_form`` and ``HttpResponse``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.defaults import DEFAULT_TIMEOUT
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.deadline import Deadline, Expired
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.diagnosis import timeout_error
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.exchange import exchange
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.proxy import proxy_for
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.target import Target
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.trust import tls_context

USER_AGENT = "azure_ad.oauth/0.2.0"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict
    body: bytes
    client_request_id: str


def post_form(url: str, form: dict, timeout: float, verify: bool | str) -> HttpResponse:
    """POST ``form`` to ``url`` and return the raw answer, whatever its status."""
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    return request("POST", url, headers, urlencode(form).encode("utf-8"), timeout, verify)


def request(method: str, url: str, headers: dict | None = None, body: bytes | None = None,
            timeout: float = DEFAULT_TIMEOUT, verify: bool | str = True) -> HttpResponse:  # fmt: skip
    """Send one request and return the answer, whatever its status; redirects are not followed.

    ``timeout`` bounds the whole attempt; ``verify`` is True (the system's or REQUESTS_CA_BUNDLE's CAs),
    False (no check) or the path of a CA file or directory (``ca_path``). Raises TransportError.
    """
    target = Target.parse(url)
    client_request_id = (headers or {}).get("client-request-id") or str(uuid.uuid4())
    sent = {
        "Accept": "application/json",
        "Accept-Encoding": "identity",
        "User-Agent": USER_AGENT,
        "client-request-id": client_request_id,
        "return-client-request-id": "true",
    }
    sent.update(headers or {})
    deadline = Deadline(timeout)
    try:
        context = tls_context(verify) if target.scheme == "https" else None
        proxy = proxy_for(target)
        status, answer_headers, answer = exchange(target, proxy, context, verify, method, sent, body, deadline)
    except Expired:
        raise timeout_error(target, timeout) from None
    return HttpResponse(status, answer_headers, answer, client_request_id)
