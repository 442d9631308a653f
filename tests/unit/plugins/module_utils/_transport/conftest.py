"""The transport's tests share one hostile endpoint per test module, and start with no pooled state."""

from __future__ import annotations

import pytest
from hostile_endpoint import hostile_endpoint
from transport_calls import TRANSPORT_ENVIRONMENT

from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import exchange as _exchange
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import trust as _trust


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    with hostile_endpoint(tmp_path_factory.mktemp("hostile")) as endpoint:
        yield endpoint


@pytest.fixture(autouse=True)
def fresh_transport(monkeypatch):
    """No proxy or CA variable, kept-alive connection or cached TLS context carries over from one case to the next."""
    for name in TRANSPORT_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    _exchange._POOL.clear()
    _trust._CONTEXTS.clear()
    yield
    _exchange._POOL.clear()
    _trust._CONTEXTS.clear()
