# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run core code inside an AnsibleModule and turn its errors into fail_json.

INTERNAL USE ONLY: this module is private to the azure_ad.oauth collection and
may change without notice.

An exception that escapes a module makes Ansible print the module's arguments
in clear, even those marked no_log. So nothing may escape: ``run_guarded``
catches everything through ``failures.attempt`` and fails the module with the
message ``failures`` words for it.
"""

from __future__ import annotations

from ansible_collections.azure_ad.oauth.plugins.module_utils._adapters.failures import MODULE, attempt


def run_guarded(module, action):
    """Return ``action()``, or fail the module cleanly whatever it raises."""
    result, failure = attempt(action, MODULE)
    if failure is None:
        return result
    # Failed outside any except block: with tracebacks enabled, fail_json would otherwise format the
    # pending exception, text and all, into the result.
    if failure.details is None:
        module.fail_json(msg=failure.message)
    else:
        module.fail_json(msg=failure.message, error=failure.details)
    return None
