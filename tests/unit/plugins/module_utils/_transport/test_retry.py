"""Retries: what is retried, how long we wait, and when we give up.

The bounds: the retry policy keeps the documented ceiling whatever Retry-After the endpoint sends.
(retries + 1) x timeout + retries x max_retry_wait holds only if no wait is negative, endless or past
max_retry_wait, and if no header value crashes the parser. The transport's own deadline is tested in
test_deadline.py; here the end-to-end ceiling is checked through TokenClient against the hostile endpoint.
"""

from __future__ import annotations

import email.utils
import math
import time

import pytest
from entra_emulator import defaults as d
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.azure_ad.oauth.plugins.module_utils._shared.errors import AzureAdOAuthError, TransportError
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.client import TokenClient
from ansible_collections.azure_ad.oauth.plugins.module_utils._token.request import build_token_request
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport import exchange as _exchange
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.http import HttpResponse
from ansible_collections.azure_ad.oauth.plugins.module_utils._transport.retry import (
    MAX_RETRY_AFTER,
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


# --------------------------------------------------------------------------------------------- bounds


NOW = 1_800_000_000.0


def http_date(seconds_from_now: float) -> str:
    return email.utils.formatdate(NOW + seconds_from_now, usegmt=True)


@pytest.mark.parametrize(("value", "expected"), [
    ("0", 0.0),
    ("7", 7.0),
    (" 7 ", 7.0),
    ("0005", 5.0),
    ("9" * 5000, float(MAX_RETRY_AFTER)),  # int() refuses over 4300 digits
    ("99999999999999999999", float(MAX_RETRY_AFTER)),
    (http_date(-3600), 0.0),  # a date in the past waits nothing, never a negative sleep
    (http_date(-10 ** 9), 0.0),
    (http_date(30), 30.0),
    ("Fri, 31 Dec 9999 23:59:59 GMT", float(MAX_RETRY_AFTER)),
    ("-5", None),
    ("-0", None),
    ("1.5", None),
    ("1e400", None),
    ("NaN", None),
    ("inf", None),
    ("²", None),  # str.isdigit() says yes, float() says no
    ("٣", None),  # an Arabic-Indic digit
    ("", None),
    ("soon", None),
    ("Mon, 01 Jan 99999 00:00:00 GMT", None),
    ("Mon, 32 Foo 2020 25:61:61 GMT", None),
])  # fmt: skip
def test_retry_after_is_finite_and_never_negative(value, expected):
    assert retry_after({"Retry-After": value}, now=NOW) == expected


def test_retry_after_header_name_is_case_insensitive():
    assert retry_after({"retry-after": "3"}) == 3.0
    assert retry_after({"RETRY-AFTER": "3"}) == 3.0


@given(st.text(max_size=60))
def test_no_retry_after_value_crashes_or_escapes_the_range(value):
    wait = retry_after({"Retry-After": value}, now=NOW)
    assert wait is None or (math.isfinite(wait) and 0.0 <= wait <= MAX_RETRY_AFTER)


@pytest.mark.parametrize("attempt", [0, 1, 5, 64, 10_000])
@pytest.mark.parametrize("cap", [0.0, 0.5, 60.0])
def test_backoff_stays_within_the_cap(attempt, cap):
    for _sample in range(50):
        assert 0.0 <= backoff(attempt, cap) <= cap


@pytest.mark.parametrize("header", ["an hour ago", "0", "garbage", "-1", "1.5", "2"])
def test_every_sleep_is_within_zero_and_max_retry_wait(header):
    if header == "an hour ago":
        header = email.utils.formatdate(time.time() - 3600, usegmt=True)  # send_with_retries reads the real clock
    sleeps = []
    answers = iter([HttpResponse(503, {"Retry-After": header}, b"", "id")] * 3 + [HttpResponse(200, {}, b"", "id")])
    response = send_with_retries(lambda: next(answers), RetryPolicy(retries=3, max_retry_wait=2.0),
                                 sleep=sleeps.append)  # fmt: skip
    assert response.status == 200 and len(sleeps) == 3
    assert all(0.0 <= wait <= 2.0 for wait in sleeps), sleeps


def test_a_retry_after_past_max_retry_wait_fails_at_once_with_a_finite_wait():
    sleeps = []
    answer = HttpResponse(429, {"Retry-After": "9" * 5000}, b"", "id")
    with pytest.raises(RetryWaitTooLong) as caught:
        send_with_retries(lambda: answer, RetryPolicy(retries=3, max_retry_wait=60.0), sleep=sleeps.append)
    assert sleeps == [] and caught.value.wait == MAX_RETRY_AFTER


# --------------------------------------------------------------------------------------------- the ceiling


@pytest.mark.parametrize(("retries", "max_retry_wait"), [(0, 0.0), (1, 0.5), (2, 0.2)])
def test_a_trickling_endpoint_keeps_the_documented_ceiling(hostile, retries, max_retry_wait):
    _exchange._POOL.clear()
    timeout = 1.0
    tenant = hostile.tenant({"trickle_body": 0.2, "body": "x" * 100})
    request, target = build_token_request({
        "tenant_id": tenant, "client_id": d.CLIENT_ID, "client_secret": d.CLIENT_SECRET, "scope": [d.GRAPH_SCOPE],
        "authority_host": hostile.authority_host, "ca_path": hostile.ca_path, "timeout": timeout,
        "retries": retries, "max_retry_wait": max_retry_wait,
    }, {})  # fmt: skip
    started = time.monotonic()
    with pytest.raises(AzureAdOAuthError) as caught:
        TokenClient(request).acquire(target)
    elapsed = time.monotonic() - started
    ceiling = request.retry.worst_case_seconds(timeout)
    assert isinstance(caught.value, TransportError) and caught.value.option == "timeout"
    assert len(hostile.received(tenant)) == retries + 1
    assert (retries + 1) * timeout - 0.05 <= elapsed <= ceiling + 1.0, (elapsed, ceiling)
