"""`expire_unmatched`: the set-based sweep that expires requests nobody accepted in their
window (urgency + grace) and refunds their escrow exactly once, without anyone reading them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from marketplace_app.companies.models import KeyMode
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import InvalidState
from marketplace_app.requests import expiry
from marketplace_app.requests import service as requests
from marketplace_app.requests.models import RequestStatus
from marketplace_app.requests.schemas import RequestCreate
from marketplace_app.scheduler.jobs import JOBS
from marketplace_app.scheduler.runner import run_job
from tests.ledger.helpers import assert_ledger_balanced, journal_counts, race
from tests.requests import helpers as h
from tests.support import override_settings

T0 = datetime(2026, 2, 18, 12, 0, tzinfo=UTC)
EXPIRE_JOB = next(job for job in JOBS if job.name == "expire_unmatched_requests")


def create(agent, **overrides):
    """Create a request through the service, as the API would, in its own unit of work."""
    with unit_of_work() as session:
        return requests.create_request(session, ctx=agent.context(), body=RequestCreate(**h.request_body(**overrides)))


def sweep() -> int:
    with unit_of_work() as session:
        return expiry.expire_unmatched(session)


@pytest.fixture
def agent():
    return h.make_agent(funded_cents=10_000)


def test_a_1min_request_is_expired_and_refunded_by_the_sweep_without_being_read(agent):
    # given a live 1min request and no operator
    clock.freeze(T0)
    row = create(agent, urgency="1min")
    assert row["match_deadline_at"] == T0 + timedelta(seconds=90)

    # when 91 seconds pass and the sweep runs
    clock.advance(timedelta(seconds=91))
    expired = sweep()

    # then it is expired, its hold voided and the credit back, with a timeline line and an event
    assert expired == 1
    stored = h.request_row(row["id"])
    assert stored["status"] == RequestStatus.expired
    assert stored["closed_at"] == T0 + timedelta(seconds=91)
    assert h.holds_by_state() == {"voided": 1}
    assert h.transfers(kind="escrow_void", reference_id=row["id"]) == 1
    assert (h.available_cents(agent), h.escrow_cents(agent)) == (10_000, 0)
    with unit_of_work(read_only=True) as session:
        lines = requests.timeline(session, row["id"])
    assert [(line["from_status"], line["to_status"], line["actor_type"]) for line in lines] == [
        (None, "matching", "agent"), ("matching", "expired", "system")]
    assert h.event_types(row["id"]) == ["request.matching", "request.expired"]
    assert_ledger_balanced()


@pytest.mark.parametrize(("urgency", "window_seconds"), [("1min", 90), ("5min", 330), ("15min", 930),
                                                         ("30min", 1830)])
def test_the_window_is_the_urgency_plus_30_seconds_of_grace(agent, urgency, window_seconds):
    # given
    clock.freeze(T0)
    row = create(agent, urgency=urgency, max_price="1.00EUR")

    # when / then: one second early nothing happens; at the deadline it expires
    clock.advance(timedelta(seconds=window_seconds - 1))
    assert sweep() == 0
    clock.advance(timedelta(seconds=1))
    assert sweep() == 1
    assert h.request_row(row["id"])["status"] == RequestStatus.expired


def test_a_second_sweep_changes_nothing(agent):
    # given an expired request
    clock.freeze(T0)
    create(agent, urgency="1min")
    clock.advance(timedelta(minutes=5))
    assert sweep() == 1
    counts = journal_counts()

    # when
    again = sweep()

    # then
    assert again == 0
    assert journal_counts() == counts
    assert_ledger_balanced()


def test_only_overdue_matching_requests_are_touched(agent):
    # given requests in every other state, all past their windows, and one not yet due
    clock.freeze(T0)
    cancelled, accepted, completed = (create(agent, urgency="1min", max_price="1.00EUR") for _ in range(3))
    with unit_of_work() as session:
        requests.cancel_request(session, ctx=agent.context(), request_id=cancelled["id"])
    h.accept_by_hand(accepted["id"])
    h.complete_by_hand(completed["id"])
    fresh = create(agent, urgency="30min", max_price="1.00EUR")
    clock.advance(timedelta(minutes=10))
    counts = journal_counts()

    # when
    expired = sweep()

    # then
    assert expired == 0
    assert journal_counts() == counts
    assert h.statuses() == {cancelled["id"]: "cancelled", accepted["id"]: "in_progress",
                            completed["id"]: "completed", fresh["id"]: "matching"}


def test_with_request_ids_only_those_are_expired(agent):
    # given two overdue requests
    clock.freeze(T0)
    first, second = create(agent, urgency="1min"), create(agent, urgency="1min")
    clock.advance(timedelta(minutes=2))

    # when a read expires only the one it found
    with unit_of_work() as session:
        expired = expiry.expire_unmatched(session, request_ids=[first["id"]])

    # then
    assert expired == 1
    assert h.statuses() == {first["id"]: "expired", second["id"]: "matching"}


def test_a_test_mode_request_expires_without_ledger_rows():
    # given a test key's request that the simulator never picked up
    tester = h.make_agent(mode=KeyMode.test)
    clock.freeze(T0)
    row = create(tester, urgency="1min")
    counts = journal_counts()
    clock.advance(timedelta(seconds=90))

    # when
    expired = sweep()

    # then
    assert expired == 1
    assert h.request_row(row["id"])["status"] == RequestStatus.expired
    assert journal_counts() == counts


def test_cancelling_after_the_sweep_is_refused_and_refunds_nothing_more(agent):
    # given an expired request
    clock.freeze(T0)
    row = create(agent, urgency="1min")
    clock.advance(timedelta(seconds=90))
    sweep()

    # when / then
    with pytest.raises(InvalidState), unit_of_work() as session:
        requests.cancel_request(session, ctx=agent.context(), request_id=row["id"])
    assert h.transfers(kind="escrow_void") == 1


SWEEP_SIZE = 5_000


def test_a_set_based_sweep_refunds_5000_due_requests_each_exactly_once(agent):
    # given 5,000 live requests past their windows (and 10 that are not due)
    h.fund(agent, cents=SWEEP_SIZE * 100)
    clock.freeze(T0)
    due = h.seed_matching_requests(agent, count=SWEEP_SIZE, price_cents=100, deadline=T0 - timedelta(seconds=1))
    not_due = h.seed_matching_requests(agent, count=10, price_cents=100, deadline=T0 + timedelta(minutes=1))
    assert h.escrow_cents(agent) == (SWEEP_SIZE + 10) * 100

    # when the scheduler's job runs (batches of 1,000 until a short one)
    started = time.perf_counter()
    processed = run_job(EXPIRE_JOB)
    seconds = time.perf_counter() - started

    # then every due request is expired and refunded exactly once, the others untouched
    assert processed == SWEEP_SIZE
    refunds = h.refunds_per_request()
    assert len(refunds) == SWEEP_SIZE and set(refunds.values()) == {1}
    assert set(refunds) == set(due)
    final = h.statuses()
    assert sum(1 for status in final.values() if status == "expired") == SWEEP_SIZE
    assert {final[request_id] for request_id in not_due} == {"matching"}
    assert h.escrow_cents(agent) == 10 * 100
    assert h.holds_by_state() == {"voided": SWEEP_SIZE, "pending": 10}
    assert run_job(EXPIRE_JOB) == 0
    print(f"expiry sweep: {SWEEP_SIZE} requests in {seconds:.2f}s = {SWEEP_SIZE / seconds:.0f} rows/s")
    assert_ledger_balanced()


def test_three_concurrent_sweeps_refund_each_request_exactly_once(agent, database):
    # given 300 due requests
    h.fund(agent, cents=300 * 100)
    due = h.seed_matching_requests(agent, count=300, price_cents=100,
                                   deadline=clock.now() - timedelta(seconds=1))

    # when three sweepers with their own connections run at the same moment
    result = race(database, contenders=3, action=lambda session, _index: expiry.expire_unmatched(session))

    # then together they expired each request once
    assert result.kinds() == {"ok": 3}, result.outcomes
    assert sum(result.outcomes) == 300
    assert h.refunds_per_request() == dict.fromkeys(due, 1)
    assert h.escrow_cents(agent) == 0
    assert_ledger_balanced()


def test_the_sweep_takes_batches_of_the_configured_size_until_one_comes_back_short(agent, monkeypatch):
    # given 7 due requests and sweep batches of 3 rows (a setting, so SQLite write locks stay short)
    override_settings(monkeypatch, sweep_batch_rows=3)
    h.fund(agent, cents=7 * 100)
    due = h.seed_matching_requests(agent, count=7, price_cents=100, deadline=clock.now() - timedelta(seconds=1))

    # when one batch runs, then the scheduler's job
    first = sweep()
    rest = run_job(EXPIRE_JOB)

    # then the batch took 3, the job the other 4 (3 + 1, stopping at the short batch), each refunded once
    assert (first, rest) == (3, 4)
    assert h.refunds_per_request() == dict.fromkeys(due, 1)
    assert h.escrow_cents(agent) == 0
    assert_ledger_balanced()
