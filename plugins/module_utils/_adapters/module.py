# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run core code inside an AnsibleModule and turn its errors into fail_json.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

An exception that escapes a module makes Ansible print the module's arguments
in clear, even those marked no_log. So nothing may escape: the core's own
errors become their message, and anything else becomes a generic failure that
names only the exception type (its text could embed input bytes).

"Anything else" includes BaseExceptions that are not Exceptions: a panic in
cryptography's Rust layer (pyo3's PanicException) is one, and its text can list
a password's bytes. Only MUST_PROPAGATE (the user or the interpreter stopping
us) passes through.
"""

from __future__ import annotations

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.dependencies import MissingDependencyError
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import (
    MUST_PROPAGATE,
    AzureAdOAuthError,
    TokenEndpointError,
)


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


def message(exc: AzureAdOAuthError) -> str:
    """The error's text, naming the option at fault when the text does not already (Entra's text never does)."""
    text = str(exc)
    if exc.option and exc.option not in text:
        text = f"{text} (option: {exc.option})"
    return text


def run_guarded(module, action, before_failing=None):
    """Return ``action()``, or fail the module cleanly whatever it raises.

    ``before_failing`` runs first on failure, to add warnings gathered on the way.
    """
    try:
        return action()
    except MUST_PROPAGATE:  # also the SystemExit of a fail_json or exit_json called by ``action``
        raise
    except BaseException as exc:  # the safety net described above, native panics included
        details = failure(exc)
    # Fail outside the except block: with tracebacks enabled, fail_json would otherwise format the
    # pending exception, text and all, into the result.
    if before_failing is not None:
        before_failing()
    module.fail_json(**details)
    return None


def failure(exc: BaseException) -> dict:
    """fail_json arguments for ``exc``; never the text of an unexpected exception."""
    if isinstance(exc, MissingDependencyError):
        from ansible.module_utils.basic import missing_required_lib

        return {"msg": missing_required_lib(exc.distribution, reason=exc.purpose), "error": error_details(exc)}
    if isinstance(exc, AzureAdOAuthError):
        return {"msg": message(exc), "error": error_details(exc)}
    return {
        "msg": f"Unexpected internal error ({type(exc).__name__}). This is a bug in azure_ad.oauth; "
        "please report it with the task's options (never its secrets)."
    }
