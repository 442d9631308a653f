"""The AADSTS700027 wait: only that code, bounded, and said when it runs out."""

from __future__ import annotations

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._graph.propagation import until_propagated
from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import TokenEndpointError


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def refusing(times, code=700027):
    calls = []

    def acquire():
        calls.append(1)
        if len(calls) <= times:
            raise TokenEndpointError(f"AADSTS{code}: refused", error_codes=(code,))
        return "token"

    return acquire, calls


def test_retries_700027_until_it_passes():
    clock = Clock()
    acquire, calls = refusing(3)
    assert until_propagated(acquire, 60, clock.sleep, lambda: clock.now) == "token"
    assert len(calls) == 4 and clock.sleeps == [1.0, 2.0, 4.0]


def test_gives_up_at_the_timeout_and_says_so():
    clock = Clock()
    acquire, _calls = refusing(1000)
    with pytest.raises(TokenEndpointError) as raised:
        until_propagated(acquire, 20, clock.sleep, lambda: clock.now)
    assert clock.now == pytest.approx(20) and max(clock.sleeps) <= 15
    assert "propagation_timeout" in raised.value.message and "20 seconds" in raised.value.message


def test_zero_timeout_fails_at_once_and_other_codes_are_never_retried():
    clock = Clock()
    acquire, calls = refusing(1)
    with pytest.raises(TokenEndpointError) as raised:
        until_propagated(acquire, 0, clock.sleep, lambda: clock.now)
    assert len(calls) == 1 and "propagation_timeout" not in raised.value.message
    acquire, calls = refusing(1, code=7000215)
    with pytest.raises(TokenEndpointError):
        until_propagated(acquire, 60, clock.sleep, lambda: clock.now)
    assert len(calls) == 1
