"""Reading payouts for staff pages: the queue waiting to be sent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace_app.earnings.models import Payout, PayoutStatus

PAYOUTS = Payout.__table__


@dataclass(frozen=True, slots=True)
class PayoutQueue:
    """Requested payouts not yet settled: how many, and how much in all."""

    count: int
    amount_cents: int


def waiting_payouts(session: Session) -> PayoutQueue:
    """The payouts staff (or the provider) still have to settle."""
    count, total = session.execute(select(func.count(), func.coalesce(func.sum(PAYOUTS.c.amount_cents), 0))
                                   .where(PAYOUTS.c.status == PayoutStatus.requested)).one()
    return PayoutQueue(count=int(count), amount_cents=int(total))
