"""The money a dispute resolution moves, only through the ledger.

Escrow still held (verification failed or review rejected): the hold is posted (reward to the
operator's pending, fee to revenue, any refund back to the company) or voided. Request already
completed: the frozen reward and the fee come back to the company by one refund transfer, and the
earning shrinks (or is clawed back). A split refund is taken from reward and fee in proportion, by
largest remainder.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from marketplace_app.companies.service import available_account
from marketplace_app.core.money import split_largest_remainder
from marketplace_app.disputes.models import MoneyState, Resolution
from marketplace_app.earnings import accounts
from marketplace_app.earnings import service as earnings
from marketplace_app.earnings.models import Earning, EarningStatus
from marketplace_app.ledger import service as ledger
from marketplace_app.requests.models import Request

REQUESTS = Request.__table__
EARNINGS = Earning.__table__


def small_claim_refund(price_cents: int) -> int:
    """Half the price back to the company. The kept half is listed first, so on an odd price the work
    side keeps the odd cent (the floor of half is refunded)."""
    _kept, refund = split_largest_remainder(price_cents, [1, 1])
    return refund


def refund_shares(refund_cents: int, *, reward_cents: int, fee_cents: int) -> tuple[int, int]:
    """How much of a refund comes back from the reward and how much from the fee.

    In proportion to the two, by largest remainder (the reward is listed first, so it gives the
    odd cent on a tie); each share stays within its part when the refund is at most the price.

    Returns:
        `(from_reward_cents, from_fee_cents)`, summing exactly to `refund_cents`.
    """
    if refund_cents == 0:
        return 0, 0  # also a free request's: there is nothing to weigh the refund by
    from_reward, from_fee = split_largest_remainder(refund_cents, [reward_cents, fee_cents])
    return from_reward, from_fee


def settle(session: Session, dispute: Mapping[str, Any], resolution: Resolution, refund: int) -> None:
    """Move the money a resolution decides, in the caller's transaction (the resolution itself is the
    conditional status update that makes this run once)."""
    if dispute["money_state"] == MoneyState.none:
        return
    request = session.execute(select(REQUESTS).where(REQUESTS.c.id == dispute["request_id"])).mappings().one()
    price, fee = request["max_price_cents"], request["fee_cents"]
    reward = price - fee
    reward_back, fee_back = refund_shares(refund, reward_cents=reward, fee_cents=fee)
    operator = request["operator_id"]
    reason = f"Dispute {dispute['id']} on request {request['id']}: {resolution}"
    if dispute["money_state"] == MoneyState.held:
        if resolution is Resolution.full_refund:
            ledger.void_hold(session, hold_id=request["hold_id"], reason=reason)
            return
        ledger.post_hold(session, hold_id=request["hold_id"], reason=reason, payees=[
            (accounts.operator_pending(operator), reward - reward_back), (accounts.PLATFORM_REVENUE, fee - fee_back)])
        if reward - reward_back > 0:
            earnings.record(session, operator_id=operator, request_id=request["id"], amount_cents=reward - reward_back)
        return
    # Posted: the reward sits frozen in the operator's pending; refunds come back from there and the fee.
    company = ledger.account_id(session, available_account(request["company_id"]))
    legs = [ledger.Leg(ledger.account_id(session, ref), company, amount) for ref, amount in (
        (accounts.operator_pending(operator), reward_back), (accounts.PLATFORM_REVENUE, fee_back)) if amount > 0]
    if legs:
        ledger.transfer(session, idempotency_key=f"dispute:{dispute['id']}:refund", kind="dispute_refund",
                        reason=reason, legs=legs, reference_type="request", reference_id=request["id"])
    remaining = reward - reward_back
    session.execute(update(EARNINGS).where(EARNINGS.c.request_id == request["id"],
                                           EARNINGS.c.status == EarningStatus.pending).values(
        amount_cents=remaining, frozen=False,
        **({"status": EarningStatus.clawed_back} if remaining == 0 else {})))
