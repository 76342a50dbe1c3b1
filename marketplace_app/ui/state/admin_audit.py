"""The audit log for staff: every recorded staff decision (manual credits, KYC reviews, payouts
settled by hand), newest first, with who made it and what it moved."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.audit import queries as audit
from marketplace_app.ui.state.admin_queues import StaffState
from marketplace_app.ui.state.base import role_page
from marketplace_app.ui.state.company import Pages
from marketplace_app.ui.state.display import money, when

ENTRIES_PER_PAGE = 25


@dataclasses.dataclass
class AuditRow:
    """One audit entry as the table shows it."""

    id: str = ""
    date: str = ""
    staff: str = ""
    action: str = ""
    subject: str = ""
    subject_id: str = ""
    amount: str = ""
    note: str = ""


def audit_row(entry: audit.Entry) -> AuditRow:
    """What a person reads of an entry: the action in words, the amount when money moved, the reason."""
    detail: dict[str, Any] = entry.detail
    cents = detail.get("amount_cents")
    note = " · ".join(str(detail[key]) for key in ("reason", "reference") if detail.get(key))
    return AuditRow(id=str(entry.id), date=when(entry.created_at), staff=entry.actor_email,
                    action=audit.action_words(entry.action), subject=entry.subject_type.capitalize(),
                    subject_id=entry.subject_id, amount=money(cents) if isinstance(cents, int) else "",
                    note=note)


def audit_page(session: Session, *, starting_after: str | None) -> tuple[list[AuditRow], bool]:
    """One page of the audit log, newest first, and whether older entries follow."""
    page = audit.entries(session, limit=ENTRIES_PER_PAGE,
                         starting_after=int(starting_after) if starting_after else None)
    return [audit_row(entry) for entry in page.entries], page.has_more


class AuditState(Pages, StaffState):
    """The audit log page."""

    entries: list[AuditRow] = []
    loaded: bool = False

    @rx.event
    @role_page("admin")
    async def load(self):
        """Read the newest entries (the guard lets admins only)."""
        self._first_page()
        return await self._fetch()

    async def _fetch(self):
        self.entries, self.has_more = await self._call(audit_page, starting_after=self._cursor())
        self._last_id = self.entries[-1].id if self.entries else ""
        self.loaded = True
        return None
