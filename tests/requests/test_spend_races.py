"""The rollups under concurrency: creates, cancels and expiries of one project's requests at once
(real concurrency on PostgreSQL) leave both rollups equal to a recount, with no deadlock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.requests import spend
from marketplace_app.requests.models import RequestStatus
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import helpers as h

REQUESTS = "/v1/requests"
T0 = datetime(2026, 3, 10, 23, 59, tzinfo=UTC)
OVERDUE = 10
NEW = 20


def test_creates_cancels_and_expiries_at_once_keep_the_rollups_exact():
    # given 10 requests past their match window, a minute before midnight UTC
    clock.freeze(T0)
    agent = h.make_agent(funded_cents=100_000, daily_budget_cents=90_000)
    api = h.client()
    overdue = [h.created(api.post(REQUESTS, json=h.request_body(urgency="1min"), headers=agent.headers()))
               for _ in range(OVERDUE)]
    clock.advance(timedelta(minutes=2))

    # when 20 creates (on the next day), a cancel of each overdue request and a read of each
    # (a read expires an overdue request) arrive together
    calls = [("POST", REQUESTS, agent.headers(), h.SEED_BODY)] * NEW
    for request_id in overdue:
        calls.append(("POST", f"{REQUESTS}/{request_id}/cancel", agent.headers(), None))
        calls.append(("GET", f"{REQUESTS}/{request_id}", agent.headers(), None))
    result = h.burst(calls)

    # then every create succeeded, each overdue request ended once, cancelled or expired …
    codes = result.codes()
    assert codes[(201, None)] == NEW, codes
    assert set(codes) <= {(201, None), (200, None), (400, "invalid_state"), (409, "invalid_state")}, codes
    ended = h.statuses(overdue)
    assert set(ended.values()) <= {RequestStatus.cancelled, RequestStatus.expired}
    assert h.transfers(kind="escrow_void") == OVERDUE
    # … and the rollups are what a recount says: only the 20 new requests of the new day count
    with unit_of_work(read_only=True) as session:
        assert spend.stored(session) == spend.recount(session)
        assert spend.budget_used_cents(session, agent.project_id, mode="live") == (NEW * 800, NEW * 800)
    assert_ledger_balanced()
