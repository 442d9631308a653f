# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for azure_ad.oauth.keystore: default the subject to CN=<inventory_hostname>.

The module runs on the managed host, which does not know its inventory name;
the controller does. A certificate's CN holds at most 64 characters, so a
longer inventory name (a long FQDN) is cut to 64 in the CN and given whole as
a DNS subjectAltName: the default always makes a valid subject. The rule is
self_signed.default_subject's, which the module also applies to the host's own
name when it runs without this plugin. Everything else is the module's job.
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_writer.self_signed import default_subject


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        module_args = dict(self._task.args)
        if boolean(module_args.get("generate", False), strict=False) and not module_args.get("subject"):
            hostname = task_vars.get("inventory_hostname")
            if hostname:
                given = _alt_names(module_args.get("subject_alt_name"))
                subject, alt_names = default_subject(str(hostname), given)
                module_args["subject"] = subject
                if list(alt_names) != given:  # the name is too long for a CN: it goes in a SAN too
                    module_args["subject_alt_name"] = list(alt_names)
        result.update(
            self._execute_module(
                module_name="azure_ad.oauth.keystore", module_args=module_args, task_vars=task_vars
            )
        )
        return result


def _alt_names(value) -> list:
    """``subject_alt_name`` as the task gave it, as a list (the module takes a comma-separated string too)."""
    if isinstance(value, str):
        return [name.strip() for name in value.split(",") if name.strip()]
    return list(value or [])
