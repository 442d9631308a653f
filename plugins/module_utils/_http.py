# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One HTTPS POST to the token endpoint, with transport failures explained.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

requests honours ``REQUESTS_CA_BUNDLE``, ``HTTPS_PROXY`` and ``NO_PROXY`` from
the environment. Messages never quote the library's exception text, which can
echo request details; they name the cause and the option that fixes it.
"""

from __future__ import annotations

import uuid
import warnings
from dataclasses import dataclass
from urllib.parse import urlsplit

from ansible_collections.azure_ad.oauth.plugins.module_utils._dependencies import require
from ansible_collections.azure_ad.oauth.plugins.module_utils._errors import TransportError

USER_AGENT = "azure_ad.oauth/0.1.0"

# One pooled session per trust setting, so several tokens in one process reuse
# the TLS connection instead of paying a handshake each.
_SESSIONS: dict = {}


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: dict
    body: bytes
    client_request_id: str


def post_form(url: str, form: dict, timeout: float, verify: bool | str) -> HttpResponse:
    """POST ``form`` to ``url`` and return the raw answer, whatever its status."""
    requests = require("requests", "to call the Microsoft Entra ID token endpoint")
    client_request_id = str(uuid.uuid4())
    headers = {
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
        "client-request-id": client_request_id,
        "return-client-request-id": "true",
    }
    try:
        with warnings.catch_warnings():
            # The caller already warns once, in Ansible's way, when validate_certs is false.
            warnings.simplefilter("ignore")
            response = _session(requests, verify).post(
                url, data=form, headers=headers, timeout=timeout, verify=verify, allow_redirects=False
            )
            body = response.content
    except requests.exceptions.SSLError:
        raise TransportError(
            f"TLS verification of {_origin(url)} failed. If a proxy or private CA re-signs traffic, give its CA "
            "bundle in ca_path (or REQUESTS_CA_BUNDLE); validate_certs=false disables the check (unsafe).",
            option="ca_path",
        ) from None
    except requests.exceptions.ProxyError:
        raise TransportError(
            f"The proxy refused or dropped the connection to {_origin(url)}. Check HTTPS_PROXY and NO_PROXY.",
            option="authority_host",
            retryable=True,
            reason="proxy error",
        ) from None
    except requests.exceptions.Timeout:
        raise TransportError(
            f"{_origin(url)} did not answer within {timeout:g} seconds (timeout).",
            option="timeout",
            retryable=True,
            reason="timeout",
        ) from None
    except (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError):
        raise TransportError(
            f"Could not reach {_origin(url)}, or it dropped the connection. Check authority_host, DNS, and "
            "HTTPS_PROXY if you are behind a proxy.",
            option="authority_host",
            retryable=True,
            reason="connection error",
        ) from None
    except requests.exceptions.RequestException as exc:
        raise TransportError(
            f"The request to {_origin(url)} failed ({type(exc).__name__}). Check authority_host.",
            option="authority_host",
        ) from None
    except OSError:
        # requests opens the CA bundle itself and raises a bare OSError (not a RequestException)
        # when the path does not exist; its text would otherwise escape.
        raise TransportError(_ca_bundle_message(verify), option="ca_path") from None
    return HttpResponse(response.status_code, dict(response.headers), body, client_request_id)


def _ca_bundle_message(verify: bool | str) -> str:
    if isinstance(verify, str):
        return (
            f"ca_path '{verify}' does not exist or cannot be read. Give an existing CA bundle (a PEM file) or a "
            "directory of hashed CA certificates."
        )
    return (
        "The CA bundle named by REQUESTS_CA_BUNDLE (or CURL_CA_BUNDLE) does not exist or cannot be read: fix it, "
        "or give ca_path."
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _session(requests, verify: bool | str):
    session = _SESSIONS.get(verify)
    if session is None:
        session = _SESSIONS[verify] = requests.Session()
    return session
