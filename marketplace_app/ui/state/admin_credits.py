"""Staff credit a company by hand for a bank transfer: the form, a confirmation, the recent credits.

The form is checked by `manual_credits.preview` (the very checks the credit makes) so staff see
the company's name and the amount before anything moves; the credit itself is
`manual_credits.credit_company`, one audited ledger transfer, once per bank reference.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.companies import manual_credits
from marketplace_app.core.errors import HandoffError
from marketplace_app.settings import get_settings
from marketplace_app.ui.state.admin_queues import StaffState
from marketplace_app.ui.state.base import role_page
from marketplace_app.ui.state.company import Pages
from marketplace_app.ui.state.display import money, when

CREDITS_PER_PAGE = 20
# Form field → input id (`money_field` names the amount input after its field).
FIELD_IDS = {"company_id": "credit-company_id", "amount": "amount", "reason": "credit-reason",
             "reference": "credit-reference"}


@dataclasses.dataclass
class CreditRow:
    """One manual credit in the recent list."""

    id: str = ""
    date: str = ""
    company: str = ""
    company_id: str = ""
    amount: str = ""
    reason: str = ""
    reference: str = ""
    staff: str = ""


@dataclasses.dataclass
class PendingCredit:
    """What the confirmation shows: the checked credit, not yet made."""

    company_id: str = ""
    company: str = ""
    amount: str = ""
    reason: str = ""
    reference: str = ""
    already_credited: bool = False


def recent_rows(session: Session, *, staff_id: str, starting_after: str | None) -> tuple[list[CreditRow], bool]:
    """One page of manual credits, newest first, and whether older ones follow."""
    page = manual_credits.recent(session, staff_id=staff_id, limit=CREDITS_PER_PAGE,
                                 starting_after=int(starting_after) if starting_after else None)
    rows = [CreditRow(id=str(credit.audit_id), date=when(credit.created_at), company=credit.company_name,
                      company_id=credit.company_id, amount=money(credit.amount_cents), reason=credit.reason,
                      reference=credit.reference, staff=credit.staff_email) for credit in page.credits]
    return rows, page.has_more


def pending_credit(session: Session, *, staff_id: str, form: dict[str, str]) -> PendingCredit:
    """Check the form as the credit would, without crediting."""
    checked = manual_credits.preview(session, staff_id=staff_id, **form)
    return PendingCredit(company_id=checked.company_id, company=checked.company_name,
                         amount=money(checked.amount_cents), reason=checked.reason, reference=checked.reference,
                         already_credited=checked.already_credited)


def make_credit(session: Session, *, staff_id: str, form: dict[str, str]) -> str:
    """Credit the company; returns the sentence the toast shows."""
    credit = manual_credits.credit_company(session, staff_id=staff_id, **form)
    if credit.replayed:
        return f"Reference {credit.reference} was already credited: nothing more was added"
    return f"Credited {money(credit.amount_cents)} to {credit.company_id}"


class AdminCreditsState(Pages, StaffState):
    """The manual credit form with its confirmation, and the recent manual credits."""

    credits: list[CreditRow] = []
    loaded: bool = False
    currency: str = ""
    maximum: str = ""
    form_error: str = ""
    pending: PendingCredit = PendingCredit()
    confirming: bool = False
    busy: bool = False
    _form: dict[str, str] = {}

    @rx.event
    @role_page("admin")
    async def load(self):
        """Guard the page for staff, then read the newest manual credits."""
        settings = get_settings()
        self.currency, self.maximum = settings.currency, money(settings.manual_credit_max_cents)
        self.form_error, self.confirming = "", False
        self._first_page()
        return await self._fetch()

    async def _fetch(self):
        self.credits, self.has_more = await self._call(recent_rows, staff_id=await self._staff_id(),
                                                       starting_after=self._cursor())
        self._last_id = self.credits[-1].id if self.credits else ""
        self.loaded = True
        return None

    @rx.event
    async def review(self, form: dict[str, Any]):
        """Check the form; if it holds, ask for confirmation (a refusal shows in the form)."""
        self._form = {name: str(form.get(name) or "").strip() for name in FIELD_IDS}
        try:
            self.pending = await self._call(pending_credit, staff_id=await self._staff_id(), form=self._form)
        except HandoffError as exc:
            self.form_error = exc.message
            return
        self.form_error, self.confirming = "", True

    @rx.event
    def close_confirm(self, _open: bool = False):
        """Go back to the form without crediting."""
        self.confirming = False

    @rx.event
    async def confirm(self):
        """Make the confirmed credit, then clear the form and show it in the list."""
        self.busy = True
        yield
        try:
            sentence = await self._call(make_credit, staff_id=await self._staff_id(), form=self._form)
        except HandoffError as exc:
            self.busy, self.confirming, self.form_error = False, False, exc.message
            return
        self.busy, self.confirming, self._form = False, False, {}
        self._first_page()
        yield await self._fetch()
        yield [rx.set_value(input_id, "") for input_id in FIELD_IDS.values()]
        yield rx.toast.success(sentence, close_button=True)
