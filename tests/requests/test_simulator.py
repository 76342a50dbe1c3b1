"""Test mode's simulated operator: `pk_test_` requests go matching → in_progress → completed on
the clock, with the same events as live work, a canned `[test mode]` result and no money."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from marketplace_app.companies.models import KeyMode
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.events.models import Event
from marketplace_app.requests import service as requests
from marketplace_app.requests import simulator
from marketplace_app.requests.models import RequestStatus
from marketplace_app.requests.schemas import RequestCreate
from tests.ledger.helpers import assert_ledger_balanced, journal_counts
from tests.requests import helpers as h

T0 = datetime(2026, 2, 18, 12, 0, tzinfo=UTC)


def create(agent, **overrides):
    with unit_of_work() as session:
        return requests.create_request(session, ctx=agent.context(), body=RequestCreate(**h.request_body(**overrides)))


def simulate() -> int:
    with unit_of_work() as session:
        return simulator.simulate(session)


def test_a_test_request_is_accepted_after_a_second_and_completed_two_seconds_later():
    # given a test key's request and nothing else in the ledger
    tester = h.make_agent(mode=KeyMode.test)
    clock.freeze(T0)
    row = create(tester)
    counts = journal_counts()

    # when the clock runs in steps
    clock.advance(timedelta(milliseconds=999))
    early = simulate()
    clock.advance(timedelta(milliseconds=1))
    accepted = simulate()
    after_accept = h.request_row(row["id"])
    clock.advance(timedelta(seconds=2))
    completed = simulate()

    # then it moved one step at a time
    assert (early, accepted, completed) == (0, 1, 1)
    assert after_accept["status"] == RequestStatus.in_progress
    assert after_accept["accepted_at"] == T0 + timedelta(seconds=1)
    assert after_accept["work_deadline_at"] == T0 + timedelta(minutes=5, seconds=1)
    final = h.request_row(row["id"])
    assert final["status"] == RequestStatus.completed
    assert final["completed_at"] == T0 + timedelta(seconds=3)
    assert final["result"]["answer"].startswith("[test mode] Simulated legal review result for: Review NDA clause")
    assert final["result"]["confidence"] == "high"

    # and it fired the live events, marked as test mode, and moved no money
    assert h.event_types(row["id"]) == ["request.matching", "request.in_progress", "request.completed"]
    with unit_of_work(read_only=True) as session:
        modes = set(session.execute(select(Event.mode).where(Event.request_id == row["id"])).scalars())
    assert modes == {"test"}
    assert journal_counts() == counts == (0, 0, 0)
    assert_ledger_balanced()


def test_the_simulator_leaves_live_requests_alone():
    # given a live request, old enough to be picked up if it were a test one
    agent = h.make_agent(funded_cents=1_000)
    clock.freeze(T0)
    row = create(agent)
    clock.advance(timedelta(seconds=10))

    # when
    moved = simulate()

    # then
    assert moved == 0
    assert h.request_row(row["id"])["status"] == RequestStatus.matching


def test_cancelled_test_requests_are_not_simulated():
    # given
    tester = h.make_agent(mode=KeyMode.test)
    clock.freeze(T0)
    row = create(tester)
    with unit_of_work() as session:
        requests.cancel_request(session, ctx=tester.context(), request_id=row["id"])

    # when
    clock.advance(timedelta(seconds=5))
    moved = simulate()

    # then
    assert moved == 0
    assert h.request_row(row["id"])["status"] == RequestStatus.cancelled


def test_a_backlog_larger_than_a_batch_is_worked_off_over_several_ticks():
    # given 600 due test requests (the batch is 500)
    tester = h.make_agent(mode=KeyMode.test)
    clock.freeze(T0)
    ids = h.seed_matching_requests(tester, count=600, price_cents=100, deadline=T0 + timedelta(minutes=5),
                                   mode="test")
    clock.advance(timedelta(seconds=1))

    # when the simulator ticks a few times, a few seconds apart
    moved = []
    for _ in range(4):
        moved.append(simulate())
        clock.advance(timedelta(seconds=3))

    # then every request completed exactly once
    assert sum(moved) == 2 * 600
    assert set(h.statuses(ids).values()) == {"completed"}


def test_the_canned_result_is_short_flattened_and_says_it_is_simulated():
    # when
    result = simulator.canned_result("photo_verification", "Take a  photo\nof the\tsign " + "x" * 300)

    # then
    assert result["answer"].startswith("[test mode] Simulated photo verification result for: Take a photo of the "
                                       "sign x")
    assert len(result["answer"]) <= len("[test mode] Simulated photo verification result for: ") + 120
    assert result["confidence"] == "high"
