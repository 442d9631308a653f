"""Every plugin test starts as a fresh process would: nothing remembered from a keystore loaded before.

The keystore reader remembers what it loaded within one process (``_keystore_reader/load.py``), which a real
run is (one module run, one lookup worker); here many tests share one process, and some load a file again after
replacing a library call, expecting the new failure. The token cache remembers tokens in memory likewise.
And AnsibleModule.warn keeps its warnings in a list global to the process until a module run returns them: a
warning left by one test (a module that failed after warning, a helper called outside a run) would reach the
next test's result.
"""

from __future__ import annotations

import pytest
from ansible.module_utils.common import warnings as module_warnings

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import forget_loaded_keystores
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.cached import forget_remembered_tokens


def forget_pending_warnings() -> None:
    # A list up to ansible-core 2.18, a dict from 2.19 on: both clear().
    for name in ("_global_warnings", "_global_deprecations"):
        pending = getattr(module_warnings, name, None)
        if pending is not None:
            pending.clear()


@pytest.fixture(autouse=True)
def nothing_loaded_yet():
    forget_loaded_keystores()
    forget_remembered_tokens()
    forget_pending_warnings()
    yield
    forget_loaded_keystores()
    forget_remembered_tokens()
    forget_pending_warnings()
