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

``AdapterModule`` is the AnsibleModule both modules build, so that the
module's own checks get to see every argument (see its docstring).
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule

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


class AdapterModule(AnsibleModule):
    """An AnsibleModule whose invocation log survives a NUL byte in an argument.

    AnsibleModule logs its arguments to syslog before the module runs. From Python 3.13 on, ``syslog`` refuses a
    message holding a NUL byte, and AnsibleModule then fails with a syslog error that names no option, before the
    module's own input checks can refuse the byte and say which option holds it. Logging the byte escaped lets
    them run.
    """

    def log(self, msg, log_args=None):
        if log_args is not None:
            log_args = {name: _escape_nul(value) for name, value in log_args.items()}
        super().log(_escape_nul(msg), log_args)


def _escape_nul(value):
    if isinstance(value, bytes):
        return value.replace(b"\x00", b"\\x00")
    if isinstance(value, str):
        return value.replace("\x00", "\\x00")
    return value
