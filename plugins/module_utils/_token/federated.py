# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The federated credential: an external platform's signed token, sent as the client assertion.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

A Kubernetes service account token (AKS workload identity), a GitHub Actions
or GitLab OIDC token, or any other token whose issuer is trusted by a
federated identity credential on the app, goes to Entra unchanged as
``client_assertion``. We never re-sign or alter it. Before Entra is called,
``inspect_assertion`` checks it locally, *without* verifying its signature
(only Entra holds the trust configuration), so that the common mistakes get a
clear message: not a JWT, expired (with its ``exp``), and, as a warning only
because custom audiences exist, an ``aud`` other than Entra's default.

A token file is read again for every token request (``read_assertion_file``):
platforms rotate it, often hourly, and its content is never kept past one
request. The file is opened once, without blocking (a FIFO or a device is
refused, never waited on), and read up to a cap.

The token is a bearer credential until it expires: it is never quoted. Its
``iss`` and ``sub`` are identifiers (an issuer URL, a service account or a
repository reference), shown in messages and used as the cache key, since
the token itself changes with every rotation.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import math
import re
import time
from dataclasses import dataclass, field
from typing import Callable

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared import small_file
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.untrusted_text import sanitize, truncate

# The audience Entra expects in a federated token unless the federated identity credential says otherwise.
ENTRA_TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"  # noqa: S105 - an audience, not a password
# Platform tokens are one or two KiB; a file much larger than that is not one.
MAX_ASSERTION_FILE_SIZE = 64 * 1024
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}\Z")
# How much of an iss, sub or aud a message quotes.
_SHOWN_LENGTH = 200

Warn = Callable[[str], None]


@dataclass(frozen=True)
class FederatedAssertion:
    """One external token, as read for one request, with the claims the messages and the cache use."""

    token: str = field(repr=False)
    issuer: str
    subject: str
    audiences: tuple[str, ...]
    expires: float

    @property
    def identity(self) -> tuple[str, str]:
        """(iss, sub): who the token speaks for, the same across rotations of the token itself."""
        return self.issuer, self.subject

    def describe(self) -> str:
        """The token's issuer and subject, for a message (never the token)."""
        return f"issuer (iss) {_shown(self.issuer)} and subject (sub) {_shown(self.subject)}"


def load_assertion(token: str | None, path: str | None, option: str, warn: Warn, now: float | None = None):
    """The assertion for one request: the token given, or the file's content read now; checked locally.

    ``option`` is the option it came from (``client_assertion`` or ``client_assertion_path``, or the latter
    with the environment variable that gave it), for every message.
    """
    if path is not None:
        token = read_assertion_file(path, option)
    return inspect_assertion(token, option, warn, now)


def read_assertion_file(path: str, option: str) -> str:
    """The token held by the regular file ``path``, read now, without blocking; surrounding whitespace dropped."""
    try:
        data = small_file.read_small_regular_file(path, MAX_ASSERTION_FILE_SIZE)
    except small_file.SmallFileProblem as problem:
        raise _file_problem(path, option, problem) from None
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        raise OptionError(f"{option} '{path}' does not hold a JWT: it is not ASCII text.",
                          option=_name(option)) from None  # fmt: skip
    if not text:
        raise OptionError(
            f"{option} '{path}' is empty. The platform writes the token there (for AKS, the workload identity "
            "webhook's projected volume): check that the token is mounted.",
            option=_name(option),
        )
    return text


def inspect_assertion(token: str, option: str, warn: Warn, now: float | None = None) -> FederatedAssertion:
    """Check ``token`` locally (its form, its claims, its expiry), without verifying its signature.

    Raises OptionError naming ``option`` for what Entra would surely refuse; warns (``warn``) when the
    audience is not Entra's default, which a federated identity credential may change.
    """
    now = time.time() if now is None else now
    claims = _claims(token.strip(), option)
    issuer, subject = claims.get("iss"), claims.get("sub")
    for claim, value in (("iss", issuer), ("sub", subject)):
        if not isinstance(value, str) or not value.strip():
            raise OptionError(
                f"{option} has no '{claim}' claim: Entra matches a federated token by its issuer (iss) and subject "
                "(sub), so it cannot be used.",
                option=_name(option),
            )
    expires = claims.get("exp")
    if isinstance(expires, bool) or not isinstance(expires, (int, float)) or not math.isfinite(expires):
        raise OptionError(f"{option} has no numeric 'exp' claim; Entra refuses a token that never expires.",
                          option=_name(option))  # fmt: skip
    assertion = FederatedAssertion(token.strip(), issuer, subject, _audiences(claims.get("aud")), float(expires))
    if assertion.expires <= now:
        raise OptionError(
            f"{option} has expired: its exp is {_when(assertion.expires)} UTC, {_ago(now - assertion.expires)} ago "
            f"({assertion.describe()}). The platform that issued it must write a fresh one: check that its token "
            "refresh runs (a Kubernetes projected token is renewed by the kubelet; a CI job's token lives for the "
            "job only).",
            option=_name(option),
        )
    if ENTRA_TOKEN_EXCHANGE_AUDIENCE not in assertion.audiences:
        shown = ", ".join(_shown(value) for value in assertion.audiences) or "(none)"
        warn(
            f"{option} has the audience (aud) {shown}, not {ENTRA_TOKEN_EXCHANGE_AUDIENCE}, which Entra expects "
            "unless the app's federated identity credential names another audience. If Entra refuses it, issue "
            f"the token for {ENTRA_TOKEN_EXCHANGE_AUDIENCE} or add its audience to the credential."
        )
    return assertion


def _claims(token: str, option: str) -> dict:
    """The payload of a compact JWS; OptionError when ``token`` is not one. The signature is not checked."""
    parts = token.split(".")
    if len(parts) != 3 or not all(_BASE64URL.match(part) for part in parts):
        raise OptionError(
            f"{option} is not a JWT: expected three base64url parts separated by dots (header.payload.signature). "
            "Give the platform's signed token itself (for example the file the platform mounts), not a path or "
            "an access token's claims.",
            option=_name(option),
        )
    try:
        header = json.loads(_b64url_decode(parts[0]))
        payload = json.loads(_b64url_decode(parts[1]))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise OptionError(f"{option} is not a JWT: its header or payload is not base64url-encoded JSON.",
                          option=_name(option)) from None  # fmt: skip
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise OptionError(f"{option} is not a JWT: its header or payload is not a JSON object.", option=_name(option))
    return payload


def _audiences(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    return ()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))


def _shown(value: str) -> str:
    """A claim quoted for a message: control characters escaped, cut to a readable length."""
    return repr(truncate(sanitize(value), _SHOWN_LENGTH))


def _when(epoch: float) -> str:
    try:
        return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return f"{epoch:.0f} (seconds since 1970)"


def _ago(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 120:
        return f"{seconds} seconds"
    if seconds < 7200:
        return f"{seconds // 60} minutes"
    if seconds < 172800:
        return f"{seconds // 3600} hours"
    return f"{seconds // 86400} days"


def _name(option: str) -> str:
    """The option's own name, from a label that may add "(from the environment variable ...)"."""
    return option.split(" ", 1)[0]


def _file_problem(path: str, option: str, problem: small_file.SmallFileProblem) -> OptionError:
    name, kind = _name(option), problem.kind
    if kind == small_file.MISSING:
        return OptionError(f"{option} '{path}' does not exist. On Kubernetes the token is mounted only in pods whose "
                           "service account is set up for workload identity; in CI, only where the job requests an "
                           "OIDC token.", option=name)  # fmt: skip
    if kind == small_file.PERMISSION:
        return OptionError(f"{option} '{path}' is not readable by this user (permission denied).", option=name)
    if kind == small_file.PARENT_CLOSED:
        return OptionError(f"{option} '{path}' cannot be reached: permission denied on a parent directory.",
                           option=name)  # fmt: skip
    if kind == small_file.DIRECTORY:
        return OptionError(f"{option} '{path}' is a directory, not a token file.", option=name)
    if kind == small_file.NOT_REGULAR:
        return OptionError(f"{option} '{path}' is not a regular file.", option=name)
    if kind == small_file.TOO_LARGE:
        return OptionError(f"{option} '{path}' is larger than {MAX_ASSERTION_FILE_SIZE // 1024} KiB: that is no token "
                           "file.", option=name)  # fmt: skip
    return OptionError(f"{option} '{path}' cannot be read ({problem.errno_name}).", option=name)
