"""Payouts from `available`: the amount is held (available → payout escrow) when the operator
asks, then posted to the provider's external account when paid, or voided back with a
reason when it fails. Each step is one conditional update plus one balanced transfer.

The provider is never called inside a transaction: `send_pending` (a scheduler job) picks
committed payouts not yet sent, calls the provider with the deterministic idempotency key
`payout:<id>` (so a crash and a second call never pay twice), then records its answer."""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlmodel import Session

from marketplace_app.audit import service as audit
from marketplace_app.companies.access import checked_id
from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import InsufficientFunds, InvalidState, NotFound, StateConflict, ValidationFailed
from marketplace_app.core.ids import new_id
from marketplace_app.core.money import display_money
from marketplace_app.earnings import accounts
from marketplace_app.earnings.models import Payout, PayoutStatus
from marketplace_app.earnings.providers import SendResult, current_provider
from marketplace_app.events import service as events
from marketplace_app.ledger import service as ledger
from marketplace_app.settings import get_settings

log = logging.getLogger(__name__)
PAYOUTS = Payout.__table__
SEND_BATCH = 50


def _money(cents: int) -> str:
    return display_money(cents, get_settings().currency)


def payout_refusal(available_cents: int) -> str | None:
    """Why the operator cannot ask for a payout now, in words, or None when it may.

    The page disables its form with this reason; `request_payout` refuses the same cases (below the
    minimum, more than available) when they reach it anyway.
    """
    minimum = get_settings().payout_minimum_cents
    if available_cents < minimum:
        return (f"You can request a payout once at least {_money(minimum)} is available; "
                f"you have {_money(available_cents)}.")
    return None


def where_payouts_go() -> str:
    """Where a payout goes and how long it takes, for the payout form."""
    settings = get_settings()
    if current_provider().name == "manual":
        days = settings.manual_payout_business_days
        return (f"Handoff staff send payouts by bank transfer within {days} business "
                f"day{'s' if days != 1 else ''} of your request.")
    return f"Payouts are sent through {settings.payment_provider}."


def request_payout(session: Session, *, operator_id: str, amount_cents: int) -> Payout:
    """Hold `amount_cents` of the operator's available balance for a new payout.

    Raises:
        ValidationFailed: Below the minimum.
        InsufficientFunds: More than available (message names the available balance).
    """
    minimum = get_settings().payout_minimum_cents
    if amount_cents < minimum:
        raise ValidationFailed(f"The minimum payout is {_money(minimum)}")
    provider = current_provider()
    payout = Payout(id=new_id("po"), operator_id=operator_id, amount_cents=amount_cents, provider=provider.name)
    session.add(payout)
    session.flush()
    try:
        ledger.place_hold(session, hold_id=f"hold_{payout.id}", source=accounts.operator_available(operator_id),
                          escrow=accounts.operator_payout_escrow(operator_id), amount_cents=amount_cents,
                          reason=f"Payout {payout.id} requested", reference_type="payout", reference_id=payout.id)
    except InsufficientFunds as exc:
        raise InsufficientFunds(f"You can pay out at most {_money(exc.balance_cents)} (your available balance)",
                                account_id=exc.account_id, balance_cents=exc.balance_cents) from exc
    _event(session, payout, "payout.requested")
    return payout


def send_pending(limit: int = SEND_BATCH) -> int:
    """Hand committed, unsent payouts to their provider and record what it said; return how many it answered.

    A payout the provider gives no answer for (or whose adapter raises) stays due and the batch goes
    on: the next try sends the same idempotency key, so a provider that did pay does not pay again.
    """
    with unit_of_work(read_only=True) as session:
        due = session.execute(select(PAYOUTS.c.id, PAYOUTS.c.operator_id, PAYOUTS.c.amount_cents).where(
            PAYOUTS.c.status == PayoutStatus.requested, PAYOUTS.c.provider_reference.is_(None))
            .order_by(PAYOUTS.c.created_at).limit(limit)).all()
    provider = current_provider()
    answered = 0
    for payout in due:
        try:
            result = provider.send(payout_id=payout.id, operator_id=payout.operator_id,
                                   amount_cents=payout.amount_cents, idempotency_key=f"payout:{payout.id}")
        except Exception:  # one payout's provider trouble must not strand the payouts after it
            log.exception("payout %s: the provider gave no answer; it stays due", payout.id)
            continue
        _record_answer(provider.name, payout.id, result)
        answered += 1
    return answered


def _record_answer(provider_name: str, payout_id: str, result: SendResult) -> None:
    """Store the provider's reference and settle the payout as it said, in one transaction."""
    with unit_of_work() as session:
        session.execute(update(PAYOUTS).where(PAYOUTS.c.id == payout_id, PAYOUTS.c.provider_reference.is_(None))
                        .values(provider_reference=result.reference or f"{provider_name}:{payout_id}"))
        try:
            if result.state == "paid":
                mark_paid(session, payout_id=payout_id, staff_id=provider_name)
            elif result.state == "failed":
                mark_failed(session, payout_id=payout_id, staff_id=provider_name,
                            reason=result.failure_reason or "the provider refused the payout")
        except InvalidState:
            pass  # staff settled it meanwhile; theirs stands


def mark_paid(session: Session, *, payout_id: str, staff_id: str, by_staff: bool = False) -> Payout:
    """Settle a requested payout: the held money leaves to the provider, exactly once.

    `by_staff`: a person decided it (the staff doors), so it goes to the audit log with their id.
    """
    payout = _resolve(session, payout_id=payout_id, status=PayoutStatus.paid, staff_id=staff_id, reason=None,
                      by_staff=by_staff)
    ledger.post_hold(session, hold_id=f"hold_{payout.id}", payees=[(accounts.provider_payouts(payout.provider),
                                                                    payout.amount_cents)],
                     reason=f"Payout {payout.id} paid")
    _event(session, payout, "payout.paid")
    return payout


def mark_failed(session: Session, *, payout_id: str, staff_id: str, reason: str, by_staff: bool = False) -> Payout:
    """Fail a requested payout: the held money returns to available, with the reason, exactly once.

    `by_staff`: a person decided it (the staff doors), so it goes to the audit log with their id.
    """
    if not reason or not reason.strip():
        raise ValidationFailed("A failed payout needs a reason the operator can act on")
    payout = _resolve(session, payout_id=payout_id, status=PayoutStatus.failed, staff_id=staff_id, reason=reason,
                      by_staff=by_staff)
    ledger.void_hold(session, hold_id=f"hold_{payout.id}", reason=f"Payout {payout.id} failed: {reason.strip()}")
    _event(session, payout, "payout.failed", reason=reason.strip()[:300])
    return payout


def _event(session: Session, payout: Payout, event_type: str, **extra: str) -> None:
    """Payout events belong to the operator (no project): dashboards see them, webhooks do not."""
    data = {"payout_id": payout.id, "operator_id": payout.operator_id, "amount_cents": payout.amount_cents,
            "status": payout.status, **extra}
    events.emit(session, [events.NewEvent(type=event_type, project_id=None, company_id=None,
                                          operator_id=payout.operator_id, data=data)])


def _resolve(session: Session, *, payout_id: str, status: PayoutStatus, staff_id: str, reason: str | None,
             by_staff: bool) -> Payout:
    checked_id(payout_id, "Payout")  # a NUL byte would make PostgreSQL fail the query instead
    claimed = session.execute(update(PAYOUTS).where(
        PAYOUTS.c.id == payout_id, PAYOUTS.c.status == PayoutStatus.requested,
    ).values(status=status, failure_reason=(reason or "").strip()[:500] or None, resolved_at=now(),
             resolved_by=staff_id)).rowcount
    payout = session.get(Payout, payout_id)
    if payout is None:
        raise NotFound(f"Payout {payout_id} not found")
    if claimed != 1:
        raise StateConflict(f"Payout {payout_id} is already {payout.status}")
    session.refresh(payout)
    if by_staff:
        detail = {"operator_id": payout.operator_id, "amount_cents": payout.amount_cents,
                  "reason": payout.failure_reason}
        audit.record(session, actor_user_id=staff_id, action=f"payout.{status}", subject_type="payout",
                     subject_id=payout.id, detail=detail)
    return payout


def list_payouts(session: Session, *, operator_id: str | None = None, status: str | None = None,
                 limit: int = 50) -> list[Payout]:
    """Payouts newest first, for an operator or (staff) all of them."""
    statement = select(Payout).order_by(Payout.created_at.desc()).limit(limit)
    if operator_id is not None:
        statement = statement.where(Payout.operator_id == operator_id)
    if status is not None:
        statement = statement.where(Payout.status == status)
    return list(session.execute(statement).scalars())
