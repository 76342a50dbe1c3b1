"""A company's credit: balances, its statement (the ledger lines of its accounts) and test
credit, which exists only in sandbox deployments (elsewhere staff credit bank transfers by
hand: `companies/manual_credits.py`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, union_all
from sqlmodel import Session

from marketplace_app.companies.access import CompanyActor, require_writer
from marketplace_app.companies.service import available_account, escrow_account
from marketplace_app.core.clock import now
from marketplace_app.core.errors import Forbidden, NotFound, ValidationFailed
from marketplace_app.core.ids import new_id
from marketplace_app.core.money import display_money, format_money, parse_positive_money
from marketplace_app.core.pagination import newest_first
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.models import LedgerAccount, LedgerEntry, LedgerTransfer, OwnerType, Purpose
from marketplace_app.settings import Settings, get_settings

ACCOUNTS = LedgerAccount.__table__
ENTRIES = LedgerEntry.__table__
TRANSFERS = LedgerTransfer.__table__
MANUAL_CLEARING = ledger.AccountRef(OwnerType.external, "manual", Purpose.provider_clearing)
MANUAL_PROVIDER = "manual"
MAX_TEST_DEPOSIT_CENTS = 1_000_000
TEST_DEPOSIT_REASON = "Development top-up (manual payment provider — not real money)"
HOW_TO_ADD_CREDIT = ("Card top-ups are coming; until then, send a bank transfer quoting your company id "
                     "{company_id} and Handoff staff credit your account when it arrives")
STATEMENT_PURPOSES = (Purpose.available, Purpose.escrow)
_LINE_ID = re.compile(r"txn_([0-9]{1,18})_(available|escrow)", re.ASCII)


@dataclass(frozen=True, slots=True)
class Balance:
    """What the company can spend and what is held for its open requests."""

    available_cents: int
    escrowed_cents: int


@dataclass(frozen=True, slots=True)
class Line:
    """One movement on one of the company's accounts, signed from the company's side."""

    id: str
    created_at: datetime
    kind: str
    reason: str
    amount_cents: int
    account: str
    reference_type: str | None
    reference_id: str | None


@dataclass(frozen=True, slots=True)
class Statement:
    """A page of lines, newest first."""

    lines: list[Line]
    has_more: bool


@dataclass(frozen=True, slots=True)
class Deposit:
    """A development top-up that has been credited."""

    id: str
    amount_cents: int
    reason: str
    created_at: datetime
    available_cents: int


def balance(session: Session, *, actor: CompanyActor) -> Balance:
    """The actor's company's available and escrowed credit."""
    return Balance(available_cents=ledger.balance_cents(session, available_account(actor.company_id)),
                   escrowed_cents=ledger.balance_cents(session, escrow_account(actor.company_id)))


def statement(session: Session, *, actor: CompanyActor, limit: int = 20,
              starting_after: str | None = None) -> Statement:
    """The ledger lines of the company's available and escrow accounts, newest first.

    A movement between the two accounts (an escrow hold) shows as two lines, one per
    account. `starting_after` is a line id from an earlier page.

    Raises:
        NotFound: `starting_after` is not one of this company's lines.
    """
    accounts = statement_accounts(session, actor.company_id)
    if not accounts:
        return Statement(lines=[], has_more=False)
    cursor = _cursor(session, accounts, starting_after) if starting_after else None
    query, columns = _lines_query(accounts, cursor=cursor, limit=limit + 1)
    page = newest_first(session, query, columns=columns, anchor=cursor, limit=limit, id_key="entry_id")
    lines = [Line(id=f"txn_{row['entry_id']}_{accounts[row['account_id']]}", created_at=row["created_at"],
                  kind=row["kind"], reason=row["reason"], amount_cents=int(row["amount_cents"]),
                  account=accounts[row["account_id"]], reference_type=row["reference_type"],
                  reference_id=row["reference_id"]) for row in page.rows]
    return Statement(lines=lines, has_more=page.has_more)


def statement_accounts(session: Session, company_id: str) -> dict[int, str]:
    rows = session.execute(select(ACCOUNTS.c.id, ACCOUNTS.c.purpose).where(
        ACCOUNTS.c.owner_type == OwnerType.company, ACCOUNTS.c.owner_id == company_id,
        ACCOUNTS.c.purpose.in_(STATEMENT_PURPOSES), ACCOUNTS.c.currency == get_settings().currency))
    return {row.id: row.purpose for row in rows}


def _cursor(session: Session, accounts: dict[int, str], line_id: str) -> tuple[int, int]:
    match = _LINE_ID.fullmatch(line_id)
    by_purpose = {purpose: account for account, purpose in accounts.items()}
    if match is None or match[2] not in by_purpose:
        raise NotFound("Transaction not found")
    entry_id, account = int(match[1]), by_purpose[match[2]]
    found = session.execute(select(ENTRIES.c.id).where(
        ENTRIES.c.id == entry_id, or_(ENTRIES.c.from_account_id == account, ENTRIES.c.to_account_id == account),
    )).first()
    if found is None:
        raise NotFound(f"Transaction {line_id} not found")
    return entry_id, account


def _lines_query(accounts: dict[int, str], *, cursor: tuple[int, int] | None, limit: int) -> tuple[Any, tuple]:
    """One index-ordered branch per (account, direction) of at most `limit` rows, merged; returns
    the merged select (unordered: the keyset helper orders and cuts it) and its sort columns."""
    branches = []
    for account in accounts:
        for side, sign in ((ENTRIES.c.from_account_id, -1), (ENTRIES.c.to_account_id, 1)):
            branch = select(ENTRIES.c.id.label("entry_id"), side.label("account_id"),
                            (ENTRIES.c.amount_cents * sign).label("amount_cents"), ENTRIES.c.transfer_id,
                            ENTRIES.c.created_at).where(side == account)
            if cursor is not None:
                branch = branch.where(ENTRIES.c.id <= cursor[0])
            branches.append(select(branch.order_by(ENTRIES.c.id.desc()).limit(limit).subquery()))
    lines = union_all(*branches).subquery()
    query = select(lines, TRANSFERS.c.kind, TRANSFERS.c.reason, TRANSFERS.c.reference_type,
                   TRANSFERS.c.reference_id).join(TRANSFERS, TRANSFERS.c.id == lines.c.transfer_id)
    return query, (lines.c.entry_id, lines.c.account_id)


def test_credit_allowed(settings: Settings) -> bool:
    """Whether companies may add test credit: only in a sandbox deployment with the manual provider.

    The one rule for the service, the API route and the dashboard's form.
    """
    return bool(settings.sandbox) and settings.payment_provider == MANUAL_PROVIDER


def how_to_add_credit(company_id: str) -> str:
    """How a company adds real credit here, in the words the page and the refusal use."""
    return HOW_TO_ADD_CREDIT.format(company_id=company_id)


def require_test_credit(settings: Settings, *, company_id: str) -> None:
    """Refuse test credit outside a sandbox, saying how credit is added instead.

    Raises:
        Forbidden: Not a sandbox deployment, or another payment provider is configured.
    """
    if test_credit_allowed(settings):
        return
    if not settings.sandbox:
        raise Forbidden(f"Test credit exists only in sandbox deployments, and this deployment is not one. "
                        f"{how_to_add_credit(company_id)}.")
    raise Forbidden(f"Development top-ups exist only with the manual payment provider; this deployment uses "
                    f"'{settings.payment_provider}', so buy credits through it instead")


def deposit_test(session: Session, *, actor: CompanyActor, amount: str) -> Deposit:
    """Credit test money (an amount in the API's `"8.00EUR"` form); see `deposit_test_cents`.

    Raises:
        Forbidden: Not a sandbox, another payment provider, or the actor is a plain member.
        ValidationFailed: The amount is malformed, not positive or above the per-top-up maximum.
    """
    settings = get_settings()
    require_test_credit(settings, company_id=actor.company_id)
    require_writer(actor, "add credits")
    amount_cents = parse_positive_money(amount, currency=settings.currency, field="amount")
    if amount_cents > MAX_TEST_DEPOSIT_CENTS:
        raise ValidationFailed(f"amount must be at most {format_money(MAX_TEST_DEPOSIT_CENTS, settings.currency)} "
                               f"per development top-up")
    return deposit_test_cents(session, actor=actor, amount_cents=amount_cents)


def deposit_test_cents(session: Session, *, actor: CompanyActor, amount_cents: int) -> Deposit:
    """Credit test money from the manual provider to the company's available account.

    Only in a sandbox deployment with the manual payment provider (`test_credit_allowed`);
    the ledger line says it is not real money. The dashboard parses what a person typed
    (`core.money.parse_typed_amount`) and calls this directly.

    Raises:
        Forbidden: Not a sandbox, another payment provider, or the actor is a plain member.
        ValidationFailed: The amount is not positive or above the per-top-up maximum.
    """
    settings = get_settings()
    require_test_credit(settings, company_id=actor.company_id)
    require_writer(actor, "add credits")
    if amount_cents <= 0 or amount_cents > MAX_TEST_DEPOSIT_CENTS:
        raise ValidationFailed(f"Add more than zero and at most "
                               f"{display_money(MAX_TEST_DEPOSIT_CENTS, settings.currency)} at a time.")
    deposit_id = new_id("dep")
    target = available_account(actor.company_id)
    ledger.transfer(session, idempotency_key=f"deposit:{deposit_id}", kind="deposit", reason=TEST_DEPOSIT_REASON,
                    legs=[ledger.Leg(ledger.account_id(session, MANUAL_CLEARING), ledger.account_id(session, target),
                                     amount_cents)],
                    reference_type="deposit", reference_id=deposit_id)
    return Deposit(id=deposit_id, amount_cents=amount_cents, reason=TEST_DEPOSIT_REASON, created_at=now(),
                   available_cents=ledger.balance_cents(session, target))
