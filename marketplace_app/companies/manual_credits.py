"""Staff credit a company by hand for a bank transfer Handoff received: one balanced ledger
transfer from the external `manual_deposits` account to the company's available credit, and
one audit entry naming the staff member, the reason and the bank reference.

A bank reference credits a company once: the transfer's idempotency key is made of the company
and the reference, so a retry (or a second staff member working from the same bank statement)
gets the first credit back instead of a second one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from marketplace_app.audit import queries as audit_queries
from marketplace_app.audit import service as audit
from marketplace_app.companies.access import checked_id
from marketplace_app.companies.models import Company
from marketplace_app.companies.service import available_account
from marketplace_app.core.errors import Conflict, NotFound, ValidationFailed
from marketplace_app.core.money import format_money, parse_positive_money
from marketplace_app.identity.staff import require_staff
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.models import LedgerTransfer, OwnerType, Purpose
from marketplace_app.settings import get_settings

ACTION = "company.credit"
KIND = "manual_credit"
REFERENCE_TYPE = "bank_transfer"
LINE_PREFIX = "Credited by Handoff staff: "
MAX_REASON_CHARACTERS = 300
MAX_REFERENCE_CHARACTERS = 64
MANUAL_DEPOSITS = ledger.AccountRef(OwnerType.external, "bank", Purpose.manual_deposits)
TRANSFERS = LedgerTransfer.__table__
LINE_CHARACTERS = TRANSFERS.c.reason.type.length  # the ledger keeps this much of a line
# What banks put in a payment reference (SEPA's character set, plus `_` and `#`): no control
# characters, nothing that reads differently in a statement than it was typed.
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 /?:().,'+_#-]*", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class ManualCredit:
    """A credit staff made by hand; `replayed` when the reference had already been credited."""

    company_id: str
    amount_cents: int
    reason: str
    reference: str
    credited_by: str
    created_at: datetime
    transfer_id: int
    audit_id: int
    available_cents: int
    replayed: bool


@dataclass(frozen=True, slots=True)
class Preview:
    """A checked manual credit not yet made: what staff confirm before crediting."""

    company_id: str
    company_name: str
    amount_cents: int
    reason: str
    reference: str
    already_credited: bool


@dataclass(frozen=True, slots=True)
class RecentCredit:
    """A manual credit as the staff console lists it."""

    audit_id: int
    created_at: datetime
    company_id: str
    company_name: str
    amount_cents: int
    reason: str
    reference: str
    staff_email: str


@dataclass(frozen=True, slots=True)
class RecentPage:
    """Manual credits, newest first."""

    credits: list[RecentCredit]
    has_more: bool


def credit_company(session: Session, *, staff_id: str, company_id: str, amount: str, reason: str,
                   reference: str) -> ManualCredit:
    """Credit `amount` to the company for a bank transfer received by hand, once per reference.

    Args:
        session: The caller's unit of work.
        staff_id: The staff member crediting (checked here, whichever door called).
        company_id: The company to credit.
        amount: Seed money, e.g. `"100.00EUR"`.
        reason: Why, in words the company reads on its statement.
        reference: The bank transfer's reference; one credit per company and reference.

    Raises:
        Forbidden: `staff_id` is not active staff.
        NotFound: No such company.
        ValidationFailed: A malformed or out-of-range amount, or a missing or malformed reason or reference.
        Conflict: The reference was already credited with another amount.
    """
    checked = _checked(session, staff_id=staff_id, company_id=company_id, amount=amount, reason=reason,
                       reference=reference)
    key = idempotency_key(checked.company_id, checked.reference)
    earlier = _credited(session, key)
    if earlier is not None:
        return _replayed(session, earlier, amount_cents=checked.amount_cents)
    try:
        transfer_id = ledger.transfer(
            session, idempotency_key=key, kind=KIND, reason=statement_line(checked.reason),
            reference_type=REFERENCE_TYPE, reference_id=checked.reference,
            legs=[ledger.Leg(ledger.account_id(session, MANUAL_DEPOSITS),
                             ledger.account_id(session, available_account(checked.company_id)), checked.amount_cents)])
    except IntegrityError:
        # A concurrent credit of the same reference committed first; only our savepoint rolled back.
        earlier = _credited(session, key)
        if earlier is None:
            raise
        return _replayed(session, earlier, amount_cents=checked.amount_cents)
    audit_id = audit.record(session, actor_user_id=staff_id, action=ACTION, subject_type="company",
                            subject_id=checked.company_id, transfer_id=transfer_id, detail={
                                "amount_cents": checked.amount_cents, "currency": get_settings().currency,
                                "reason": checked.reason, "reference": checked.reference})
    return _credit(session, audit_queries.entry(session, audit_id), replayed=False)


def preview(session: Session, *, staff_id: str, company_id: str, amount: str, reason: str,
            reference: str) -> Preview:
    """Check a manual credit without making it, so staff confirm the company and amount first.

    Raises:
        The refusals of `credit_company`, including `Conflict` for a reference credited with another amount.
    """
    checked = _checked(session, staff_id=staff_id, company_id=company_id, amount=amount, reason=reason,
                       reference=reference)
    earlier = _credited(session, idempotency_key(checked.company_id, checked.reference))
    if earlier is None:
        return checked
    _replayed(session, earlier, amount_cents=checked.amount_cents)
    return replace(checked, already_credited=True)


def recent(session: Session, *, staff_id: str, limit: int = 20, starting_after: int | None = None) -> RecentPage:
    """Manual credits newest first, with each company's name (staff only).

    Raises:
        Forbidden: `staff_id` is not active staff.
    """
    require_staff(session, staff_id)
    page = audit_queries.entries(session, limit=limit, starting_after=starting_after, action=ACTION)
    ids = {entry.subject_id for entry in page.entries}
    names = dict(session.execute(select(Company.id, Company.name).where(Company.id.in_(ids))).all()) if ids else {}
    return RecentPage(has_more=page.has_more, credits=[RecentCredit(
        audit_id=entry.id, created_at=entry.created_at, company_id=entry.subject_id,
        company_name=names.get(entry.subject_id, ""), amount_cents=entry.detail["amount_cents"],
        reason=entry.detail["reason"], reference=entry.detail["reference"], staff_email=entry.actor_email)
        for entry in page.entries])


def _checked(session: Session, *, staff_id: str, company_id: str, amount: str, reason: str,
             reference: str) -> Preview:
    require_staff(session, staff_id)
    company = _company(session, company_id)
    return Preview(company_id=company.id, company_name=company.name, amount_cents=_amount(amount),
                   reason=_reason(reason), reference=_reference(reference), already_credited=False)


def statement_line(reason: str) -> str:
    """The company's ledger line for a manual credit (cut to the ledger's 300 characters)."""
    line = LINE_PREFIX + reason
    return line if len(line) <= LINE_CHARACTERS else line[:LINE_CHARACTERS - 1] + "…"


def idempotency_key(company_id: str, reference: str) -> str:
    """The ledger key of the credit of `reference` to the company (references compare case-blind)."""
    return f"manual-credit:{company_id}:{reference.upper()}"


def _company(session: Session, company_id: str) -> Company:
    company = session.get(Company, checked_id(company_id, "Company"))
    if company is None:
        raise NotFound(f"Company {company_id} not found")
    return company


def _amount(amount: str) -> int:
    settings = get_settings()
    cents = parse_positive_money(amount, currency=settings.currency, field="amount")
    maximum = format_money(settings.manual_credit_max_cents, settings.currency)
    if cents > settings.manual_credit_max_cents:
        raise ValidationFailed(f"amount must be at most {maximum} per manual credit (MANUAL_CREDIT_MAX_CENTS)")
    return cents


def _reason(reason: object) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise ValidationFailed("reason is required: the company reads it on its statement")
    if len(text) > MAX_REASON_CHARACTERS:
        raise ValidationFailed(f"reason must be at most {MAX_REASON_CHARACTERS} characters")
    if _CONTROL.search(text):
        raise ValidationFailed("reason must be one line without control characters")
    return text


def _reference(reference: object) -> str:
    if isinstance(reference, str) and _CONTROL.search(reference):
        raise ValidationFailed("reference must be one line without control characters")
    text = " ".join(reference.split()) if isinstance(reference, str) else ""
    if not text:
        raise ValidationFailed("reference is required: the bank transfer's reference or id")
    if len(text) > MAX_REFERENCE_CHARACTERS or not _REFERENCE.fullmatch(text):
        raise ValidationFailed(f"reference must be at most {MAX_REFERENCE_CHARACTERS} characters, starting with a "
                               f"letter or digit: letters, digits, spaces and / ? : ( ) . , ' + _ # -")
    return text


def _credited(session: Session, key: str) -> int | None:
    return session.execute(select(TRANSFERS.c.id).where(TRANSFERS.c.idempotency_key == key)).scalar_one_or_none()


def _replayed(session: Session, transfer_id: int, *, amount_cents: int) -> ManualCredit:
    entry = audit_queries.for_transfer(session, transfer_id)
    if entry is None:  # both are written in one transaction: a key without its entry is a bug, not a refusal
        raise RuntimeError(f"manual credit transfer {transfer_id} has no audit entry")
    if entry.detail["amount_cents"] != amount_cents:
        currency = get_settings().currency
        raise Conflict(f"Reference {entry.detail['reference']} was already credited to this company with "
                       f"{format_money(entry.detail['amount_cents'], currency)} by {entry.actor_email}; "
                       f"a different amount needs its own reference")
    return _credit(session, entry, replayed=True)


def _credit(session: Session, entry: audit_queries.Entry, *, replayed: bool) -> ManualCredit:
    return ManualCredit(
        company_id=entry.subject_id, amount_cents=entry.detail["amount_cents"], reason=entry.detail["reason"],
        reference=entry.detail["reference"], credited_by=entry.actor_user_id, created_at=entry.created_at,
        transfer_id=entry.transfer_id or 0, audit_id=entry.id, replayed=replayed,
        available_cents=ledger.balance_cents(session, available_account(entry.subject_id)))
