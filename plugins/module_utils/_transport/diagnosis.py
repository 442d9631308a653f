# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What went wrong in an attempt, as a TransportError that names the option to fix.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Messages never quote a library's exception text or the answer (either could
echo request details); they name the cause, the endpoint by its URL origin,
and the option that fixes it. ``retryable`` marks the failures that may pass on
their own (a dropped connection, a timeout).
"""

from __future__ import annotations

import http.client
import socket
import ssl

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import TransportError
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.connection import AttemptFailure
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.deadline import Deadline, Expired
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.proxy import Proxy, connect_refusal
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.target import Target


def timeout_error(target: Target, timeout: float) -> TransportError:
    return TransportError(
        f"{target.url_origin} did not answer in full within {timeout:g} seconds (timeout bounds each attempt, from "
        "connecting to the last byte of the answer).",
        option="timeout",
        retryable=True,
        reason="timeout",
    )


def transport_error(failure: AttemptFailure, target: Target, proxy: Proxy | None, deadline: Deadline) -> TransportError:
    phase, cause = failure.phase, failure.cause
    if deadline.expired or isinstance(cause, (socket.timeout, Expired)):
        return timeout_error(target, deadline.seconds)
    if isinstance(cause, ssl.SSLCertVerificationError):
        return TransportError(
            f"TLS verification of {target.url_origin} failed. If a proxy or private CA re-signs traffic, give its CA "
            "bundle in ca_path (or REQUESTS_CA_BUNDLE); validate_certs=false disables the check (unsafe).",
            option="ca_path",
        )
    if isinstance(cause, http.client.InvalidURL):
        return TransportError(f"The request to {target.url_origin} failed (InvalidURL). Check authority_host.",
                              option="authority_host")  # fmt: skip
    if phase in ("dns", "connect", "proxy") and proxy is not None:
        return TransportError(
            f"The proxy refused or dropped the connection to {target.url_origin}{connect_refusal(cause)}. Check "
            "HTTPS_PROXY and NO_PROXY.",
            option="authority_host",
            retryable=True,
            reason="proxy error",
        )
    if phase == "tls" and isinstance(cause, ssl.SSLError) and not isinstance(cause, ssl.SSLEOFError):
        return TransportError(
            f"The TLS handshake with {target.url_origin} failed: it must offer TLS 1.2 or later, and speak TLS on that "
            "port. Check authority_host, and HTTPS_PROXY if you are behind a proxy.",
            option="authority_host",
        )
    if isinstance(cause, (http.client.LineTooLong, http.client.BadStatusLine)) and not isinstance(
        cause, http.client.RemoteDisconnected
    ):
        return _not_http(target)
    if phase == "response" and isinstance(cause, http.client.HTTPException) and not isinstance(
        cause, (http.client.RemoteDisconnected, http.client.IncompleteRead)
    ):
        return _not_http(target)
    if isinstance(cause, (OSError, http.client.HTTPException, ValueError)):
        return TransportError(
            f"Could not reach {target.url_origin}, or it dropped the connection. Check authority_host, DNS, and "
            "HTTPS_PROXY if you are behind a proxy.",
            option="authority_host",
            retryable=True,
            reason="connection error",
        )
    return TransportError(
        f"The request to {target.url_origin} failed ({type(cause).__name__}). Check authority_host.",
        option="authority_host",
    )


def _not_http(target: Target) -> TransportError:
    return TransportError(
        f"{target.url_origin} did not answer in well-formed HTTP (a garbled status line, or header lines that are too "
        "long or too many); it is not Microsoft Entra ID. Check authority_host and any proxy in between.",
        option="authority_host",
    )
