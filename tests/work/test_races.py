"""Races on accept: 64 operators accept one request at once (exactly one winner, the rest 409
`invalid_state`), and RELIABILITY 5 — accepts against the expiry sweep at the match deadline:
every request ends in exactly one of {in_progress, expired}, and expired ⇒ exactly one refund.

Threads on PostgreSQL are real concurrency. On SQLite one process has one connection, so the
accept burst also runs across OS processes, and the expiry race gives every thread its own
engine (its own connection): SQLite then serialises the writers, and the invariant must hold.

In the expiry race every request is contested: accepts read the clock 1 ms before the shared
match deadline and the sweeps 1 ms after it (each module's `now` is pinned), so on every
request both sides are entitled to win and only the database's conditional updates decide —
whatever the machine's load. The default size keeps CI under 30 s; `-m slow` runs 500
requests, five times.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace_app.core import clock
from marketplace_app.core.clock import now
from marketplace_app.core.db import make_engine, unit_of_work
from marketplace_app.core.errors import Expired, InvalidState
from marketplace_app.earnings.models import Earning
from marketplace_app.requests import expiry
from marketplace_app.requests import service as requests
from marketplace_app.requests.models import Request
from marketplace_app.work import service as work
from marketplace_app.work import timers
from marketplace_app.work.models import WorkAssignment
from marketplace_app.work.verification import Submission, Verdict
from tests.conftest import ON_POSTGRES
from tests.ledger.helpers import assert_ledger_balanced, race, unit_of_work_on
from tests.requests import helpers as rh
from tests.support import assert_error
from tests.work import helpers as w

ACCEPTERS = 64
RACE_REQUESTS = 200
SLOW_RACE_REQUESTS = 500
PRICE_CENTS = 100
SWEEP_BATCH = 3


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


@pytest.mark.skipif(ON_POSTGRES, reason="threads already race on separate PostgreSQL connections")
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


def _submit_in(session, operator: w.Operator, request_id: str):
    """The write half of `flows.submit_work` (a perfect verdict), on the contender's own session."""
    return work.submit(session, operator_id=operator.user_id, request_id=request_id, file_ids=[],
                       submission=Submission(answer=w.GOOD_ANSWER, confidence="high"), verdict=Verdict())["status"]


def test_concurrent_submits_of_the_same_work_complete_it_once(database):
    # given work in progress
    operator = w.make_operator()
    agent = w.make_agent()
    request_id = w.create(agent)["id"]
    w.accept(operator, request_id)

    # when the operator's submit arrives ten times at once (double clicks, retries)
    result = race(database, contenders=10, action=lambda session, _index: _submit_in(session, operator, request_id))

    # then one completes it; the escrow posts once and one earning exists
    assert result.kinds() == {"ok": 1, "StateConflict": 9}, result.outcomes
    assert rh.transfers(kind="escrow_post", reference_id=request_id) == 1
    assert w.count(Earning) == 1
    assert w.pending_cents(operator.user_id) == w.REWARD_CENTS
    assert_ledger_balanced()


def test_a_submit_racing_the_work_window_sweep_at_the_deadline_ends_one_way(database):
    # given work whose window ends now
    clock.freeze(w.T0)
    operator = w.make_operator()
    agent = w.make_agent()
    request_id = w.create(agent)["id"]
    w.accept(operator, request_id)
    clock.advance(timedelta(minutes=15) * 150 // 100)

    # when submits and sweeps run at once
    def act(session, index):
        if index % 2:
            return timers.enforce_work_window(session)
        return _submit_in(session, operator, request_id)

    result = race(database, contenders=10, action=act)

    # then submits and sweeps were in flight together, and either the work was handed in (and paid)
    # or it went back to matching — never both
    assert {index % 2 for index in result.together} == {0, 1}, result.together
    row = rh.request_row(request_id)
    (item,) = w.in_unit(lambda session: work.my_work(session, operator_id=operator.user_id))
    if row["status"] == "completed":
        assert (item["outcome"], rh.transfers(kind="escrow_post", reference_id=request_id)) == ("submitted", 1)
    else:
        assert (row["status"], row["operator_id"], item["outcome"]) == ("matching", None, "timed_out"), result
        assert rh.transfers(kind="escrow_post", reference_id=request_id) == 0
    assert rh.refunds_per_request() == {}
    assert_ledger_balanced()


def test_accepts_racing_the_agents_cancel_refund_at_most_once(database):
    # given a matching request and ten operators
    agent = w.make_agent()
    request_id = w.create(agent)["id"]
    operators = w.make_operators(count=10)
    context = agent.context()

    # when ten accepts and ten cancels arrive at once
    def act(session, index):
        if index % 2:
            return requests.cancel_request(session, ctx=context, request_id=request_id)["status"]
        return work.accept(session, operator_id=operators[index // 2].user_id, request_id=request_id)["status"]

    result = race(database, contenders=20, action=act)

    # then accepts and cancels were in flight together; one accept at most won, and the request is
    # refunded exactly when it ended cancelled
    assert {index % 2 for index in result.together} == {0, 1}, result.together
    outcomes = Counter(o if isinstance(o, str) else type(o).__name__ for o in result.outcomes)
    assert outcomes["in_progress"] <= 1 and outcomes["cancelled"] <= 1, outcomes
    status = rh.request_row(request_id)["status"]
    assert status in ("cancelled", "in_progress")
    assert rh.refunds_per_request() == ({request_id: 1} if status == "cancelled" else {})
    assert rh.escrow_cents(agent) == (0 if status == "cancelled" else w.PRICE_CENTS)
    assert_ledger_balanced()


@dataclass
class _Tally:
    """What the contenders saw, shared between threads."""

    accepted: Counter[str] = field(default_factory=Counter)
    refusals: Counter[str] = field(default_factory=Counter)
    expired_one_by_one: int = 0
    expired_in_batches: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, counter: str, key: str | int) -> None:
        with self.lock:
            if counter in ("accepted", "refusals"):
                getattr(self, counter)[key] += 1
            else:
                setattr(self, counter, getattr(self, counter) + key)


def _contend(url: str, start: threading.Barrier, work_loop) -> None:
    """Run `work_loop(engine)` on a fresh engine (its own connection), released by `start`."""
    engine = make_engine(url)
    try:
        with engine.connect():
            pass
        start.wait(timeout=60)
        work_loop(engine)
    finally:
        engine.dispose()


def _accepts(operator: w.Operator, order: list[str], tally: _Tally):
    def loop(engine) -> None:
        for request_id in order:
            try:
                with unit_of_work_on(engine) as session:
                    work.accept(session, operator_id=operator.user_id, request_id=request_id)
                tally.add("accepted", request_id)
            except (Expired, InvalidState) as exc:
                tally.add("refusals", type(exc).__name__)
    return loop


def _expire_one_by_one(order: list[str], tally: _Tally):
    """Expire each request on its own, as a read that finds it overdue does."""
    def loop(engine) -> None:
        for request_id in order:
            with unit_of_work_on(engine) as session:
                tally.add("expired_one_by_one", expiry.expire_unmatched(session, request_ids=[request_id]))
    return loop


def _sweep_in_batches(tally: _Tally, ids: list[str]):
    """The scheduled sweep, in small batches, until nothing is left matching."""
    def loop(engine) -> None:
        while _matching_left(ids):
            with unit_of_work_on(engine) as session:
                tally.add("expired_in_batches", expiry.expire_unmatched(session, limit=SWEEP_BATCH))
    return loop


def _matching_left(request_ids: list[str]) -> int:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(func.count()).select_from(Request).where(
            Request.id.in_(request_ids), Request.status == "matching")).scalar_one()


def _expiry_against_accept(url: str, monkeypatch: pytest.MonkeyPatch, *, requests: int) -> None:
    # Given `requests` matching requests with one match deadline, accepts that read the clock
    # 1 ms before it and sweeps that read it 1 ms after it
    operators = w.make_operators(count=2)
    agent = w.make_agent(funded_cents=requests * PRICE_CENTS)
    deadline = now() + timedelta(hours=1)
    ids = rh.seed_matching_requests(agent, count=requests, price_cents=PRICE_CENTS, deadline=deadline)
    monkeypatch.setattr(work, "now", lambda: deadline - timedelta(milliseconds=1))
    monkeypatch.setattr(expiry, "now", lambda: deadline + timedelta(milliseconds=1))
    # The first operator and the reader walk the same order, the second operator the reverse, so
    # they meet on the same requests at the same moments; the batch sweep takes whatever is left.
    order = random.Random(requests).sample(ids, len(ids))
    tally = _Tally()
    loops = [_accepts(operators[0], order, tally), _expire_one_by_one(order, tally),
             _accepts(operators[1], order[::-1], tally), _sweep_in_batches(tally, ids)]
    start = threading.Barrier(len(loops))
    started = time.perf_counter()

    # When two operators accept, a reader expires one by one and the sweep runs, all at once
    with ThreadPoolExecutor(max_workers=len(loops)) as pool:
        for future in [pool.submit(_contend, url, start, loop) for loop in loops]:
            future.result(timeout=240)
    seconds = time.perf_counter() - started

    # Then every request is in exactly one of {in_progress, expired} …
    final = rh.statuses(ids)
    outcomes = Counter(final.values())
    assert set(outcomes) == {"in_progress", "expired"}, outcomes  # both sides won somewhere: they raced
    refunds = rh.refunds_per_request()
    for request_id, status in final.items():
        if status == "expired":
            # … expired ⇒ exactly one refund, and nobody got it
            assert (refunds.get(request_id), tally.accepted[request_id]) == (1, 0), request_id
        else:
            # … in progress ⇒ exactly one winner and no refund
            assert (request_id in refunds, tally.accepted[request_id]) == (False, 1), request_id
    assert sum(tally.accepted.values()) == outcomes["in_progress"]
    assert tally.expired_one_by_one + tally.expired_in_batches == outcomes["expired"]
    assert sum(tally.refusals.values()) == 2 * requests - outcomes["in_progress"]
    assert w.count(WorkAssignment) == outcomes["in_progress"]
    assert rh.escrow_cents(agent) == outcomes["in_progress"] * PRICE_CENTS
    assert rh.available_cents(agent) == outcomes["expired"] * PRICE_CENTS
    assert_ledger_balanced()
    print(f"expiry vs accept on {requests} requests: {dict(outcomes)}; refusals {dict(tally.refusals)}; "
          f"expired {tally.expired_one_by_one} one by one, {tally.expired_in_batches} in batches; {seconds:.2f}s")


def test_expiry_racing_accepts_at_the_deadline_ends_each_request_once(database, monkeypatch):
    _expiry_against_accept(database, monkeypatch, requests=RACE_REQUESTS)


@pytest.mark.slow
@pytest.mark.parametrize("round_", range(5))
def test_expiry_racing_accepts_at_scale(database, monkeypatch, round_):
    _expiry_against_accept(database, monkeypatch, requests=SLOW_RACE_REQUESTS)
