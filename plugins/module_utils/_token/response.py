# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read the token endpoint's answer: a token, or one readable error line.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

The answer is untrusted input. A 200 is a token only when every field has the
type and range Entra sends (v1 sends its numbers as digit strings, v2 as ints;
callers always get ints); anything else fails, naming the endpoint. An error
answer is quoted only through ``UntrustedText``: redacted, stripped of control
characters and cut, whatever the shape of its fields. v2 sends no
``expires_on``, so we compute it from the time the request was sent, which
errs on the early side.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import TokenEndpointError
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.untrusted_text import (
    DESCRIPTION_LENGTH,
    SHORT_LENGTH,
    UntrustedText,
    describe,
)
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.aadsts_hints import hint_for
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.jwt_claims import try_decode_claims
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import TokenTarget

if TYPE_CHECKING:  # only for annotations: a cache hit must not import the transport (http.client, ssl)
    from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.http import HttpResponse

# Entra's tokens live about an hour (up to a day with a lifetime policy); a year is generous, more is broken.
MAX_LIFETIME = 366 * 24 * 3600
# Seconds since the epoch of 9999-12-31 23:59:59 UTC, the last instant a datetime can show.
MAX_EPOCH = 253402300799
MAX_ERROR_CODES = 10
MAX_ERROR_CODE = 10**9
# Entra appends these to every error_description; we report the IDs separately.
_DESCRIPTION_TAIL_MARKERS = ("Trace ID:", "Correlation ID:", "Timestamp:")
# RFC 6750 token characters and more: any printable ASCII but the space, so a token can never split a line.
_TOKEN_TEXT = re.compile(r"[!-~]+\Z")
_DIGITS = re.compile(r"[0-9]{1,15}\Z")


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
    # True when the token came from the cache (issue 9) rather than from the endpoint for this call.
    cached: bool = False

    def to_dict(self) -> dict:
        result = {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "expires_on": self.expires_on,
            "api_version": self.api_version,
            "cached": self.cached,
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


@dataclass(frozen=True)
class Exchange:
    """What was asked, of whom, with which secrets: the context an answer is read in."""

    authority_host: str
    target: TokenTarget
    api_version: str
    sent_at: float
    # Every secret sent in this call (client secret, passwords, each attempt's client assertion).
    secrets: tuple = field(default=(), repr=False)

    @property
    def requested(self) -> tuple[str, ...]:
        if self.api_version == "v1" and self.target.resource:
            return (self.target.resource,)
        return self.target.scopes


class _Malformed(Exception):
    """A field of a 200 answer is missing or has the wrong type or range; the text says which."""


def parse_token_response(response: HttpResponse, exchange: Exchange) -> TokenResult:
    """Turn a 200 into a TokenResult; raise TokenEndpointError for anything else."""
    payload = json_object(response.body)
    if response.status != 200 or (payload is not None and _is_oauth_error(payload)):
        raise endpoint_error(response, payload, exchange)
    try:
        if payload is None:
            excerpt = UntrustedText(exchange.secrets).quote_bytes(response.body) or "(empty body)"
            raise _Malformed(f"its body is not a JSON object: '{excerpt}'")
        return _token_result(payload, exchange)
    except _Malformed as exc:
        raise TokenEndpointError(
            f"The token endpoint {exchange.authority_host} answered 200, but {exc}; it does not look like Microsoft "
            "Entra ID. Check authority_host.",
            status=response.status,
            option="authority_host",
        ) from None


def _token_result(payload: dict, exchange: Exchange) -> TokenResult:
    untrusted = UntrustedText(exchange.secrets)
    access_token = _access_token(payload)
    token_type = payload.get("token_type")
    if not isinstance(token_type, str) or not _TOKEN_TEXT.match(token_type) or len(token_type) > SHORT_LENGTH:
        raise _Malformed(f"its token_type is {_shape(token_type, untrusted)}, not a word such as Bearer")
    expires_in = _lifetime(payload, "expires_in", untrusted)
    if expires_in is None:
        raise _Malformed("it has no expires_in")
    ext_expires_in = _lifetime(payload, "ext_expires_in", untrusted)
    expires_on = _integer_field(payload, "expires_on", 1, MAX_EPOCH, "seconds since 1970", untrusted)
    if expires_on is None:
        expires_on = int(exchange.sent_at) + expires_in
    return TokenResult(
        access_token=access_token,
        token_type=token_type,
        expires_in=expires_in,
        expires_on=expires_on,
        ext_expires_in=ext_expires_in,
        api_version=exchange.api_version,
        resource=_resource(payload, exchange, untrusted) if exchange.api_version == "v1" else None,
        scope=exchange.target.scopes if exchange.api_version == "v2" else (),
        claims=try_decode_claims(access_token),
    )


def _access_token(payload: dict) -> str:
    # Never quote the value: it may be a real token with one bad character.
    if "access_token" not in payload:
        raise _Malformed("it has no access_token")
    token = payload["access_token"]
    if not isinstance(token, str):
        raise _Malformed(f"its access_token is {describe_type(token)}, not a string")
    if not token:
        raise _Malformed("its access_token is an empty string")
    if not _TOKEN_TEXT.match(token):
        raise _Malformed("its access_token holds whitespace, control or non-ASCII characters")
    return token


def _lifetime(payload: dict, name: str, untrusted: UntrustedText) -> int | None:
    return _integer_field(payload, name, 1, MAX_LIFETIME, "seconds", untrusted)


def _integer_field(payload: dict, name: str, low: int, high: int, unit: str, untrusted: UntrustedText) -> int | None:
    """The integer value of an optional numeric field (an int or, from v1, a digit string), checked for range."""
    if name not in payload:
        return None
    value = payload[name]
    number = integer_value(value)
    if number is None:
        raise _Malformed(f"its {name} is {_shape(value, untrusted)}, not a whole number of {unit}")
    if not low <= number <= high:
        raise _Malformed(f"its {name} is {_shape(value, untrusted)}, outside {low} to {high} {unit}")
    return number


def integer_value(value: object) -> int | None:
    """``value`` as an int when it is one: an int (not a bool), a finite whole float, or a digit string."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str) and _DIGITS.match(value):
        return int(value)
    return None


def _resource(payload: dict, exchange: Exchange, untrusted: UntrustedText) -> str | None:
    resource = payload.get("resource", exchange.target.resource)
    if resource is not None and not (isinstance(resource, str) and _TOKEN_TEXT.match(resource)
                                     and len(resource) <= DESCRIPTION_LENGTH):  # fmt: skip
        raise _Malformed(f"its resource is {_shape(resource, untrusted)}, not a resource URI")
    return resource


def _shape(value: object, untrusted: UntrustedText) -> str:
    """A short, safe rendering of a bad field's value for a message."""
    if isinstance(value, str):
        return f"'{untrusted.quote(value, 40)}'" if value else "an empty string"
    if isinstance(value, (dict, list)) or value is None:
        return describe_type(value)
    return untrusted.quote(describe(value), 40)


def describe_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a JSON object"
    if isinstance(value, list):
        return "a JSON array"
    return f"a {type(value).__name__}"


def _is_oauth_error(payload: dict) -> bool:
    return "error" in payload or "error_description" in payload


def endpoint_error(response: HttpResponse, payload: dict | None, exchange: Exchange) -> TokenEndpointError:
    """One readable, safe line for an error answer, JSON or not, whatever the shape of its fields."""
    untrusted = UntrustedText(exchange.secrets)
    if payload is not None and _is_oauth_error(payload):
        return _oauth_error(response, payload, exchange, untrusted)
    excerpt = untrusted.quote_bytes(response.body) or "(empty body)"
    return TokenEndpointError(
        f"The token endpoint {exchange.authority_host} answered HTTP {response.status} without an OAuth error: "
        f"'{excerpt}' (correlation_id {response.client_request_id})",
        status=response.status,
        correlation_id=response.client_request_id,
        option="authority_host",
    )


def _oauth_error(response: HttpResponse, payload: dict, exchange: Exchange, untrusted: UntrustedText):
    error = _text_field(payload.get("error"), untrusted, SHORT_LENGTH, containers=True) or "error"
    description = _description(payload.get("error_description"), untrusted) or error
    codes = error_codes(payload.get("error_codes"))
    trace_id = _text_field(payload.get("trace_id"), untrusted, SHORT_LENGTH)
    correlation_id = _text_field(payload.get("correlation_id"), untrusted, SHORT_LENGTH) or response.client_request_id
    details = [error, f"HTTP {response.status} from {exchange.authority_host}"]
    if trace_id:
        details.append(f"trace_id {trace_id}")
    details.append(f"correlation_id {correlation_id}")
    option, hint = hint_for(codes, exchange.requested)
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


def _text_field(value: object, untrusted: UntrustedText, limit: int, containers: bool = False) -> str | None:
    """A quoted field, or None when it is absent or empty; objects and arrays are described or, for IDs, dropped."""
    if value is None or value == "" or (isinstance(value, (dict, list)) and not containers):
        return None
    return untrusted.quote(value, limit) or None


def _description(value: object, untrusted: UntrustedText) -> str | None:
    if not isinstance(value, str):
        return _text_field(value, untrusted, DESCRIPTION_LENGTH, containers=True)
    # Redact before cutting Entra's tail off, so that the cut cannot leave a piece of a secret.
    text = untrusted.redact(value)
    cut = min((index for index in (text.find(marker) for marker in _DESCRIPTION_TAIL_MARKERS) if index >= 0),
              default=len(text))  # fmt: skip
    return untrusted.quote(text[:cut], DESCRIPTION_LENGTH) or None


def error_codes(value: object) -> tuple[int, ...]:
    """The AADSTS codes of ``error_codes`` that are plausible; anything malformed is left out."""
    if not isinstance(value, list):
        return ()
    codes = (integer_value(item) for item in value[:MAX_ERROR_CODES])
    return tuple(code for code in codes if code is not None and 0 < code < MAX_ERROR_CODE)


def json_object(body: bytes) -> dict | None:
    """The body as a JSON object, or None when it is not one (or nests too deep to parse)."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return payload if isinstance(payload, dict) else None
