"""The work window (PRODUCT.md §5): an accepted request not submitted within duration × 150 %
goes back to matching once (the operator sees `timed_out`), and the second time it expires and
its escrow is refunded exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace_app.core import clock
from marketplace_app.core.errors import NotFound
from marketplace_app.requests import expiry
from marketplace_app.scheduler.jobs import JOBS
from marketplace_app.work import timers
from tests.ledger.helpers import assert_ledger_balanced, hold_state, race
from tests.requests import helpers as rh
from tests.support import override_settings
from tests.work import helpers as w

WINDOW = timedelta(minutes=15) * 150 // 100  # duration 15min + 50 %


def enforce() -> int:
    return w.in_unit(timers.enforce_work_window)


@pytest.fixture
def agent():
    return w.make_agent(funded_cents=10_000)


def test_the_work_window_job_is_registered():
    assert any(job.name == "enforce_work_window" and job.run is timers.enforce_work_window for job in JOBS)


def test_late_work_goes_back_to_matching_once_and_the_operator_sees_timed_out(agent):
    # given a request accepted at T0 with a 15-minute duration
    clock.freeze(w.T0)
    first = w.make_operator()
    request_id = w.create(agent, urgency="5min")["id"]
    assert w.accept(first, request_id)["work_deadline_at"] == w.T0 + WINDOW

    # when the sweep runs a second before the window ends
    clock.advance(WINDOW - timedelta(seconds=1))
    assert enforce() == 0
    assert rh.request_row(request_id)["status"] == "in_progress"

    # and when it runs at the end of the window, twice
    clock.advance(timedelta(seconds=1))
    assert (enforce(), enforce()) == (1, 0)

    # then it is matching again with a fresh window, no operator, the escrow still held
    row = rh.request_row(request_id)
    assert (row["status"], row["operator_id"], row["accepted_at"], row["requeue_count"]) == ("matching", None, None, 1)
    assert row["match_deadline_at"] == clock.now() + timedelta(seconds=300 + 30)
    assert hold_state(row["hold_id"]) == "pending" and rh.escrow_cents(agent) == w.PRICE_CENTS
    assert rh.event_types(request_id)[-1] == "request.matching"

    # and the operator's "my work" says it timed out, and they can no longer submit
    (item,) = rh.client().get("/v1/operator/work", headers=first.headers()).json()["data"]
    assert (item["request_id"], item["outcome"], item["status"], item["result"]) == (
        request_id, "timed_out", "matching", None)
    assert item["ended_at"] == clock.isoformat(clock.now())
    with pytest.raises(NotFound):
        w.submit(first, request_id)
    assert_ledger_balanced()


def test_the_second_late_operator_expires_it_and_the_escrow_is_refunded_once(agent):
    # given a request that already went back to matching once
    clock.freeze(w.T0)
    first, second = w.make_operators(count=2)
    request_id = w.create(agent)["id"]
    w.accept(first, request_id)
    clock.advance(WINDOW)
    assert enforce() == 1

    # when another operator takes it and is late too
    w.accept(second, request_id)
    clock.advance(WINDOW)
    assert (enforce(), enforce()) == (1, 0)

    # then it is expired, refunded once, and both assignments timed out
    row = rh.request_row(request_id)
    assert (row["status"], row["closed_at"]) == ("expired", clock.now())
    assert rh.refunds_per_request() == {request_id: 1}
    assert (rh.available_cents(agent), rh.escrow_cents(agent)) == (10_000, 0)
    for operator in (first, second):
        (item,) = rh.client().get("/v1/operator/work", headers=operator.headers()).json()["data"]
        assert (item["outcome"], item["status"]) == ("timed_out", "expired")
    assert_ledger_balanced()


def test_a_requeued_request_nobody_takes_expires_through_the_match_sweep_with_one_refund(agent):
    # given a request that went back to matching
    clock.freeze(w.T0)
    request_id = w.create(agent, urgency="1min")["id"]
    w.accept(w.make_operator(), request_id)
    clock.advance(WINDOW)
    enforce()

    # when its new match window passes and both sweeps run
    clock.advance(timedelta(seconds=90))
    expired = w.in_unit(expiry.expire_unmatched)

    # then
    assert (expired, enforce()) == (1, 0)
    assert rh.request_row(request_id)["status"] == "expired"
    assert rh.refunds_per_request() == {request_id: 1}
    assert_ledger_balanced()


def test_work_submitted_in_time_is_left_alone(agent):
    # given work submitted a second before the window ends
    clock.freeze(w.T0)
    operator = w.make_operator()
    request_id = w.create(agent)["id"]
    w.accept(operator, request_id)
    clock.advance(WINDOW - timedelta(seconds=1))
    w.submit(operator, request_id)

    # when
    clock.advance(timedelta(hours=1))

    # then
    assert enforce() == 0
    assert rh.request_row(request_id)["status"] == "completed"
    assert_ledger_balanced()


def test_concurrent_sweeps_requeue_and_expire_exactly_once(database, agent):
    # given five late requests, two of them already requeued once
    clock.freeze(w.T0)
    operators = w.make_operators(count=2)
    ids = [w.create(agent, urgency="30min")["id"] for _ in range(5)]
    for request_id in ids[:2]:
        w.accept(operators[0], request_id)
    clock.advance(WINDOW)
    assert enforce() == 2
    for request_id in ids:
        w.accept(operators[1], request_id)
    clock.advance(WINDOW)

    # when eight sweeps run at once on their own connections
    result = race(database, contenders=8, action=lambda session, _index: timers.enforce_work_window(session))

    # then together they moved each request once: two expired (refunded once each), three requeued
    assert sum(outcome for outcome in result.outcomes if isinstance(outcome, int)) == 5, result.outcomes
    assert rh.statuses(ids) == {**dict.fromkeys(ids[:2], "expired"), **dict.fromkeys(ids[2:], "matching")}
    assert rh.refunds_per_request() == dict.fromkeys(ids[:2], 1)
    assert_ledger_balanced()


def test_the_sweep_takes_batches_of_the_setting_and_times_out_each_assignment(agent, monkeypatch):
    # given three late requests of one operator and sweep batches of two
    override_settings(monkeypatch, sweep_batch_rows=2)
    clock.freeze(w.T0)
    operator = w.make_operator()
    ids = [w.create(agent, urgency="30min")["id"] for _ in range(3)]
    for request_id in ids:
        w.accept(operator, request_id)
    clock.advance(WINDOW)

    # when one batch runs, then the next
    batches = (enforce(), enforce(), enforce())

    # then two went, then one; each back to matching and each assignment timed out in the operator's list
    assert batches == (2, 1, 0)
    assert rh.statuses(ids) == dict.fromkeys(ids, "matching")
    work = rh.client().get("/v1/operator/work", headers=operator.headers()).json()["data"]
    assert sorted(item["outcome"] for item in work) == ["timed_out"] * 3
