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
"""

from __future__ import annotations

from ansible_collections.azure_ad.oauth.plugins.module_utils._dependencies import MissingDependencyError
from ansible_collections.azure_ad.oauth.plugins.module_utils._errors import AzureAdOAuthError, TokenEndpointError


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


def run_guarded(module, action):
    """Return ``action()``, or fail the module cleanly whatever it raises."""
    try:
        return action()
    except MissingDependencyError as exc:
        from ansible.module_utils.basic import missing_required_lib

        module.fail_json(msg=missing_required_lib(exc.distribution, reason=exc.purpose), error=error_details(exc))
    except AzureAdOAuthError as exc:
        module.fail_json(msg=str(exc), error=error_details(exc))
    except Exception as exc:  # the safety net described above
        module.fail_json(
            msg=f"Unexpected internal error ({type(exc).__name__}). This is a bug in azure_ad.oauth; "
            "please report it with the task's options (never its secrets)."
        )
    return None
