"""Servers that tests start die with the process that started them, even when it cannot stop them.

``ansible-test units`` runs every test in a fork of its own and ends it with ``os._exit``: a fixture's teardown
never runs there, so a server process it started would outlive the test (a session fixture starts one per test).
``die_with_parent()`` gives a ``preexec_fn`` asking Linux to send SIGTERM to the server when its parent exits, on top
of the usual stop by PID. Elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def die_with_parent() -> Callable[[], None]:
    """A ``preexec_fn``: SIGTERM to the child when this process exits (at once if it already has)."""
    parent = os.getpid()

    def preexec() -> None:
        if not sys.platform.startswith("linux"):
            return
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent exited before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec
