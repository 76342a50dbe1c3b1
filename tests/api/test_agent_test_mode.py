"""Test mode through the API: a `pk_test_` request escrows nothing, leaves live balances alone,
and completes by itself through the same statuses and events (RELIABILITY 14, PRODUCT §4)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from marketplace_app.companies.models import KeyMode
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.requests import simulator
from marketplace_app.scheduler.jobs import JOBS
from marketplace_app.scheduler.runner import run_job
from tests.ledger.helpers import assert_ledger_balanced, journal_counts
from tests.requests import helpers as h
from tests.support import assert_error

REQUESTS = "/v1/requests"
T0 = datetime(2026, 2, 18, 12, 0, tzinfo=UTC)
REAL_TIME_LIMIT_SECONDS = 10


@pytest.fixture
def api():
    return h.client()


@pytest.fixture
def live():
    return h.make_agent(funded_cents=2_000)


@pytest.fixture
def tester(live):
    return h.add_key(live, mode=KeyMode.test)


def test_a_test_request_escrows_nothing_and_leaves_live_balances_alone(api, live, tester):
    # given
    counts = journal_counts()

    # when
    response = api.post(REQUESTS, json=h.request_body(max_price="500.00EUR"), headers=tester.headers())

    # then it was accepted although the wallet holds only 20.00, and no money moved
    assert response.status_code == 201, response.text
    assert response.json()["mode"] == "test"
    assert journal_counts() == counts
    assert (h.available_cents(live), h.escrow_cents(live)) == (2_000, 0)
    assert h.request_row(response.json()["request_id"])["hold_id"] is None


def test_a_test_request_with_an_empty_wallet_is_accepted(api):
    # given
    tester = h.make_agent(mode=KeyMode.test)

    # when / then
    assert api.post(REQUESTS, json=h.SEED_BODY, headers=tester.headers()).status_code == 201
    assert journal_counts() == (0, 0, 0)


def test_the_simulator_completes_it_and_get_shows_each_step(api, live, tester):
    # given
    clock.freeze(T0)
    request_id = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=tester.headers()))
    seen = []

    # when the simulator runs as the clock moves
    for step in (timedelta(seconds=1), timedelta(seconds=2)):
        clock.advance(step)
        with unit_of_work() as session:
            simulator.simulate(session)
        seen.append(api.get(f"{REQUESTS}/{request_id}", headers=tester.headers()).json())

    # then the agent saw in_progress with the simulated human, then the completed result
    in_progress, completed = seen
    assert in_progress["status"] == "in_progress"
    assert in_progress["human"] == simulator.SIMULATED_OPERATOR
    assert completed["status"] == "completed"
    assert completed["result"]["answer"].startswith("[test mode]")
    assert completed["human"] == {"id": "ptx_test_simulated", "avg_response_quality": 4.8, "tasks_completed": 342}
    assert [line["status"] for line in completed["timeline"]] == ["matching", "in_progress", "completed"]
    assert h.event_types(request_id) == ["request.matching", "request.in_progress", "request.completed"]
    assert journal_counts() == (1, 1, 0)  # only the live wallet's funding
    assert (h.available_cents(live), h.escrow_cents(live)) == (2_000, 0)
    assert_ledger_balanced()


def test_a_completed_test_request_can_be_rated(api, tester):
    # given
    clock.freeze(T0)
    request_id = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=tester.headers()))
    for _ in range(2):
        clock.advance(timedelta(seconds=2))
        with unit_of_work() as session:
            simulator.simulate(session)

    # when
    response = api.post(f"{REQUESTS}/{request_id}/rate", json={"score": 4}, headers=tester.headers())

    # then
    assert response.status_code == 200, response.text


def test_cancelling_a_test_request_refunds_nothing_because_nothing_was_held(api, tester):
    # given
    request_id = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=tester.headers()))

    # when
    response = api.post(f"{REQUESTS}/{request_id}/cancel", headers=tester.headers())

    # then
    assert response.json() == {"request_id": request_id, "status": "cancelled", "refunded": "0.00EUR",
                               "refunded_cents": 0}
    assert h.transfers(kind="escrow_void") == 0


def test_test_mode_still_obeys_skill_and_per_request_policy(api):
    # given a test key on a project that allows only translation up to 5.00
    tester = h.make_agent(mode=KeyMode.test, allowed_skills=["translation"], max_per_request_cents=500)

    # when / then
    assert_error(api.post(REQUESTS, json=h.SEED_BODY, headers=tester.headers()), status=400,
                 code="skill_not_allowed")
    assert_error(api.post(REQUESTS, json=h.request_body(skill="translation"), headers=tester.headers()),
                 status=400, code="limit_exceeded")


def test_test_requests_do_not_use_the_live_budget(api):
    # given a project with a daily cap of 5.00 and both kinds of key
    live = h.make_agent(funded_cents=2_000, daily_budget_cents=500)
    tester = h.add_key(live, mode=KeyMode.test)
    for _ in range(3):
        assert api.post(REQUESTS, json=h.request_body(max_price="5.00EUR"), headers=tester.headers()).status_code \
            == 201

    # when
    response = api.post(REQUESTS, json=h.request_body(max_price="5.00EUR"), headers=live.headers())

    # then
    assert response.status_code == 201, response.text


def test_live_and_test_keys_of_a_project_each_list_only_their_own_modes_requests(api, live, tester):
    # given
    live_id = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=live.headers()))
    test_id = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=tester.headers()))

    # when
    live_rows = api.get(REQUESTS, headers=live.headers()).json()["data"]
    test_rows = api.get(REQUESTS, headers=tester.headers()).json()["data"]

    # then (tests/api/test_agent_modes.py walks every route in both directions)
    assert {row["request_id"]: row["mode"] for row in live_rows} == {live_id: "live"}
    assert {row["request_id"]: row["mode"] for row in test_rows} == {test_id: "test"}


def test_the_scheduler_completes_a_test_request_within_ten_seconds_of_real_time(api, tester):
    # given a test request and the scheduler's jobs, run by hand on the real clock
    request_id = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=tester.headers()))
    started = time.monotonic()
    status = "matching"

    # when the jobs tick about every 200 ms
    while time.monotonic() - started < REAL_TIME_LIMIT_SECONDS:
        for job in JOBS:
            run_job(job)
        status = api.get(f"{REQUESTS}/{request_id}", headers=tester.headers()).json()["status"]
        if status == "completed":
            break
        time.sleep(0.2)
    elapsed = time.monotonic() - started

    # then
    assert status == "completed", f"still {status} after {elapsed:.1f}s"
    assert elapsed < REAL_TIME_LIMIT_SECONDS
    assert h.event_types(request_id) == ["request.matching", "request.in_progress", "request.completed"]
    assert journal_counts()[0] == 1  # the live wallet's funding only
    print(f"test mode: completed in {elapsed:.1f}s of real time")
