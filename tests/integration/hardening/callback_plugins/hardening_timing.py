# -*- coding: utf-8 -*-
# Copyright: (c) 2026, azure_ad.oauth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How long each task took on each host, as JSON lines (tests only).

The hostile-network tests bound the time of every case, not only of the whole
run: a task's time runs from its ``v2_runner_on_start`` (sent when the worker
starts it, before a lookup in its arguments is templated) to its result.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: hardening_timing
    type: aggregate
    short_description: seconds per task and host, as JSON lines (tests only)
    description:
        - Appends one JSON line per task result, with the seconds from the task's start on that host, to the file
          named by HARDENING_TIMING_FILE.
    requirements:
      - enabled with ANSIBLE_CALLBACKS_ENABLED
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "hardening_timing"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._started = {}

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.monotonic()

    def _done(self, result):
        path = os.environ.get("HARDENING_TIMING_FILE")
        started = self._started.pop((result._host.get_name(), result._task._uuid), None)
        if not path or started is None:
            return
        line = {"task": result.task_name, "host": result._host.get_name(), "seconds": time.monotonic() - started}
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")

    def v2_runner_on_ok(self, result):
        self._done(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._done(result)

    def v2_runner_on_unreachable(self, result):
        self._done(result)

    def v2_runner_on_skipped(self, result):
        self._done(result)
