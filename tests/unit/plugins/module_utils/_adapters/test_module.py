"""run_guarded: the module's safety net fails the module cleanly, outside any except block, or lets through."""

from __future__ import annotations

import sys
import syslog

import native_panics
import pytest
from ansible.module_utils import basic
from module_runner import run_module

from ansible_collections.azure_ad.oauth.plugins.module_utils._adapters.module import AdapterModule, run_guarded
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.dependencies import MissingDependencyError
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import OptionError

P12_PASSWORD = "Panic-P12#pass-4Kq"


class FailingModule:
    """Just enough of AnsibleModule for run_guarded: records what fail_json got."""

    def __init__(self):
        self.failures = []

    def fail_json(self, **result):
        self.failures.append(result)
        raise SystemExit(1)


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit, GeneratorExit])
def test_the_module_net_lets_the_stopping_exceptions_through(stop):
    """A net that swallowed these would keep a task running after Ctrl-C, or hide an exit."""
    module = FailingModule()

    def action():
        raise stop(native_panics.PANIC_MARKER)

    with pytest.raises(stop):
        run_guarded(module, action)
    assert module.failures == []


def test_the_module_net_fails_outside_the_except_block():
    """fail_json runs with no exception pending, so a traceback capture cannot format the panic."""
    pending = []

    class Module(FailingModule):
        def fail_json(self, **result):
            pending.append(sys.exc_info()[1])
            super().fail_json(**result)

    module = Module()

    def action():
        raise native_panics.PanicException(native_panics.panic_text(P12_PASSWORD))

    with pytest.raises(SystemExit):
        run_guarded(module, action)
    assert pending == [None]
    assert module.failures == [{"msg": "Unexpected internal error (PanicException). This is a bug in azure_ad.oauth; "
                                       "please report it with the task's options (never its secrets)."}]


def test_the_result_comes_back_when_nothing_fails():
    module = FailingModule()
    assert run_guarded(module, lambda: {"changed": False}) == {"changed": False}
    assert module.failures == []


def test_a_core_error_fails_with_its_message_and_details():
    module = FailingModule()

    def action():
        raise OptionError("thumbprint has 3 hex digits.", option="thumbprint")

    with pytest.raises(SystemExit):
        run_guarded(module, action)
    assert module.failures == [{"msg": "thumbprint has 3 hex digits.",
                                "error": {"option": "thumbprint", "type": "OptionError"}}]  # fmt: skip


def test_a_missing_library_fails_in_ansibles_words():
    module = FailingModule()

    def action():
        raise MissingDependencyError("jks", "to read JKS and JCEKS keystores")

    with pytest.raises(SystemExit):
        run_guarded(module, action)
    (failure,) = module.failures
    assert failure["msg"].startswith("Failed to import the required Python library (pyjks)")
    assert failure["error"] == {"option": None, "type": "MissingDependencyError"}


def test_the_invocation_log_carries_a_nul_byte_escaped(monkeypatch, capsys):
    """Python 3.13's syslog raises on a NUL byte; a syslog as strict on every Python shows the module gets to run."""
    logged = []

    def strict_syslog(priority, message):
        if "\x00" in message:
            raise ValueError("embedded null character")
        logged.append(message)

    monkeypatch.setattr(syslog, "syslog", strict_syslog)
    monkeypatch.setattr(basic, "has_journal", False)

    def main():
        module = AdapterModule(argument_spec={"path": {"type": "str"}, "secret": {"type": "str", "no_log": True}})
        module.exit_json(path_length=len(module.params["path"]))

    run = run_module(main, {"path": "ab\x00cd", "secret": "Nul-secret-7"}, monkeypatch, capsys)
    assert not run.failed and run["path_length"] == 5  # the module saw the argument unchanged
    assert any("path=ab\\x00cd" in message for message in logged)
    assert not any("Nul-secret-7" in message for message in logged)
