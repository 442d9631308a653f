"""Retries: what is retried, how long we wait, and when we give up."""

from __future__ import annotations

import email.utils
import time

import pytest

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import TransportError
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.http import HttpResponse
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.retry import (
    RetryPolicy,
    RetryWaitTooLong,
    backoff,
    retry_after,
    send_with_retries,
)


def response(status, headers=None):
    return HttpResponse(status=status, headers=headers or {}, body=b"{}", client_request_id="r")


class Script:
    """A fake send() that plays a list of outcomes and records the waits."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.calls = 0
        self.sleeps = []
        self.progress = []

    def send(self):
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def run(self, policy=None):
        policy = policy or RetryPolicy()
        return send_with_retries(self.send, policy, lambda *args: self.progress.append(args), self.sleeps.append)


def dropped():
    return TransportError("dropped", option="authority_host", retryable=True, reason="connection error")


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_transient_statuses_are_retried(status):
    script = Script(response(status), response(200))
    assert script.run().status == 200
    assert script.calls == 2
    assert script.progress[0][:2] == (1, f"HTTP {status}")


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409])
def test_other_client_errors_are_final(status):
    script = Script(response(status), response(200))
    assert script.run().status == status
    assert script.calls == 1 and script.sleeps == []


def test_retry_after_seconds_is_honoured():
    script = Script(response(429, {"Retry-After": "7"}), response(200))
    script.run()
    assert script.sleeps == [7.0]


def test_retry_after_http_date_is_honoured():
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    wait = retry_after({"retry-after": when})
    assert 28 <= wait <= 30


@pytest.mark.parametrize("seconds_ago", [1, 3600, 10 * 365 * 86400])
def test_retry_after_http_date_in_the_past_is_a_zero_wait(seconds_ago):
    """A clock ahead of the endpoint's, or a stale proxy header: wait nothing, never a negative sleep."""
    when = email.utils.formatdate(time.time() - seconds_ago, usegmt=True)
    assert retry_after({"Retry-After": when}) == 0.0
    script = Script(response(503, {"Retry-After": when}), response(200))
    assert script.run().status == 200
    assert script.sleeps == [0.0] and script.progress == [(1, "HTTP 503", 0.0)]


def test_retry_after_in_the_past_goes_through_the_real_sleep():
    """time.sleep(-1) raises ValueError: the default sleep must get the zero wait, not a negative one."""
    past = email.utils.formatdate(time.time() - 3600, usegmt=True)
    outcomes = [response(429, {"Retry-After": past}), response(200)]
    assert send_with_retries(lambda: outcomes.pop(0), RetryPolicy(retries=1)).status == 200
    assert outcomes == []


def test_retry_after_longer_than_max_fails_at_once():
    script = Script(response(429, {"Retry-After": "120"}), response(200))
    with pytest.raises(RetryWaitTooLong) as info:
        script.run(RetryPolicy(retries=4, max_retry_wait=60))
    assert info.value.wait == 120 and script.calls == 1 and script.sleeps == []


def test_dropped_connections_are_retried_then_reported_with_the_attempt_count():
    script = Script(dropped(), dropped(), dropped())
    with pytest.raises(TransportError, match="Gave up after 3 attempts") as info:
        script.run(RetryPolicy(retries=2))
    assert info.value.option == "authority_host"
    assert script.calls == 3 and len(script.sleeps) == 2


def test_non_retryable_transport_error_is_raised_at_once():
    script = Script(TransportError("tls", option="ca_path"), response(200))
    with pytest.raises(TransportError, match=r"^tls$"):
        script.run()
    assert script.calls == 1


def test_retries_run_out_and_the_last_answer_is_returned():
    script = Script(*[response(503)] * 5)
    assert script.run(RetryPolicy(retries=4)).status == 503
    assert script.calls == 5 and len(script.sleeps) == 4


def test_zero_retries_means_one_request():
    script = Script(response(503), response(200))
    assert script.run(RetryPolicy(retries=0)).status == 503
    assert script.calls == 1


def test_backoff_grows_with_jitter_and_respects_the_cap():
    for attempt in range(8):
        for _unused in range(50):
            assert 0 <= backoff(attempt, 5.0) <= min(5.0, 2 ** attempt)
    assert len({round(backoff(3, 60), 6) for _unused in range(20)}) > 1


def test_worst_case_is_bounded():
    assert RetryPolicy(retries=4, max_retry_wait=60).worst_case_seconds(30) == 5 * 30 + 4 * 60


@pytest.mark.parametrize("value", ["soon", "", "-5", "Mon, 99 Foo 2026"])
def test_unreadable_retry_after_falls_back_to_backoff(value):
    assert retry_after({"Retry-After": value}) is None
