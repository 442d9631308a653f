"""The retry policy keeps the documented ceiling whatever Retry-After the endpoint sends.

(retries + 1) x timeout + retries x max_retry_wait holds only if no wait is negative, endless or past
max_retry_wait, and if no header value crashes the parser. The transport's own deadline is tested in
test_http.py; here the end-to-end ceiling is checked through TokenClient against the hostile endpoint.
"""

from __future__ import annotations

import email.utils
import math
import time

import pytest
from entra_emulator import defaults as d
from hostile_endpoint import hostile_endpoint
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


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    with hostile_endpoint(tmp_path_factory.mktemp("hostile")) as endpoint:
        yield endpoint


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
