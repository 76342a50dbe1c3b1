"""Credits: balances, the company's ledger lines, and how to add credit: test credit in a sandbox
deployment, a bank transfer that staff credit everywhere else."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.companies import credits, statements
from marketplace_app.companies.access import CompanyActor
from marketplace_app.core.errors import HandoffError
from marketplace_app.core.money import parse_typed_amount, typed_amount_hint
from marketplace_app.settings import get_settings
from marketplace_app.ui.state.base import role_page
from marketplace_app.ui.state.company import CompanyState, Pages
from marketplace_app.ui.state.display import money, signed_money, when

LINES_PER_PAGE = 25


@dataclasses.dataclass
class LedgerLine:
    """One movement as the ledger table shows it: what happened, the signed amount, the balance after;
    `from_held` when it was paid from the credit held for a request, not from the available balance."""

    id: str = ""
    date: str = ""
    what: str = ""
    detail: str = ""
    amount: str = ""
    direction: str = ""
    from_held: bool = False
    balance: str = ""
    request_id: str = ""


def movement_row(movement: statements.Movement) -> LedgerLine:
    """One movement as a ledger line (the held change when it left the held credit)."""
    shown = movement.held_change_cents if movement.from_held else movement.available_change_cents
    return LedgerLine(id=movement.id, date=when(movement.created_at), what=movement.what, detail=movement.detail,
                      amount=signed_money(shown), direction="in" if shown > 0 else "out",
                      from_held=movement.from_held, balance=money(movement.available_after_cents),
                      request_id=movement.request_id or "")


def credits_snapshot(session: Session, actor: CompanyActor, *, starting_after: str | None) -> dict[str, Any]:
    """The balances and one page of movements, newest first."""
    balance = credits.balance(session, actor=actor)
    page = statements.movements(session, actor=actor, limit=LINES_PER_PAGE, starting_after=starting_after)
    return {"available": money(balance.available_cents), "escrowed": money(balance.escrowed_cents),
            "lines": [movement_row(movement) for movement in page.rows], "has_more": page.has_more,
            "last_id": page.rows[-1].id if page.rows else ""}


def ways_to_add_credit(_session: Session, actor: CompanyActor) -> dict[str, Any]:
    """Whether this deployment offers test credit, else what to quote on a bank transfer."""
    settings = get_settings()
    return {"test_credit": credits.test_credit_allowed(settings), "company_id": actor.company_id,
            "bank_transfer": credits.how_to_add_credit(actor.company_id),
            "bank_details": settings.bank_transfer_details.strip(),
            "test_credit_maximum": money(credits.MAX_TEST_DEPOSIT_CENTS)}


def add_test_credit(session: Session, actor: CompanyActor, *, amount: str) -> str:
    """Credit a development top-up of an amount as a person typed it ("25", "€25.50"); returns it as shown."""
    amount_cents = parse_typed_amount(amount, currency=get_settings().currency)
    return money(credits.deposit_test_cents(session, actor=actor, amount_cents=amount_cents).amount_cents)


class CreditsState(Pages, CompanyState):
    """The credits page."""

    available: str = ""
    escrowed: str = ""
    lines: list[LedgerLine] = []
    loaded: bool = False
    test_credit: bool = False
    test_credit_maximum: str = ""
    company_id: str = ""
    bank_transfer: str = ""
    bank_details: str = ""
    currency: str = ""
    amount_hint: str = ""
    deposit_error: str = ""
    depositing: bool = False

    @rx.event
    @role_page("company")
    async def load(self):
        """Guard the page for company members, then read the balances and the newest lines."""
        self.currency, self.deposit_error = get_settings().currency, ""
        self.amount_hint = typed_amount_hint(self.currency)
        ways = await self._as_member(ways_to_add_credit)
        self.test_credit, self.test_credit_maximum = ways["test_credit"], ways["test_credit_maximum"]
        self.company_id, self.bank_transfer, self.bank_details = (
            ways["company_id"], ways["bank_transfer"], ways["bank_details"])
        self._first_page()
        return await self._fetch()

    async def _fetch(self):
        snapshot = await self._as_member(credits_snapshot, starting_after=self._cursor())
        self.available, self.escrowed = snapshot["available"], snapshot["escrowed"]
        self.lines, self.has_more, self._last_id = snapshot["lines"], snapshot["has_more"], snapshot["last_id"]
        self.loaded = True
        return None

    @rx.event
    async def deposit(self, form: dict[str, Any]):
        """Add test credit (sandbox deployments only; the service refuses elsewhere), a refusal under the field."""
        self.deposit_error, self.depositing = "", True
        yield
        try:
            shown = await self._as_member(add_test_credit, amount=str(form.get("amount", "")).strip())
        except HandoffError as exc:
            self.deposit_error, self.depositing = exc.message, False
            return
        self.depositing = False
        self._first_page()
        yield await self._fetch()
        yield rx.toast.success(f"Added {shown} of test credit", close_button=True)
