# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the token endpoint's answer: a token, or one readable error line.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

v1 sends its numbers as strings and v2 as ints; callers always get ints. v2
sends no ``expires_on``, so we compute it from the time the request was sent,
which errs on the early side.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from ansible_collections.azure_ad.oauth.plugins.module_utils._aadsts_hints import hint_for
from ansible_collections.azure_ad.oauth.plugins.module_utils._errors import TokenEndpointError
from ansible_collections.azure_ad.oauth.plugins.module_utils._http import HttpResponse
from ansible_collections.azure_ad.oauth.plugins.module_utils._jwt_claims import try_decode_claims
from ansible_collections.azure_ad.oauth.plugins.module_utils._token_request import TokenTarget

EXCERPT_LENGTH = 200
REDACTED = "********"
# Entra appends these to every error_description; we report the IDs separately.
_DESCRIPTION_TAIL = re.compile(r"\s*(Trace ID:|Correlation ID:|Timestamp:).*$", re.DOTALL)


@dataclass(frozen=True)
class TokenResult:
    access_token: str = field(repr=False)
    token_type: str
    expires_in: int
    expires_on: int
    api_version: str
    ext_expires_in: int | None = None
    resource: str | None = None
    scope: tuple[str, ...] = ()
    claims: dict | None = None

    def to_dict(self) -> dict:
        result = {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "expires_on": self.expires_on,
            "api_version": self.api_version,
        }
        if self.ext_expires_in is not None:
            result["ext_expires_in"] = self.ext_expires_in
        if self.api_version == "v1":
            result["resource"] = self.resource
        else:
            result["scope"] = list(self.scope)
        if self.claims is not None:
            result["claims"] = self.claims
        return result


def parse_token_response(
    response: HttpResponse, target: TokenTarget, api_version: str, sent_at: float, secrets: tuple = ()
) -> TokenResult:
    """Turn a 200 into a TokenResult; raise TokenEndpointError for anything else."""
    payload = json_object(response.body)
    if response.status != 200 or payload is None or "access_token" not in payload:
        raise endpoint_error(response, payload, secrets)
    try:
        expires_in = int(payload["expires_in"])
        expires_on = int(payload["expires_on"]) if "expires_on" in payload else int(sent_at) + expires_in
        ext_expires_in = int(payload["ext_expires_in"]) if "ext_expires_in" in payload else None
    except (KeyError, TypeError, ValueError):
        raise TokenEndpointError(
            "The token endpoint answered 200 without a valid expires_in; it does not look like Microsoft Entra ID.",
            status=response.status,
            option="authority_host",
        ) from None
    access_token = str(payload["access_token"])
    return TokenResult(
        access_token=access_token,
        token_type=str(payload.get("token_type", "Bearer")),
        expires_in=expires_in,
        expires_on=expires_on,
        ext_expires_in=ext_expires_in,
        api_version=api_version,
        resource=payload.get("resource", target.resource) if api_version == "v1" else None,
        scope=target.scopes if api_version == "v2" else (),
        claims=try_decode_claims(access_token),
    )


def endpoint_error(response: HttpResponse, payload: dict | None, secrets: tuple = ()) -> TokenEndpointError:
    """One readable line for an error answer, JSON or not."""
    if payload is not None and ("error" in payload or "error_description" in payload):
        error = str(payload.get("error") or "error")
        description = _redact(_first_part(str(payload.get("error_description") or error)), secrets)
        codes = tuple(int(code) for code in payload.get("error_codes") or () if str(code).isdigit())
        trace_id = payload.get("trace_id")
        correlation_id = payload.get("correlation_id") or response.client_request_id
        details = [error, f"HTTP {response.status}"]
        if trace_id:
            details.append(f"trace_id {trace_id}")
        details.append(f"correlation_id {correlation_id}")
        option, hint = hint_for(codes)
        return TokenEndpointError(
            f"{description} ({', '.join(details)})",
            status=response.status,
            error=error,
            error_codes=codes,
            trace_id=trace_id,
            correlation_id=correlation_id,
            hint=hint,
            option=option,
        )
    excerpt = _excerpt(response.body, secrets)
    return TokenEndpointError(
        f"The token endpoint answered HTTP {response.status} without an OAuth error: {excerpt!r} "
        f"(correlation_id {response.client_request_id})",
        status=response.status,
        correlation_id=response.client_request_id,
    )


def json_object(body: bytes) -> dict | None:
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return payload if isinstance(payload, dict) else None


def _first_part(description: str) -> str:
    return " ".join(_DESCRIPTION_TAIL.sub("", description).split())


def _excerpt(body: bytes, secrets: tuple) -> str:
    # Redact before cutting, so that no prefix of a secret survives the cut.
    text = _redact(body.decode("utf-8", "replace"), secrets)
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    text = " ".join(text.split())
    if len(text) > EXCERPT_LENGTH:
        text = text[:EXCERPT_LENGTH] + "..."
    return text or "(empty body)"


def _redact(text: str, secrets: tuple) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text
