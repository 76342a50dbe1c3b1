"""The scheduler on the real clock: a live 1-minute request nobody accepts is expired and
refunded within two minutes without anyone reading it (slow: it waits for real)."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select

from marketplace_app.companies.keys import authenticate_key
from marketplace_app.core.db import unit_of_work
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.health import ledger_health
from marketplace_app.requests import service as requests
from marketplace_app.requests.models import Request
from marketplace_app.requests.schemas import RequestCreate
from marketplace_app.scheduler.runner import scheduler_lifespan
from marketplace_app.settings import get_settings
from tests import factories

pytestmark = pytest.mark.slow
DEADLINE_SECONDS = 120


def status_of(request_id: str) -> str:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(Request.status).where(Request.id == request_id)).scalar_one()


async def test_an_unmatched_1min_request_expires_and_refunds_within_two_minutes(monkeypatch):
    # given the scheduler enabled and a funded company whose agent asks for a 1min request
    monkeypatch.setenv("SCHEDULER_ENABLED", "true")
    get_settings.cache_clear()
    with unit_of_work() as session:
        company = factories.make_company(session)
        project = factories.make_project(session, company=company)
        secret = factories.make_key(session, project=project)
        factories.fund(session, company=company, cents=1000)
    with unit_of_work() as session:
        agent = authenticate_key(session, secret)
        row = requests.create_request(session, ctx=agent, body=RequestCreate(
            skill="research", urgency="1min", duration="15min", context="Find the opening hours", max_price="8.00EUR"))
    started = time.monotonic()

    # when the backend's scheduler runs on the real clock and nobody reads the request
    async with scheduler_lifespan():
        while time.monotonic() - started < DEADLINE_SECONDS and status_of(row["id"]) == "matching":
            await asyncio.sleep(1)
    elapsed = time.monotonic() - started

    # then it expired in time, the escrow came back once, and the ledger balances
    assert status_of(row["id"]) == "expired", f"still matching after {elapsed:.0f}s"
    assert elapsed < DEADLINE_SECONDS
    with unit_of_work(read_only=True) as session:
        assert ledger.balance_cents(session, factories.companies.available_account(company.id)) == 1000
        assert ledger.balance_cents(session, factories.companies.escrow_account(company.id)) == 0
        assert ledger_health(session).ok
    print(f"expired and refunded {elapsed:.0f}s after creation")
