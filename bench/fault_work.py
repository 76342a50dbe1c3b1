"""Due work for the fault benchmarks (`schedulers`, `kill9-money`) and the check that each item
was done exactly once, from the database and from the two loopback services.

A *world* is one funded company whose project has a webhook endpoint to a loopback sink, and one
operator paid through the loopback payout service. `add_work` makes, per unit: an unmatched
request due to expire (refund), an earning due for release (settlement), a requested payout
(payout), and — through the events those write — webhook deliveries (delivery).
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update

from bench.fixtures import Tenant, create_requests, make_tenant
from bench.payout_provider import FakePayoutProvider
from marketplace_app.companies.access import resolve_actor
from marketplace_app.companies.models import CompanyMember, MemberRole
from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.ids import new_id
from marketplace_app.earnings import accounts, payouts
from marketplace_app.earnings.models import Earning, EarningStatus, Payout
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.health import ledger_health
from marketplace_app.ledger.models import LedgerTransfer, OwnerType, Purpose
from marketplace_app.requests.models import Request, RequestEvent
from marketplace_app.webhooks import service as webhooks
from marketplace_app.webhooks.models import WebhookDelivery

EARNING_CENTS = 700
PAYOUT_CENTS = 1_000
FAR_FUTURE = timedelta(days=3650)
REQUESTS = Request.__table__
EARNINGS = Earning.__table__
_sequence = itertools.count(1)


@dataclass
class World:
    """Who the work belongs to, the ids of every item made, and the two loopback services."""

    tenant: Tenant
    operator_id: str
    provider: FakePayoutProvider
    expiring: list[str] = field(default_factory=list)
    earnings: list[str] = field(default_factory=list)
    payouts: list[str] = field(default_factory=list)


def make_world(*, sink_url: str, provider: FakePayoutProvider) -> tuple[World, str]:
    """A funded company with an endpoint to `sink_url`, and an operator; return it and the endpoint secret."""
    tenant = make_tenant(credit_cents=100_000_000)
    with unit_of_work() as session:
        owner = session.execute(select(CompanyMember.user_id).where(
            CompanyMember.company_id == tenant.company_id, CompanyMember.role == MemberRole.owner)).scalar_one()
        operator = identity.sign_up(session, identity.SignUp(
            email=f"faults-operator{next(_sequence)}@example.com", password="bench-password-0123",
            display_name="Fault Operator", role=Role.operator))
    with unit_of_work(read_only=True) as session:
        actor = resolve_actor(session, owner)
    saved = webhooks.create_endpoint(actor=actor, project_id=tenant.project_id, url=sink_url, types=None)
    assert saved.secret is not None
    return World(tenant=tenant, operator_id=operator.id, provider=provider), saved.secret


def add_work(world: World, count: int, *, due_at: datetime, earnings: bool = True) -> None:
    """`count` items of each kind (no earnings unless `earnings`), due at `due_at` (deliveries at once)."""
    created = create_requests(world.tenant, 2 * count if earnings else count, urgency="1min", per_transaction=count)
    expiring, earned = created[:count], created[count:]
    with unit_of_work() as session:
        session.execute(update(REQUESTS).where(REQUESTS.c.id.in_(expiring)).values(match_deadline_at=due_at))
        session.execute(update(REQUESTS).where(REQUESTS.c.id.in_(earned))
                        .values(match_deadline_at=now() + FAR_FUTURE))
        if earned:
            _deposit(session, accounts.operator_pending(world.operator_id), len(earned) * EARNING_CENTS)
        _deposit(session, accounts.operator_available(world.operator_id), count * PAYOUT_CENTS)
        ids = [new_id("ern") for _ in earned]
        if earned:
            session.execute(insert(EARNINGS), [
                {"id": earning_id, "operator_id": world.operator_id, "request_id": request_id,
                 "amount_cents": EARNING_CENTS, "status": EarningStatus.pending, "frozen": False,
                 "created_at": now(), "available_on": due_at}
                for earning_id, request_id in zip(ids, earned, strict=True)])
        made = [payouts.request_payout(session, operator_id=world.operator_id, amount_cents=PAYOUT_CENTS).id
                for _ in range(count)]
    world.expiring += expiring
    world.earnings += earned
    world.payouts += made


def _deposit(session, account: ledger.AccountRef, cents: int) -> None:
    source = ledger.account_id(session, ledger.AccountRef(OwnerType.external, "manual", Purpose.provider_clearing))
    ledger.transfer(session, idempotency_key=f"faults-deposit:{next(_sequence)}", kind="deposit",
                    reason="Fault benchmark money", legs=[ledger.Leg(source, ledger.account_id(session, account),
                                                                      cents)])


@dataclass(frozen=True, slots=True)
class Tally:
    """How many times each item was done: `done_twice` must be 0, `not_done` 0 once work has drained."""

    kind: str
    items: int
    done_once: int
    done_twice: int
    not_done: int

    @property
    def ok(self) -> bool:
        return self.done_twice == 0 and self.not_done == 0


def _tally(kind: str, ids: list[str], times: Counter[str]) -> Tally:
    return Tally(kind=kind, items=len(ids), done_once=sum(times[item] == 1 for item in ids),
                 done_twice=sum(times[item] > 1 for item in ids), not_done=sum(times[item] == 0 for item in ids))


def _per_reference(session, kind: str, ids: list[str]) -> Counter[str]:
    transfers = LedgerTransfer.__table__
    return Counter(dict(session.execute(select(transfers.c.reference_id, func.count()).where(
        transfers.c.kind == kind, transfers.c.reference_id.in_(ids)).group_by(transfers.c.reference_id)).all()))


def tally(world: World) -> list[Tally]:
    """Per kind of money step: items done once, twice (or more) and not at all."""
    timeline = RequestEvent.__table__
    with unit_of_work(read_only=True) as session:
        expired = Counter(dict(session.execute(select(timeline.c.request_id, func.count()).where(
            timeline.c.to_status == "expired", timeline.c.request_id.in_(world.expiring))
            .group_by(timeline.c.request_id)).all()))
        refunds = _per_reference(session, "escrow_void", world.expiring)
        released = _per_reference(session, "settlement_release", world.earnings)
        posted = _per_reference(session, "escrow_post", world.payouts)
        paid_rows = Counter(session.execute(select(Payout.__table__.c.id).where(
            Payout.__table__.c.id.in_(world.payouts), Payout.__table__.c.status == "paid")).scalars())
    checks = [("refund: expired line", world.expiring, expired), ("refund: void transfer", world.expiring, refunds),
              ("settlement: release transfer", world.earnings, released),
              ("payout: ledger post", world.payouts, posted), ("payout: status paid", world.payouts, paid_rows),
              ("payout: provider transfer", world.payouts, world.provider.paid_per_payout())]
    return [_tally(kind, ids, times) for kind, ids, times in checks]


def undelivered() -> int:
    """Webhook deliveries not yet `delivered`."""
    deliveries = WebhookDelivery.__table__
    with unit_of_work(read_only=True) as session:
        return session.execute(select(func.count()).select_from(deliveries).where(
            deliveries.c.status != "delivered")).scalar_one()


def ledger_ok() -> bool:
    """Whether `ledger_health()` holds."""
    with unit_of_work(read_only=True) as session:
        return ledger_health(session).ok
