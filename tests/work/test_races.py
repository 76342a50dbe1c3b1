"""Races on accept: 64 operators accept one request at once (exactly one winner, the rest 409
`invalid_state`), and RELIABILITY 5 — accepts against the expiry sweep at the match deadline:
every request ends in exactly one of {in_progress, expired}, and expired ⇒ exactly one refund.

Threads on PostgreSQL are real concurrency. On SQLite one process has one connection, so the
accept burst also runs across OS processes, and the expiry race gives every thread its own
engine (its own connection): SQLite then serialises the writers, and the invariant must hold.
The default sizes keep CI under 30 s; `-m slow` runs 500 requests, five times.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from marketplace_app.core import clock
from marketplace_app.core.clock import now
from marketplace_app.core.db import make_engine, unit_of_work
from marketplace_app.core.errors import Expired, InvalidState
from marketplace_app.requests import expiry
from marketplace_app.requests.models import Request
from marketplace_app.work import service as work
from marketplace_app.work.models import WorkAssignment
from tests.ledger.helpers import assert_ledger_balanced, unit_of_work_on
from tests.requests import helpers as rh
from tests.support import assert_error
from tests.work import helpers as w

ACCEPTERS = 64
RACE_REQUESTS = 200
SLOW_RACE_REQUESTS = 500
PRICE_CENTS = 100
DEADLINE_STEP = timedelta(milliseconds=10)
# Each accept is tried this close to its request's deadline (either side), against the sweep.
JITTER_SECONDS = 0.02


def _accept_calls(request_id: str, operators: list[w.Operator]) -> list[tuple[str, str, dict, None]]:
    return [("POST", f"/v1/operator/requests/{request_id}/accept", operator.headers(), None)
            for operator in operators]


def _assert_one_winner(agent: rh.Agent, request_id: str, operators: list[w.Operator], result: rh.Burst) -> None:
    assert result.codes() == {(200, None): 1, (409, "invalid_state"): ACCEPTERS - 1}, result.codes()
    winner = operators[result.statuses.index(200)]
    row = rh.request_row(request_id)
    assert (row["status"], row["operator_id"]) == ("in_progress", winner.user_id)
    assert w.count(WorkAssignment) == 1
    assert rh.event_types(request_id) == ["request.matching", "request.in_progress"]
    assert rh.escrow_cents(agent) == w.PRICE_CENTS
    assert_ledger_balanced()


def test_64_concurrent_accepts_of_one_request_have_exactly_one_winner():
    # given a matching request and 64 verified, available operators
    agent = w.make_agent()
    request_id = w.create(agent)["id"]
    operators = w.make_operators(count=ACCEPTERS)

    # when they all accept at the same moment, each with its own client
    result = rh.burst(_accept_calls(request_id, operators))

    # then exactly one wins, the rest get 409 invalid_state
    _assert_one_winner(agent, request_id, operators, result)
    print(f"64 accepts (threads): {result.seconds:.2f}s")


def test_64_accepts_from_four_processes_have_exactly_one_winner(database):
    # given
    agent = w.make_agent()
    request_id = w.create(agent)["id"]
    operators = w.make_operators(count=ACCEPTERS)

    # when 4 OS processes (own engine and connection each) send 16 accepts each at once
    result = rh.burst_from_processes(database, _accept_calls(request_id, operators), processes=4)

    # then the database let exactly one through
    _assert_one_winner(agent, request_id, operators, result)
    print(f"64 accepts (4 processes): {result.seconds:.2f}s")


def test_accept_after_expiry_is_410_expired_through_the_api():
    # given a request whose window passed (swept or not)
    agent = w.make_agent()
    operator = w.make_operator()
    client = rh.client()
    unswept, swept = (w.create(agent, urgency="1min")["id"] for _ in range(2))
    clock.freeze(now() + timedelta(seconds=91))
    assert w.in_unit(lambda session: expiry.expire_unmatched(session, request_ids=[swept])) == 1
    before = w.snapshot()

    # when / then
    for request_id in (unswept, swept):
        response = client.post(f"/v1/operator/requests/{request_id}/accept", headers=operator.headers())
        assert_error(response, status=410, code="expired")
    w.assert_nothing_changed(before)


@dataclass
class _Tally:
    accepted: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    swept: int = 0
    sweeps: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _accept_worker(url: str, operator: w.Operator, schedule: list[tuple[float, str]], tally: _Tally,
                   start: threading.Barrier) -> None:
    """Try each request at its moment (wall-clock seconds), late ones at once."""
    engine = make_engine(url)
    try:
        with engine.connect():
            pass
        start.wait(timeout=60)
        for attempt_at, request_id in schedule:
            time.sleep(max(attempt_at - time.time(), 0))
            try:
                with unit_of_work_on(engine) as session:
                    work.accept(session, operator_id=operator.user_id, request_id=request_id)
                outcome = "ok"
            except (Expired, InvalidState) as exc:
                outcome = type(exc).__name__
            with tally.lock:
                if outcome == "ok":
                    tally.accepted[request_id] += 1
                else:
                    tally.refusals[outcome] += 1
    finally:
        engine.dispose()


def _sweep_worker(url: str, tally: _Tally, start: threading.Barrier,
                  stop: threading.Event) -> None:
    engine = make_engine(url)
    try:
        with engine.connect():
            pass
        start.wait(timeout=60)
        while not stop.is_set():
            with unit_of_work_on(engine) as session:
                moved = expiry.expire_unmatched(session)
            with tally.lock:
                tally.swept += moved
                tally.sweeps += 1
            time.sleep(0.002)
    finally:
        engine.dispose()


def _staggered_deadlines(agent: rh.Agent, *, requests: int) -> dict[str, datetime]:
    """Seed `requests` matching requests, then give each its own deadline, 10 ms apart."""
    first = now() + timedelta(seconds=1)
    ids = rh.seed_matching_requests(agent, count=requests, price_cents=PRICE_CENTS, deadline=first)
    deadlines = {request_id: first + index * DEADLINE_STEP for index, request_id in enumerate(ids)}
    with unit_of_work() as session:
        for request_id, deadline in deadlines.items():
            session.execute(update(Request).where(Request.id == request_id).values(match_deadline_at=deadline))
    return deadlines


def _matching_left(request_ids: list[str]) -> int:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(func.count()).select_from(Request).where(
            Request.id.in_(request_ids), Request.status == "matching")).scalar_one()


def _expiry_against_accept(url: str, *, requests: int) -> None:
    # Given `requests` matching requests whose match deadlines follow each other every 10 ms,
    # and three operators who each try every request within ±20 ms of its deadline
    operators = w.make_operators(count=3)
    agent = w.make_agent(funded_cents=requests * PRICE_CENTS)
    deadlines = _staggered_deadlines(agent, requests=requests)
    rng = random.Random(5)
    schedules = [[(deadline.timestamp() + rng.uniform(-JITTER_SECONDS, JITTER_SECONDS), request_id)
                  for request_id, deadline in deadlines.items()] for _ in operators]
    ids = list(deadlines)
    tally, stop = _Tally(), threading.Event()
    start = threading.Barrier(len(operators) + 2)
    started = time.perf_counter()

    # When accepts and two expiry sweepers run across the deadline
    with ThreadPoolExecutor(max_workers=len(operators) + 2) as pool:
        sweepers = [pool.submit(_sweep_worker, url, tally, start, stop) for _ in range(2)]
        accepters = [pool.submit(_accept_worker, url, operator, sorted(schedule), tally, start)
                     for operator, schedule in zip(operators, schedules, strict=True)]
        for future in accepters:
            future.result(timeout=120)
        while _matching_left(ids) and time.perf_counter() - started < 60:
            time.sleep(0.01)
        stop.set()
        for future in sweepers:
            future.result(timeout=60)
    seconds = time.perf_counter() - started

    # Then every request is in exactly one of {in_progress, expired} …
    final = rh.statuses(ids)
    outcomes = Counter(final.values())
    assert set(outcomes) <= {"in_progress", "expired"}, outcomes
    refunds = rh.refunds_per_request()
    for request_id, status in final.items():
        if status == "expired":
            # … expired ⇒ exactly one refund
            assert refunds.get(request_id) == 1, (request_id, refunds.get(request_id))
        else:
            assert request_id not in refunds and tally.accepted[request_id] == 1, request_id
    assert sum(tally.accepted.values()) == outcomes["in_progress"]
    assert max(tally.accepted.values(), default=1) == 1
    assert tally.swept == outcomes["expired"]
    assert w.count(WorkAssignment) == outcomes["in_progress"]
    assert rh.escrow_cents(agent) == outcomes["in_progress"] * PRICE_CENTS
    assert rh.available_cents(agent) == outcomes["expired"] * PRICE_CENTS
    assert_ledger_balanced()
    print(f"expiry vs accept on {requests} requests: {dict(outcomes)}, refusals {dict(tally.refusals)}, "
          f"{tally.sweeps} sweeps, {seconds:.2f}s")


def test_expiry_racing_accepts_at_the_deadline_ends_each_request_once(database):
    _expiry_against_accept(database, requests=RACE_REQUESTS)


@pytest.mark.slow
@pytest.mark.parametrize("round_", range(5))
def test_expiry_racing_accepts_at_scale(database, round_):
    _expiry_against_accept(database, requests=SLOW_RACE_REQUESTS)
