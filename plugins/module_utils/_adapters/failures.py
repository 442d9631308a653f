# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn whatever the core raised into what the user reads, the same way for every entry point.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

Every entry point (the token and keystore modules, the token lookup, the
thumbprint and token_claims filters) runs core code through ``attempt``, the
one safety net, and gets back the result or a ``Failure``: the user's message
and, for the core's own errors, machine-readable details. The entry point then
fails its own way (fail_json, AnsibleLookupError, AnsibleFilterError), outside
any except block, so that no library exception is chained to its error for a
traceback to show.

What a failure says:

- for the core's own errors (AzureAdOAuthError): their text, naming the option
  at fault when the text does not already (Entra's text never does);
- for anything else: only the exception's type, never its text, which could
  embed input bytes. That includes BaseExceptions that are not Exceptions: a
  panic in cryptography's Rust layer (pyo3's PanicException) is one, and its
  text can list a password's bytes. Only MUST_PROPAGATE (the user or the
  interpreter stopping us) and what an entry point lets through pass.

Modules carry this file to managed hosts, where only ``ansible.module_utils``
exists: nothing of the controller is imported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TypeVar

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.dependencies import MissingDependencyError
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    MUST_PROPAGATE,
    AzureAdOAuthError,
    TokenEndpointError,
)

Result = TypeVar("Result")

UNEXPECTED_IN_A_TASK = (
    "Unexpected internal error ({kind}). This is a bug in azure_ad.oauth; please report it with the task's "
    "options (never its secrets)."
)


@dataclass(frozen=True)
class Wording:
    """How one entry point words a failure, as str.format templates."""

    core: str  # an error the core raised on purpose; {message} is its message
    unexpected: str  # anything else; {kind} is the exception's type, never its text
    # An ImportError of a library imported without _shared.dependencies.require: a whole message.
    missing_import: str | None = None
    # A MissingDependencyError in Ansible's own words (missing_required_lib), as modules put it.
    ansible_missing_library: bool = False


MODULE = Wording(core="{message}", unexpected=UNEXPECTED_IN_A_TASK, ansible_missing_library=True)
TOKEN_LOOKUP = Wording(core="azure_ad.oauth.token: {message}",
                       unexpected="azure_ad.oauth.token: " + UNEXPECTED_IN_A_TASK)
THUMBPRINT_FILTER = Wording(
    core="thumbprint: {message}",
    unexpected="thumbprint: unexpected internal error ({kind}); the input could not be read.",
    missing_import="thumbprint needs the Python library cryptography to read certificates.",
)
TOKEN_CLAIMS_FILTER = Wording(
    core="token_claims: {message}",
    unexpected="token_claims: unexpected internal error ({kind}); the input could not be decoded.",
)


@dataclass(frozen=True)
class Failure:
    """What the user reads, and for the core's own errors the facts for failed_when and until."""

    message: str
    details: dict | None = None


def attempt(action: Callable[[], Result], wording: Wording,
            let_through: tuple = ()) -> tuple[Result | None, Failure | None]:  # fmt: skip
    """``(action(), None)``, or ``(None, the failure)`` whatever ``action`` raises.

    MUST_PROPAGATE and ``let_through`` (a lookup's own AnsibleErrors, already clean) pass. The failure is
    handed back rather than raised here, so that the caller fails with no exception pending.
    """
    try:
        return action(), None
    except (*MUST_PROPAGATE, *let_through):  # also the SystemExit of a fail_json or exit_json inside ``action``
        raise
    except BaseException as exc:  # the safety net described above, native panics included
        return None, describe(exc, wording)


def describe(exc: BaseException, wording: Wording) -> Failure:
    """The failure ``exc`` means for the entry point that words failures as ``wording``."""
    if isinstance(exc, MissingDependencyError) and wording.ansible_missing_library:
        from ansible.module_utils.basic import missing_required_lib

        return Failure(missing_required_lib(exc.distribution, reason=exc.purpose), error_details(exc))
    if isinstance(exc, AzureAdOAuthError):
        return Failure(wording.core.format(message=message(exc)), error_details(exc))
    if isinstance(exc, ImportError) and wording.missing_import is not None:
        return Failure(wording.missing_import)
    return Failure(wording.unexpected.format(kind=type(exc).__name__))


def message(exc: AzureAdOAuthError) -> str:
    """The error's text, naming the option at fault when the text does not already (Entra's text never does)."""
    text = str(exc)
    if exc.option and exc.option not in text:
        text = f"{text} (option: {exc.option})"
    return text


def error_details(exc: AzureAdOAuthError) -> dict:
    """Machine-readable facts about a failure, for failed_when and until."""
    details = {"option": exc.option, "type": type(exc).__name__}
    if isinstance(exc, TokenEndpointError):
        details.update(
            status=exc.status,
            error=exc.error,
            error_codes=list(exc.error_codes),
            trace_id=exc.trace_id,
            correlation_id=exc.correlation_id,
        )
    return details
