"""Every plugin test starts as a fresh process would: nothing remembered from a keystore loaded before.

The keystore reader remembers what it loaded within one process (``_keystore_reader/load.py``), which a real
run is (one module run, one lookup worker); here many tests share one process, and some load a file again after
replacing a library call, expecting the new failure. The token cache remembers tokens in memory likewise.
"""

from __future__ import annotations

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._keystore_reader.load import forget_loaded_keystores
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.cached import forget_remembered_tokens


@pytest.fixture(autouse=True)
def nothing_loaded_yet():
    forget_loaded_keystores()
    forget_remembered_tokens()
    yield
    forget_loaded_keystores()
    forget_remembered_tokens()
