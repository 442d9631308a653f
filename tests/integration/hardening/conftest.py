"""Hardening tests: the bad-input catalogue, secret hygiene and concurrency, run through real ansible.

The terminal summary prints the catalogue's size and pass count, and the
numbers of the concurrency run, so the closing note of issue 4 can quote them.
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import hardening_support  # noqa: E402

_CATALOGUE_TEST = "test_bad_inputs.py::test_bad_input["
_outcomes: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)


def pytest_runtest_logreport(report):
    if _CATALOGUE_TEST not in report.nodeid:
        return
    channel = report.nodeid.rsplit("[", 1)[1].split("-", 1)[0]
    if report.when == "call":
        _outcomes[channel][report.outcome] += 1
    elif report.when == "setup" and report.outcome != "passed":
        _outcomes[channel][report.outcome] += 1


def pytest_terminal_summary(terminalreporter):
    lines = []
    if _outcomes:
        size = hardening_support.CATALOGUE["size"]
        passed = sum(counts["passed"] for counts in _outcomes.values())
        total = sum(sum(counts.values()) for counts in _outcomes.values())
        channels = ", ".join(f"{channel} {counts['passed']}/{sum(counts.values())}"
                             for channel, counts in sorted(_outcomes.items()))  # fmt: skip
        lines.append(f"bad-input catalogue: {size} cases; {passed}/{total} runs passed ({channels})")
    lines.extend(hardening_support.SUMMARY)
    if lines:
        terminalreporter.section("azure_ad.oauth hardening")
        for line in lines:
            terminalreporter.write_line(line)
