"""Injected faults: statuses with realistic bodies, dropped connections, delays, chance."""

from __future__ import annotations

import email.utils
import time

import pytest
import requests
from entra_emulator import CLIENT_ID, CLIENT_SECRET, GRAPH_SCOPE
from entra_emulator.faults import FaultPlan, parse_fault

FORM = {
    "grant_type": "client_credentials",
    "client_id": CLIENT_ID,
    "client_secret": CLIENT_SECRET,
    "scope": GRAPH_SCOPE,
}


def test_429_carries_retry_after_in_seconds_and_an_entra_body(entra, token_post, refused):
    entra.set_faults([{"type": "status", "status": 429, "retry_after": 7}])

    response = token_post(FORM)

    assert response.headers["Retry-After"] == "7"
    refused(response, 429, "temporarily_unavailable", 50196)
    assert token_post(FORM).status_code == 200  # the queue is used up


def test_429_retry_after_may_be_an_http_date(entra, token_post):
    entra.set_faults([{"type": "status", "status": 429, "retry_after": 120, "retry_after_format": "http-date"}])

    response = token_post(FORM)

    assert response.status_code == 429
    when = email.utils.parsedate_to_datetime(response.headers["Retry-After"])
    assert 100 <= when.timestamp() - time.time() <= 125


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [(500, "server_error", 50000), (503, "temporarily_unavailable", 90033), (408, "temporarily_unavailable", 90012)],
)
def test_server_errors_have_entra_bodies(entra, token_post, refused, status, error, code):
    entra.set_faults([{"type": "status", "status": status}])

    refused(token_post(FORM), status, error, code)


def test_503_may_say_when_to_retry(entra, token_post):
    entra.set_faults([{"type": "status", "status": 503, "retry_after": 3}])

    assert token_post(FORM).headers["Retry-After"] == "3"


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_errors_are_html_from_the_front_end(entra, token_post, status):
    entra.set_faults([{"type": "status", "status": status}])

    response = token_post(FORM)

    assert response.status_code == status
    assert response.headers["Content-Type"] == "text/html"
    assert str(status) in response.text


def test_a_dropped_connection_gets_no_answer(entra, token_post):
    entra.set_faults([{"type": "drop"}])

    with pytest.raises(requests.ConnectionError):
        token_post(FORM)
    assert token_post(FORM).status_code == 200
    assert entra.stats()["by_outcome"] == {"fault:drop": 1, "success": 1}


def test_a_delay_holds_the_answer_back_then_answers(entra, token_post):
    entra.set_faults([{"type": "delay", "seconds": 0.3}])

    started = time.monotonic()
    response = token_post(FORM)

    assert time.monotonic() - started >= 0.3
    assert response.status_code == 200
    assert entra.stats()["faults_served"] == 1


def test_a_delay_can_outlast_the_client_timeout(entra, token_post):
    entra.set_faults([{"type": "delay", "seconds": 0.5}])

    with pytest.raises(requests.Timeout):
        token_post(FORM, timeout=0.1)
    # The endpoint still answers once the delay is over: wait for it, so that its count cannot land in the
    # next test's stats (a loaded machine stretched that window and made the next test flaky).
    deadline = time.monotonic() + 10
    while entra.stats()["by_outcome"].get("success") != 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert entra.stats()["by_outcome"] == {"success": 1}


def test_faults_are_served_in_order_and_times_repeats_one(entra, token_post):
    entra.set_faults(
        [{"type": "status", "status": 503, "times": 2}, {"type": "status", "status": 429, "retry_after": 0}]
    )

    statuses = [token_post(FORM).status_code for _unused in range(4)]

    assert statuses == [503, 503, 429, 200]
    stats = entra.stats()
    assert stats["faults_served"] == 3
    assert stats["by_outcome"] == {"fault:503": 2, "fault:429": 1, "success": 1}


def test_faults_apply_to_token_requests_only(entra):
    entra.set_faults([{"type": "status", "status": 500}])

    discovery = requests.get(f"{entra.authority()}/v2.0/.well-known/openid-configuration", timeout=10)

    assert discovery.status_code == 200
    assert entra.faults.pending() == 1


def test_random_faults_are_reproducible_with_a_seed(entra, token_post):
    plan = {"probability": 0.5, "seed": 1234, "fault": {"type": "status", "status": 503}}

    entra.set_faults([], random=plan)
    first = [token_post(FORM).status_code for _unused in range(12)]
    entra.set_faults([], random=plan)
    second = [token_post(FORM).status_code for _unused in range(12)]

    assert first == second
    assert set(first) == {200, 503}


def test_random_faults_wait_for_the_queue(entra, token_post):
    entra.set_faults([{"type": "status", "status": 429}], random={"probability": 0, "fault": {"type": "drop"}})

    assert [token_post(FORM).status_code for _unused in range(2)] == [429, 200]


def test_reset_drops_the_plan(entra, token_post):
    entra.set_faults([{"type": "status", "status": 500}], random={"probability": 1, "fault": {"type": "drop"}})
    entra.reset()

    assert token_post(FORM).status_code == 200


@pytest.mark.parametrize(
    "spec",
    [
        {"type": "status", "status": 404},
        {"type": "status", "status": 500, "retry_after": 5},
        {"type": "status", "status": 429, "retry_after": "soon"},
        {"type": "status", "status": 429, "retry_after_format": "minutes"},
        {"type": "delay"},
        {"type": "delay", "seconds": -1},
        {"type": "drop", "status": 500},
        {"type": "teleport"},
        {"type": "drop", "times": 0},
        "drop",
    ],
)
def test_malformed_fault_specs_are_refused(spec):
    with pytest.raises(ValueError):
        parse_fault(spec)


def test_a_bad_plan_leaves_the_old_one_in_place():
    plan = FaultPlan()
    plan.replace([{"type": "drop"}])

    with pytest.raises(ValueError):
        plan.replace([{"type": "drop"}, {"type": "nonsense"}])
    assert plan.pending() == 1
