"""Earnings: recorded on completion, released from `pending` to `available` after the
settlement hold by a set-based sweep, exactly once each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.core.ids import new_id
from marketplace_app.earnings import accounts
from marketplace_app.earnings.models import Earning, EarningStatus
from marketplace_app.ledger import service as ledger
from marketplace_app.settings import get_settings

EARNINGS = Earning.__table__


def record(session: Session, *, operator_id: str, request_id: str, amount_cents: int) -> datetime:
    """Note a reward that has just landed in the operator's `pending`; return when it becomes available."""
    available_on = now() + timedelta(days=get_settings().settlement_hold_days)
    session.execute(insert(EARNINGS).values(id=new_id("ern"), operator_id=operator_id, request_id=request_id,
                                            amount_cents=amount_cents, status=EarningStatus.pending, frozen=False,
                                            created_at=now(), available_on=available_on))
    return available_on


def batch_size() -> int:
    """Earnings released per sweep transaction (a setting, read when the sweep runs)."""
    return get_settings().sweep_batch_rows


def release_due(session: Session, *, limit: int | None = None) -> int:
    """Move every due, unfrozen pending earning to available (one batch); return how many."""
    due = select(EARNINGS.c.id).where(EARNINGS.c.status == EarningStatus.pending, EARNINGS.c.available_on <= now(),
                                      EARNINGS.c.frozen.is_(False)).order_by(EARNINGS.c.available_on)
    ids = list(session.execute(due.limit(limit or batch_size())).scalars())
    if not ids:
        return 0
    released = session.execute(update(EARNINGS).where(
        EARNINGS.c.id.in_(ids), EARNINGS.c.status == EarningStatus.pending, EARNINGS.c.frozen.is_(False),
    ).values(status=EarningStatus.available, released_at=now()).returning(
        EARNINGS.c.id, EARNINGS.c.operator_id, EARNINGS.c.request_id, EARNINGS.c.amount_cents)).all()
    # Two account lookups per operator in the batch, not per earning: a busy operator has many.
    wallets = {operator_id: (ledger.account_id(session, accounts.operator_pending(operator_id)),
                             ledger.account_id(session, accounts.operator_available(operator_id)))
               for operator_id in sorted({earning.operator_id for earning in released})}
    return ledger.transfer_many(session, [ledger.TransferSpec(
        idempotency_key=f"earning:{earning.id}:release", kind="settlement_release",
        reason=f"Settlement hold over for request {earning.request_id}",
        legs=[ledger.Leg(*wallets[earning.operator_id], earning.amount_cents)], reference_type="request",
        reference_id=earning.request_id) for earning in released])


@dataclass(frozen=True, slots=True)
class Summary:
    """An operator's money at a glance."""

    pending_cents: int
    available_cents: int
    in_payout_cents: int
    total_earned_cents: int


def summary(session: Session, *, operator_id: str) -> Summary:
    """Balances from the ledger, total from the earnings."""
    total = session.execute(select(func.coalesce(func.sum(EARNINGS.c.amount_cents), 0)).where(
        EARNINGS.c.operator_id == operator_id, EARNINGS.c.status != EarningStatus.clawed_back)).scalar_one()
    return Summary(
        pending_cents=ledger.balance_cents(session, accounts.operator_pending(operator_id)),
        available_cents=ledger.balance_cents(session, accounts.operator_available(operator_id)),
        in_payout_cents=ledger.balance_cents(session, accounts.operator_payout_escrow(operator_id)),
        total_earned_cents=int(total))


def list_earnings(session: Session, *, operator_id: str, limit: int = 50) -> list[Earning]:
    """The operator's earnings, newest first."""
    return list(session.execute(select(Earning).where(Earning.operator_id == operator_id)
                                .order_by(Earning.created_at.desc()).limit(limit)).scalars())


def daily_totals(session: Session, *, operator_id: str, since: datetime) -> list[tuple[str, int]]:
    """(YYYY-MM-DD, cents) earned per day since `since`, for the earnings chart."""
    rows = session.execute(select(EARNINGS.c.created_at, EARNINGS.c.amount_cents).where(
        EARNINGS.c.operator_id == operator_id, EARNINGS.c.created_at >= since,
        EARNINGS.c.status != EarningStatus.clawed_back)).all()
    totals: dict[str, int] = {}
    for created_at, amount in rows:
        day = created_at.date().isoformat()
        totals[day] = totals.get(day, 0) + amount
    return sorted(totals.items())
