"""RELIABILITY 21, the restart: the app is down for 10 minutes across due expiries, settlement
releases, webhook retries and a requested payout; on restart one sweep of the scheduler (every
registered job once) processes each of them exactly once, and a second sweep finds nothing; the
real scheduler, started again, takes over the crashed process's lapsed lease and does the same."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from bench.payout_provider import FakePayoutProvider
from marketplace_app.companies.access import resolve_actor
from marketplace_app.companies.models import CompanyMember, MemberRole
from marketplace_app.core import clock
from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from marketplace_app.earnings import payouts
from marketplace_app.earnings.models import Earning, Payout
from marketplace_app.requests.models import Request, RequestEvent
from marketplace_app.scheduler.jobs import JOBS
from marketplace_app.scheduler.leader import LEASE_NAME, LEASE_TTL, LEASES, holder_name
from marketplace_app.scheduler.models import SchedulerJob
from marketplace_app.scheduler.runner import run_job, scheduler_lifespan
from marketplace_app.webhooks import delivery
from marketplace_app.webhooks import service as webhooks
from marketplace_app.webhooks.models import WebhookAttempt, WebhookDelivery
from tests.ledger.helpers import assert_ledger_balanced, transfer_count
from tests.webhooks.receiver import Receiver
from tests.work import helpers as w

T0 = datetime(2030, 5, 6, 9, 0, tzinfo=UTC)
SETTLEMENT_HOLD = timedelta(days=7)
DOWN = timedelta(minutes=10)
COMPLETED = 3
UNMATCHED = 4
FIRST_RUNS_SECONDS = 60


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """A loopback webhook receiver that answers the endpoint's ping, then 500 until told otherwise."""
    w.set_setting(monkeypatch, "webhooks_allow_localhost", "1")
    started = Receiver(statuses=[200], status=500).start()
    yield started
    started.stop()


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePayoutProvider]:
    fake = FakePayoutProvider().start()
    w.set_setting(monkeypatch, "payout_provider", "http")
    w.set_setting(monkeypatch, "payout_provider_url", fake.url)
    yield fake
    fake.stop()


def subscribe(agent, url: str) -> None:
    """An endpoint of the agent's project for every event type (pinged through the service)."""
    with unit_of_work(read_only=True) as session:
        owner = session.execute(select(CompanyMember.user_id).where(
            CompanyMember.company_id == agent.company_id, CompanyMember.role == MemberRole.owner)).scalar_one()
        actor = resolve_actor(session, owner)
    webhooks.create_endpoint(actor=actor, project_id=agent.project_id, url=url, types=None)


def sweep() -> None:
    """What a restarted scheduler does first: every registered job once."""
    for job in JOBS:
        run_job(job, holder="restarted")


def counts(model, column, *conditions) -> Counter[str]:
    with unit_of_work(read_only=True) as session:
        return Counter(dict(session.execute(select(column, func.count()).select_from(model).where(*conditions)
                                            .group_by(column)).all()))


@dataclass(frozen=True, slots=True)
class DueWork:
    """What fell due while the app was down."""

    unmatched: list[str]
    payout_id: str


def down_for_10_minutes_across_due_work(receiver: Receiver) -> DueWork:
    """Rewards completed at T0; just before the app goes down (the settlement hold ends 2 minutes
    later): unmatched 1-minute requests, webhook deliveries whose first attempt failed (retry due
    in 5 minutes) and a requested payout. The crashed process's lease is left behind. Then 10
    minutes pass."""
    clock.freeze(T0)
    agent, operator = w.make_agent(funded_cents=100_000), w.make_operator()
    for _ in range(COMPLETED):
        w.completed_request(agent, operator)
    clock.freeze(T0 + SETTLEMENT_HOLD - timedelta(minutes=2))
    subscribe(agent, receiver.url)
    unmatched = [w.create(agent, urgency="1min")["id"] for _ in range(UNMATCHED)]
    assert delivery.deliver_due() == UNMATCHED
    w.give_available(operator.user_id, cents=5_000)
    payout = w.in_unit(lambda session: payouts.request_payout(session, operator_id=operator.user_id,
                                                              amount_cents=2_000))
    with unit_of_work() as session:
        session.execute(insert(LEASES).values(name=LEASE_NAME, holder="crashed:1", acquired_at=now(),
                                              renewed_at=now(), expires_at=now() + LEASE_TTL))
    receiver.status = 200
    clock.advance(DOWN)
    return DueWork(unmatched=unmatched, payout_id=payout.id)


def assert_each_done_exactly_once(work: DueWork, provider: FakePayoutProvider) -> None:
    assert counts(Request, Request.status, Request.id.in_(work.unmatched)) == {"expired": UNMATCHED}
    assert transfer_count(kind="escrow_void") == UNMATCHED
    assert counts(RequestEvent, RequestEvent.request_id, RequestEvent.to_status == "expired") == dict.fromkeys(
        work.unmatched, 1)
    assert counts(Earning, Earning.status) == {"available": COMPLETED}
    assert transfer_count(kind="settlement_release") == COMPLETED
    assert counts(WebhookDelivery, WebhookDelivery.status) == {"delivered": 2 * UNMATCHED}
    retried = counts(WebhookAttempt, WebhookAttempt.delivery_id)
    assert sorted(retried.values()) == [1] * UNMATCHED + [2] * UNMATCHED
    assert counts(Payout, Payout.status) == {"paid": 1}
    assert provider.calls == {f"payout:{work.payout_id}": 1}
    assert provider.paid_per_payout() == {work.payout_id: 1}
    assert_ledger_balanced()


def test_down_for_10_minutes_across_due_work_then_one_sweep_does_each_item_exactly_once(receiver, provider):
    # given the app down for 10 minutes across due expiries, releases, retries and a payout
    work = down_for_10_minutes_across_due_work(receiver)

    # when it comes back and the scheduler runs one sweep
    sweep()

    # then every due item was processed, each exactly once
    assert_each_done_exactly_once(work, provider)

    # when the next sweep runs, nothing of it happens again
    received = len(receiver.calls)
    sweep()
    assert len(receiver.calls) == received
    assert transfer_count(kind="escrow_post") == COMPLETED + 1
    assert_each_done_exactly_once(work, provider)


async def test_the_restarted_scheduler_takes_the_lapsed_lease_and_its_first_runs_do_everything(
        receiver, provider, monkeypatch):
    # given the app down for 10 minutes across due work, its crashed process's lease lapsed
    work = down_for_10_minutes_across_due_work(receiver)

    # when the backend starts again with its scheduler, until every job has run once (and the
    # deliveries of the expiries it made, which the next delivery tick sends, are out)
    w.set_setting(monkeypatch, "scheduler_enabled", "true")
    started = time.monotonic()
    async with scheduler_lifespan():
        while time.monotonic() - started < FIRST_RUNS_SECONDS and (
                len(heartbeats()) < len(JOBS) or counts(WebhookDelivery, WebhookDelivery.status)["pending"]):
            await asyncio.sleep(0.2)

    # then it led at once, every job ran, and each due item was done exactly once
    assert set(heartbeats()) == {job.name for job in JOBS}
    assert {beat.holder for beat in heartbeats().values()} == {holder_name()}
    assert_each_done_exactly_once(work, provider)


def heartbeats() -> dict[str, SchedulerJob]:
    with unit_of_work(read_only=True) as session:
        return {row.name: row for row in session.execute(select(SchedulerJob)).scalars()}
