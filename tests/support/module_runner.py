"""Run a module's main() in process and read its JSON answer.

Module unit tests share this, so that each only says which module and which
arguments. The raw output is kept so tests can look for leaked secrets in it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from ansible.module_utils import basic

try:  # ansible-core 2.19 and later
    from ansible.module_utils import _internal
except ImportError:  # 2.17 and 2.18: module warnings always go to the result
    _internal = None


@dataclass
class ModuleRun:
    result: dict
    output: str
    exit_code: int | None

    @property
    def changed(self) -> bool:
        return bool(self.result.get("changed", False))

    @property
    def failed(self) -> bool:
        return bool(self.result.get("failed"))

    @property
    def warnings(self) -> list[str]:
        """Warning texts; ansible-core 2.19 wraps each in a structured summary."""
        texts = []
        for warning in self.result.get("warnings", []):
            if isinstance(warning, dict):
                warning = warning.get("event", {}).get("msg", "") or warning.get("msg", "")
            texts.append(str(warning))
        return texts

    def __getitem__(self, key):
        return self.result[key]


def run_module(main, args: dict, monkeypatch, capsys, check_mode: bool = False, diff: bool = False) -> ModuleRun:
    """Call ``main()`` with ``args`` as the task's module arguments."""
    args = {"_ansible_check_mode": check_mode, "_ansible_diff": diff, **args}
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode())
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
    # Once any controller code is imported (an action plugin test, say), module warnings go to the
    # controller's Display instead of the result; run as on a managed host.
    if _internal is not None:
        monkeypatch.setattr(_internal, "is_controller", False, raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main()
    output = capsys.readouterr().out
    return ModuleRun(json.loads(output), output, exit_info.value.code)
