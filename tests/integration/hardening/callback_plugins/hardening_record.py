# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The default stdout callback, which also records every raw task result as a JSON line.

Test-only. The hardening tests read the file named by ``HARDENING_RESULTS_FILE``
to check each task's result (its ``msg``, ``error``, ``exception`` and
``warnings`` keys) before the default callback pops some of them for display.
"""

from __future__ import annotations

import copy
import json
import os

from ansible.plugins.callback.default import CallbackModule as DefaultCallback

DOCUMENTATION = """
    name: hardening_record
    type: stdout
    short_description: default output, plus a JSON line per task result (tests only)
    description:
        - Prints what the default callback prints.
        - Appends each raw task result, as one JSON line, to the file named by HARDENING_RESULTS_FILE.
    extends_documentation_fragment:
      - default_callback
      - result_format_callback
"""


class CallbackModule(DefaultCallback):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "hardening_record"

    def _record(self, status, result, ignore_errors=False):
        path = os.environ.get("HARDENING_RESULTS_FILE")
        if not path:
            return
        line = {
            "task": result.task_name,
            "host": result.host.get_name(),
            "status": status,
            "ignore_errors": bool(ignore_errors),
            "result": copy.deepcopy(dict(result.result)),
        }
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line, default=str) + "\n")

    def v2_runner_on_ok(self, result):
        self._record("ok", result)
        super().v2_runner_on_ok(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record("failed", result, ignore_errors)
        super().v2_runner_on_failed(result, ignore_errors=ignore_errors)

    def v2_runner_on_unreachable(self, result):
        self._record("unreachable", result)
        super().v2_runner_on_unreachable(result)

    def v2_runner_on_skipped(self, result):
        self._record("skipped", result)
        super().v2_runner_on_skipped(result)
