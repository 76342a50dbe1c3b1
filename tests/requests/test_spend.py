"""The budget and spend rollups (`requests/spend.py`): always equal to a recount from the request
table, whatever happened; what the fee tier's window counts; creates that read no history;
migration 0012 backfills them from the requests already there."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from alembic.command import downgrade, upgrade
from sqlalchemy import event, select

from marketplace_app.core import clock
from marketplace_app.core.db import get_engine, unit_of_work
from marketplace_app.requests import expiry, spend
from marketplace_app.requests import status as machine
from marketplace_app.requests.models import Request, RequestStatus
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import helpers as h
from tests.test_migrations import alembic_config

REQUESTS = "/v1/requests"
# Two days before a month ends, so the random walk crosses days and a month boundary.
T0 = datetime(2026, 1, 30, 21, 0, tzinfo=UTC)
STEPS = 120
S = RequestStatus


def _rollups_match_a_recount() -> tuple[spend.Totals, spend.Totals]:
    with unit_of_work(read_only=True) as session:
        counted = spend.recount(session)
        assert spend.stored(session) == counted
    return counted


def _requests_in(*statuses: RequestStatus) -> list[str]:
    with unit_of_work(read_only=True) as session:
        return sorted(session.execute(select(Request.id).where(Request.status.in_(statuses))).scalars())


class RandomWalk:
    """Random operations on the requests of three keys: live and test on one project, live on another."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.api = h.client()
        live = h.make_agent(funded_cents=1_000_000)
        self.agents = [live, h.add_key(live, mode="test"), h.add_project_agent(live)]

    def step(self) -> str:
        name = self.rng.choice(["create", "create", "create", "cancel", "expire", "accept", "complete",
                                "dispute", "later"])
        getattr(self, name)()
        return name

    def _pick(self, *statuses: RequestStatus) -> str | None:
        ids = _requests_in(*statuses)
        return self.rng.choice(ids) if ids else None

    def create(self) -> None:
        agent = self.rng.choice(self.agents)
        body = h.request_body(max_price=f"{self.rng.randint(1, 9)}.00EUR", urgency="1min")
        assert self.api.post(REQUESTS, json=body, headers=agent.headers()).status_code == 201

    def cancel(self) -> None:
        if request_id := self._pick(S.matching, S.in_progress):
            row = h.request_row(request_id)
            agent = next(agent for agent in self.agents
                         if (agent.project_id, agent.key_id) == (row["project_id"], row["api_key_id"]))
            # Refused once past the grace period after acceptance: then nothing may change either.
            self.api.post(f"{REQUESTS}/{request_id}/cancel", headers=agent.headers())

    def expire(self) -> None:
        clock.advance(timedelta(minutes=self.rng.randint(1, 3)))
        with unit_of_work() as session:
            expiry.expire_unmatched(session)

    def accept(self) -> None:
        if request_id := self._pick(S.matching):
            h.accept_by_hand(request_id)

    def complete(self) -> None:
        if request_id := self._pick(S.in_progress):
            h.complete_by_hand(request_id)

    def dispute(self) -> None:
        if request_id := self._pick(S.completed):
            with unit_of_work() as session:
                machine.transition(session, request_id=request_id, to=S.disputed, sources=[S.completed],
                                   actor=machine.SYSTEM, note="disputed")

    def later(self) -> None:
        clock.advance(timedelta(hours=self.rng.randint(1, 20)))


def test_the_rollups_equal_a_recount_after_every_one_of_many_random_operations():
    # given three keys of one company and the clock two days before a month ends
    clock.freeze(T0)
    walk = RandomWalk(seed=1207)

    # when random creates, cancels, expiries, accepts, completions, disputes and days passing happen,
    # then after every one of them both rollups equal a recount from the requests
    done, budget_days, spend_days = [], set(), set()
    for _ in range(STEPS):
        done.append(walk.step())
        budget, completed = _rollups_match_a_recount()
        budget_days |= set(budget)
        spend_days |= set(completed)
    assert set(done) == {"create", "cancel", "expire", "accept", "complete", "dispute", "later"}
    assert len(budget_days) > 3 and spend_days, "the walk counted too little to prove anything"
    assert_ledger_balanced()


def test_the_fee_tier_counts_today_and_the_30_days_before():
    # given requests completed 30 days and 31 days before today (UTC)
    clock.freeze(T0)
    agent = h.make_agent(funded_cents=100_000)
    api = h.client()
    old, older = (h.created(api.post(REQUESTS, json=h.request_body(max_price=price), headers=agent.headers()))
                  for price in ("3.00EUR", "5.00EUR"))
    clock.freeze(T0 - timedelta(days=31))
    h.complete_by_hand(older)
    clock.freeze(T0 - timedelta(days=30, hours=20))
    h.complete_by_hand(old)

    # when read at T0
    clock.freeze(T0)
    with unit_of_work(read_only=True) as session:
        trailing = spend.trailing_spend_cents(session, agent.company_id, mode="live")

    # then only the one inside the window counts
    assert trailing == 300


@contextmanager
def _selects_from(table: str) -> Iterator[list[str]]:
    seen: list[str] = []
    pattern = re.compile(rf'\bFROM\s+"?{table}"?(\s|$)', re.IGNORECASE)

    def listen(_conn, _cursor, statement, _parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT") and pattern.search(statement):
            seen.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", listen)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listen)


def test_a_create_with_budgets_reads_no_request_history():
    # given a project with both budgets and a company with completed and open requests
    agent = h.make_agent(funded_cents=100_000, daily_budget_cents=50_000, monthly_budget_cents=90_000)
    api = h.client()
    finished = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers()))
    h.complete_by_hand(finished)
    h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers()))

    # when one more is created
    with _selects_from("request") as history_reads:
        response = api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers())

    # then it was priced and budgeted from the rollups alone
    assert response.status_code == 201, response.text
    assert history_reads == []
    with unit_of_work(read_only=True) as session:
        assert spend.budget_used_cents(session, agent.project_id, mode="live") == (2_400, 2_400)
        assert spend.trailing_spend_cents(session, agent.company_id, mode="live") == 800


def test_migration_0012_backfills_both_rollups_from_the_requests_there(database):
    # given requests in every budget-relevant state, created before the rollups existed
    clock.freeze(T0)
    agent = h.make_agent(funded_cents=100_000)
    api = h.client()
    ids = [h.created(api.post(REQUESTS, json=h.request_body(max_price=f"{n}.00EUR"), headers=agent.headers()))
           for n in range(1, 6)]
    api.post(f"{REQUESTS}/{ids[0]}/cancel", headers=agent.headers())
    h.complete_by_hand(ids[1])
    h.complete_by_hand(ids[2])
    with unit_of_work() as session:
        machine.transition(session, request_id=ids[2], to=S.disputed, sources=[S.completed], actor=machine.SYSTEM)
    get_engine().dispose()

    # when the schema goes back to 0011 and forward again
    downgrade(alembic_config(database), "0011")
    upgrade(alembic_config(database), "head")

    # then the backfilled rollups are the recount
    with unit_of_work(read_only=True) as session:
        budget, completed = spend.stored(session)
        assert (budget, completed) == spend.recount(session)
    assert budget == {(agent.project_id, "live", T0.date()): 1400}
    assert completed == {(agent.company_id, "live", T0.date()): 200}
