"""The company's credit as a person reads it: one row per movement, in words, with a running balance.

The API's statement (`credits.statement`) lists ledger lines, one per account, in the ledger's own
kinds (`escrow_hold`, `escrow_post`); a person recognises movements instead: "Top-up", "Held for
request 'Verify address'", "Paid to the operator", "Refunded". Each row here is one ledger transfer
touching the company's accounts: its change to the available balance (what the company can spend),
its change to the held credit, and the available balance after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import Session

from marketplace_app.companies.access import CompanyActor
from marketplace_app.companies.credits import ENTRIES, TRANSFERS, statement_accounts
from marketplace_app.companies.manual_credits import LINE_PREFIX
from marketplace_app.core.errors import NotFound
from marketplace_app.core.pagination import newest_first
from marketplace_app.ledger.models import Purpose
from marketplace_app.requests.models import Request

REQUESTS = Request.__table__
MAX_TITLE_CHARACTERS = 60


@dataclass(frozen=True, slots=True)
class Movement:
    """One movement of the company's credit.

    Attributes:
        id: The ledger transfer's id (the page cursor).
        what: The movement in words ("Held for request 'Verify address'").
        detail: The ledger's own reason, for the curious (the bank reference of a manual credit).
        available_change_cents: Signed change to the available balance.
        held_change_cents: Signed change to the credit held for open requests.
        available_after_cents: The available balance after this movement.
        request_id: The request it belongs to, if any.
    """

    id: str
    created_at: datetime
    what: str
    detail: str
    available_change_cents: int
    held_change_cents: int
    available_after_cents: int
    request_id: str | None

    @property
    def from_held(self) -> bool:
        """Whether the money left the held credit, not the available balance (a payment to the operator)."""
        return self.available_change_cents == 0 and self.held_change_cents != 0


@dataclass(frozen=True, slots=True)
class Movements:
    """A page of movements, newest first."""

    rows: list[Movement]
    has_more: bool


def movements(session: Session, *, actor: CompanyActor, limit: int = 25,
              starting_after: str | None = None) -> Movements:
    """The company's movements, newest first, each with the available balance after it.

    Raises:
        NotFound: `starting_after` is not one of this company's movements.
    """
    accounts = {purpose: account for account, purpose in statement_accounts(session, actor.company_id).items()}
    if not accounts:
        return Movements(rows=[], has_more=False)
    grouped = _by_transfer(accounts)
    anchor = _anchor(session, grouped, starting_after) if starting_after else None
    page = newest_first(session, select(grouped), columns=(grouped.c.transfer_id,), anchor=anchor, limit=limit,
                        id_key="transfer_id")
    if not page.rows:
        return Movements(rows=[], has_more=False)
    titles = _titles(session, {row["reference_id"] for row in page.rows if row["reference_type"] == "request"})
    after = _available_after(session, accounts.get(Purpose.available), page.rows[0]["transfer_id"])
    rows = []
    for row in page.rows:
        rows.append(_movement(row, titles, available_after_cents=after))
        after -= int(row["available_change"])
    return Movements(rows=rows, has_more=page.has_more)


def _by_transfer(accounts: dict[str, int]) -> Any:
    """Per transfer touching the accounts: its change to available and to escrow (a subquery)."""
    available = accounts.get(Purpose.available, -1)
    escrow = accounts.get(Purpose.escrow, -1)

    def change(account: int) -> Any:
        return func.sum(case((ENTRIES.c.to_account_id == account, ENTRIES.c.amount_cents),
                             (ENTRIES.c.from_account_id == account, -ENTRIES.c.amount_cents), else_=0))

    ours = [available, escrow]
    touched = (select(ENTRIES.c.transfer_id, change(available).label("available_change"),
                      change(escrow).label("held_change"))
               .where(ENTRIES.c.from_account_id.in_(ours) | ENTRIES.c.to_account_id.in_(ours))
               .group_by(ENTRIES.c.transfer_id).subquery())
    return (select(touched, TRANSFERS.c.kind, TRANSFERS.c.reason, TRANSFERS.c.reference_type,
                   TRANSFERS.c.reference_id, TRANSFERS.c.created_at)
            .join(TRANSFERS, TRANSFERS.c.id == touched.c.transfer_id).subquery())


def _anchor(session: Session, grouped: Any, cursor: str) -> tuple[int]:
    if not cursor.isdigit() or len(cursor) > 18:
        raise NotFound("Movement not found")
    found = session.execute(select(grouped.c.transfer_id).where(grouped.c.transfer_id == int(cursor))).first()
    if found is None:
        raise NotFound(f"Movement {cursor} not found")
    return (int(cursor),)


def _available_after(session: Session, available: int | None, transfer_id: int) -> int:
    """The available balance right after `transfer_id` (its entries up to and including that transfer)."""
    if available is None:
        return 0
    signed = case((ENTRIES.c.to_account_id == available, ENTRIES.c.amount_cents), else_=-ENTRIES.c.amount_cents)
    total = session.execute(select(func.coalesce(func.sum(signed), 0)).where(
        ENTRIES.c.transfer_id <= transfer_id,
        (ENTRIES.c.to_account_id == available) | (ENTRIES.c.from_account_id == available))).scalar_one()
    return int(total)


def _titles(session: Session, request_ids: set[str]) -> dict[str, str]:
    if not request_ids:
        return {}
    rows = session.execute(select(REQUESTS.c.id, REQUESTS.c.title).where(REQUESTS.c.id.in_(request_ids)))
    return {row.id: row.title or row.id for row in rows}


def _movement(row: Any, titles: dict[str, str], *, available_after_cents: int) -> Movement:
    request_id = row["reference_id"] if row["reference_type"] == "request" else None
    return Movement(id=str(row["transfer_id"]), created_at=row["created_at"],
                    what=describe(row["kind"], row["reason"], title=titles.get(request_id or ""),
                                  returned=int(row["available_change"]) > 0),
                    detail=row["reason"], available_change_cents=int(row["available_change"]),
                    held_change_cents=int(row["held_change"]), available_after_cents=available_after_cents,
                    request_id=request_id)


def describe(kind: str, reason: str, *, title: str | None, returned: bool = False) -> str:
    """A ledger transfer in the words a company recognises.

    Args:
        kind: The transfer's kind (`escrow_hold`, `escrow_post`, `deposit`, …).
        reason: The ledger's reason, used for kinds this does not know.
        title: The request's title (or id) when the transfer belongs to one.
        returned: Whether part of a payment came back to the available balance.
    """
    about = f"request '{_short(title)}'" if title else "a request"
    if kind == "deposit":
        return "Top-up (test credit, not real money)"
    if kind == "manual_credit":
        return "Top-up by bank transfer" + (f": {reason.removeprefix(LINE_PREFIX)}" if reason else "")
    if kind == "escrow_hold":
        return f"Held for {about}"
    if kind == "escrow_post":
        return f"Paid to the operator for {about}" + ("; the rest came back to your balance" if returned else "")
    if kind == "escrow_void":
        return f"Refunded: {about} ended without payment"
    if kind == "dispute_refund":
        return f"Refunded after the dispute on {about}"
    return reason


def _short(title: str) -> str:
    return title if len(title) <= MAX_TITLE_CHARACTERS else title[:MAX_TITLE_CHARACTERS - 1] + "…"

