# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small Microsoft Graph client for an application's own key credentials.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Three calls (learn.microsoft.com, application-get, application-addkey, application-removekey), through the same
transport and retry core as the token endpoint: one deadline per attempt, a byte cap, 408/429/5xx retried with
``Retry-After`` honoured up to ``max_retry_wait``. A body is built afresh for every attempt, so each carries a
new proof. Everything Graph sends back is untrusted: errors keep Graph's ``code``, ``message`` (quoted through
``_shared/untrusted_text``, with the bearer token, the proofs and every secret of the request redacted) and
``request-id``.
"""

from __future__ import annotations

import json
from typing import Callable
from urllib.parse import quote

from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.errors import GraphError
from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.key_credentials import (
    KeyCredential,
    parse_key_credential,
    parse_key_credentials,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.untrusted_text import (
    DESCRIPTION_LENGTH,
    SHORT_LENGTH,
    UntrustedText,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.response import json_object
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.http import HttpResponse, request
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.retry import (
    OnRetry,
    RetryPolicy,
    RetryWaitTooLong,
    send_with_retries,
)

API_VERSION = "v1.0"


class Application:
    """What the read returns: the object ID and the key credentials."""

    def __init__(self, object_id: str, key_credentials: list[KeyCredential]) -> None:
        self.object_id = object_id
        self.key_credentials = key_credentials


class GraphClient:
    """Calls Graph at ``endpoint`` (such as https://graph.microsoft.com) with one bearer token."""

    def __init__(self, endpoint: str, access_token: str, timeout: float, verify: bool | str, retry: RetryPolicy,
                 secrets: tuple = (), on_retry: OnRetry | None = None) -> None:  # fmt: skip
        self.endpoint = endpoint.rstrip("/")
        self._access_token = access_token
        self._timeout = timeout
        self._verify = verify
        self._retry = retry
        self._on_retry = on_retry
        # Everything sent that Graph could echo back; proofs are added as they are signed.
        self._secrets = [access_token, *secrets]

    def get_application(self, client_id: str | None = None, object_id: str | None = None) -> Application:
        """The application by object ID when known (no lookup by client ID needed), else by client ID."""
        if object_id:
            path = f"/applications/{quote(object_id, safe='')}"
        else:
            path = f"/applications(appId='{quote(client_id or '', safe='')}')"
        payload = self._call("GET", path + "?$select=id,keyCredentials", "read the application")
        untrusted = UntrustedText(self._secrets)
        found_id = payload.get("id")
        if not isinstance(found_id, str) or not found_id:
            raise GraphError("Microsoft Graph answered the application read without its id.", status=200)
        return Application(untrusted.quote(found_id, SHORT_LENGTH),
                           parse_key_credentials(payload.get("keyCredentials"), untrusted))  # fmt: skip

    def add_key(self, object_id: str, key: str, display_name: str | None, proof: Callable[[], str]) -> KeyCredential:
        """addKey: register the base64 DER certificate ``key``; returns the new credential."""
        def body() -> dict:
            credential = {"type": "AsymmetricX509Cert", "usage": "Verify", "key": key}
            if display_name:
                credential["displayName"] = display_name
            return {"keyCredential": credential, "passwordCredential": None, "proof": self._proof(proof)}

        payload = self._call("POST", f"/applications/{quote(object_id, safe='')}/addKey", "add the certificate",
                             body)  # fmt: skip
        added = parse_key_credential(payload, UntrustedText(self._secrets))
        if added is None or not added.key_id:
            raise GraphError("Microsoft Graph answered addKey without the new key credential.", status=200)
        return added

    def remove_key(self, object_id: str, key_id: str, proof: Callable[[], str]) -> None:
        """removeKey: remove the credential ``key_id`` (Graph answers 204)."""
        self._call("POST", f"/applications/{quote(object_id, safe='')}/removeKey", "remove the key credential",
                   lambda: {"keyId": key_id, "proof": self._proof(proof)})  # fmt: skip

    # -- plumbing ----------------------------------------------------------------------------

    def _proof(self, sign: Callable[[], str]) -> str:
        proof = sign()
        self._secrets.append(proof)
        return proof

    def _call(self, method: str, path: str, what: str, body: Callable[[], dict] | None = None) -> dict:
        url = f"{self.endpoint}/{API_VERSION}{path}"
        headers = {"Authorization": f"Bearer {self._access_token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"

        def send() -> HttpResponse:
            data = json.dumps(body()).encode("utf-8") if body is not None else None
            return request(method, url, headers, data, self._timeout, self._verify)

        try:
            response = send_with_retries(send, self._retry, self._on_retry)
        except RetryWaitTooLong as exc:
            cause = graph_error(exc.response, what, UntrustedText(self._secrets))
            raise GraphError(
                f"Microsoft Graph asked to wait {exc.wait:g} seconds before retrying (HTTP {exc.response.status} "
                f"with Retry-After), more than max_retry_wait ({self._retry.max_retry_wait:g}). Raise "
                f"max_retry_wait or try again later. {cause.message}",
                status=cause.status, error=cause.error, trace_id=cause.trace_id,
                correlation_id=cause.correlation_id, option="max_retry_wait",
            ) from None
        if 200 <= response.status < 300:
            if response.status == 204 or not response.body:
                return {}
            payload = json_object(response.body)
            if payload is None:
                raise GraphError(f"Microsoft Graph's answer to the request to {what} is not a JSON object.",
                                 status=response.status, correlation_id=response.client_request_id)  # fmt: skip
            return payload
        raise graph_error(response, what, UntrustedText(self._secrets))


def graph_error(response: HttpResponse, what: str, untrusted: UntrustedText) -> GraphError:
    """Graph's ``{"error": {"code", "message", "innerError": {"request-id"}}}`` as a GraphError."""
    payload = json_object(response.body)
    error = payload.get("error") if payload is not None else None
    request_id = _header(response.headers, "request-id")
    if isinstance(error, dict):
        code = error.get("code")
        code = untrusted.quote(code, SHORT_LENGTH) if isinstance(code, str) else None
        message = error.get("message")
        text = untrusted.quote(message, DESCRIPTION_LENGTH) if isinstance(message, str) else "(no message)"
        inner = error.get("innerError")
        if isinstance(inner, dict) and isinstance(inner.get("request-id"), str):
            request_id = inner["request-id"]
    else:
        code = None
        text = untrusted.quote_bytes(response.body) if response.body else "(an empty answer)"
    request_id = untrusted.quote(request_id, SHORT_LENGTH) if request_id else None
    shown = f" {code}" if code else ""
    where = f" (request-id {request_id})" if request_id else ""
    return GraphError(
        f"Microsoft Graph refused the request to {what}: HTTP {response.status}{shown}: {text}{where}",
        status=response.status, error=code, trace_id=request_id, correlation_id=response.client_request_id,
    )  # fmt: skip


def _header(headers: dict, name: str) -> str | None:
    value = next((v for k, v in headers.items() if str(k).lower() == name), None)
    return value if isinstance(value, str) else None
