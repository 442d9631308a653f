# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for azure_ad.oauth.keystore: default the subject to CN=<inventory_hostname>.

The module runs on the managed host, which does not know its inventory name;
the controller does. Everything else is the module's job.
"""

from __future__ import annotations

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        module_args = dict(self._task.args)
        if boolean(module_args.get("generate", False), strict=False) and not module_args.get("subject"):
            hostname = task_vars.get("inventory_hostname")
            if hostname:
                module_args["subject"] = f"CN={hostname}"
        result.update(
            self._execute_module(
                module_name="azure_ad.oauth.keystore", module_args=module_args, task_vars=task_vars
            )
        )
        return result
