"""Test only: make one native call of the token path panic in every Python process of an ansible run.

Put this directory on PYTHONPATH and set AZURE_AD_OAUTH_TEST_PANIC to a key of
``native_panics.NATIVE_CALLS`` (and AZURE_AD_OAUTH_TEST_PANIC_SECRET to the
secret the panic's text should quote). ansible-playbook, its workers (forked)
and the modules it runs (new interpreters, same environment) all load this
file at start-up, so a lookup and a module meet the panic where a real one
would happen. Without the variable it does nothing.
"""

from __future__ import annotations

import os
import sys

if os.environ.get("AZURE_AD_OAUTH_TEST_PANIC"):
    SUPPORT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, SUPPORT)
    try:
        import native_panics
    finally:
        sys.path.remove(SUPPORT)  # nothing else of tests/support leaks into the run

    native_panics.inject(os.environ[native_panics.PANIC_ENV], os.environ.get(native_panics.PANIC_SECRET_ENV, ""))
