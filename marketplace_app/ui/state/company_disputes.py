"""Disputes in the company dashboard: the dispute section of a request (open, appeal, settle)
and the list of the company's disputes.

Opening, appealing and settling move money, so only owners and admins may do them (as for
approving results); every member may read. The dispute service checks the role itself
(`disputes.parties`); this page only asks it (`can_write`) to hide buttons.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.companies.access import CompanyActor
from marketplace_app.core.clock import now
from marketplace_app.core.errors import HandoffError, NotFound
from marketplace_app.disputes import queries, rules
from marketplace_app.disputes import service as disputes
from marketplace_app.disputes.models import Party
from marketplace_app.requests import service as requests
from marketplace_app.ui.state import live
from marketplace_app.ui.state.base import role_page
from marketplace_app.ui.state.company import CompanyState, Pages, scope
from marketplace_app.ui.state.company_request import RequestDetailState
from marketplace_app.ui.state.display import time_left
from marketplace_app.ui.state.disputes import (
    AppealCounter,
    DisputeSummary,
    ListedDispute,
    dispute_fields,
    form_reason,
    listed,
    parse_refund,
)

DISPUTES_PER_PAGE = 20
DISPUTE_EVENT_PREFIX = "dispute."


def request_dispute(session: Session, actor: CompanyActor, *, mode: str, request_id: str) -> dict[str, Any]:
    """The dispute of one of the company's `mode` requests, or whether one may still be opened.

    Every button the section shows is the dispute service's own rule (`disputes.rules`) asked now.

    Raises:
        NotFound: Not a request of this company in this mode.
    """
    row = requests.get_request(session, ctx=scope(actor, mode), request_id=request_id)
    found = queries.of_request(session, request_id)
    moment = now()
    base = {"can_write": actor.can_write, "window_left": "", "can_dispute": False, "can_appeal": False,
            "can_offer": False, "can_accept_offer": False}
    if found is not None:
        return {**base, **dispute_fields(session, found, viewer=Party.company), "offer_cents": found["offer_cents"],
                "can_appeal": rules.can_appeal(found, Party.company, at=moment),
                "can_offer": rules.can_offer(found, Party.company),
                "can_accept_offer": rules.can_accept_offer(found, Party.company)}
    can_dispute = rules.can_dispute(row, at=moment)
    closes = rules.dispute_window_closes(row)
    return {**base, "dispute": DisputeSummary(), "rulings": [], "history": [], "offer_cents": None,
            "can_dispute": can_dispute, "window_left": time_left(closes) if can_dispute and closes else ""}


def open_dispute(session: Session, actor: CompanyActor, *, mode: str, request_id: str, reason: str) -> str:
    """Dispute a completed `mode` request; returns the new dispute's status (the service checks the role)."""
    return str(disputes.open_by_company(session, ctx=scope(actor, mode), request_id=request_id,
                                        reason=reason)["status"])


def appeal(session: Session, actor: CompanyActor, *, mode: str, request_id: str, reason: str) -> str:
    """Appeal the current ruling; returns the dispute's new status."""
    ctx = scope(actor, mode)
    dispute = queries.for_request(session, ctx=ctx, request_id=request_id)
    return str(disputes.appeal(session, dispute_id=dispute["id"], actor=ctx, reason=reason)["status"])


def offer(session: Session, actor: CompanyActor, *, mode: str, request_id: str, refund_cents: int) -> None:
    """Offer to settle for a refund of `refund_cents`."""
    ctx = scope(actor, mode)
    dispute = queries.for_request(session, ctx=ctx, request_id=request_id)
    disputes.propose_settlement(session, dispute_id=dispute["id"], actor=ctx, refund_cents=refund_cents)


def accept(session: Session, actor: CompanyActor, *, mode: str, request_id: str, refund_cents: int | None) -> None:
    """Accept the operator's standing offer (the amount the page showed)."""
    ctx = scope(actor, mode)
    dispute = queries.for_request(session, ctx=ctx, request_id=request_id)
    disputes.accept_settlement(session, dispute_id=dispute["id"], actor=ctx, refund_cents=refund_cents)


def dispute_page(session: Session, actor: CompanyActor, *, mode: str, starting_after: str | None) -> dict[str, Any]:
    """One page of the company's `mode` disputes, newest first, with the request each is about."""
    page = queries.company_disputes(session, company_id=actor.company_id, mode=mode, limit=DISPUTES_PER_PAGE,
                                    starting_after=starting_after)
    return {"rows": [_list_row(row) for row in page.rows], "has_more": page.has_more,
            "last_id": page.rows[-1]["id"] if page.rows else ""}


def _list_row(row: Any) -> ListedDispute:
    context = " ".join(str(row["context"]).split())
    return listed(row, title=row["title"] or (context[:80] + ("…" if len(context) > 80 else "")))


class RequestDisputeState(AppealCounter, live.LiveUpdates, CompanyState):
    """The dispute section of the request detail page, kept live by the dispute's events."""

    request_id: str = ""
    loaded: bool = False
    can_write: bool = False
    can_dispute: bool = False
    can_appeal: bool = False
    can_offer: bool = False
    can_accept_offer: bool = False
    window_left: str = ""
    dispute: DisputeSummary = DisputeSummary()
    rulings: list[dict[str, str]] = []
    history: list[dict[str, str]] = []
    dialog_open: bool = False
    reason_length: int = 0
    open_error: str = ""
    appeal_error: str = ""
    offer_error: str = ""
    busy: bool = False
    _offer_cents: int | None = None

    @rx.var
    def has_dispute(self) -> bool:
        """Whether the request has a dispute."""
        return self.dispute.id != ""

    @rx.event
    @role_page("company")
    async def load(self):
        """Read the dispute of the request in the URL (the detail page's own loader guards the page)."""
        if await self._require("company") is not None:
            return None  # the detail page's loader redirects
        self.request_id = self.router.url.path.rstrip("/").rsplit("/", 1)[-1][:64]
        self.loaded, self.dialog_open, self.busy = False, False, False
        self.open_error = self.appeal_error = self.offer_error = ""
        self.reason_length = self.appeal_length = 0
        return [event for event in (await self._refresh(), self._follow()) if event is not None]

    async def _refresh(self):
        try:
            found = await self._as_member(request_dispute, mode=self._mode(), request_id=self.request_id)
        except NotFound:
            self.dispute, self.loaded = DisputeSummary(), True
            self.can_dispute = self.can_appeal = self.can_offer = self.can_accept_offer = False
            return None
        self.dispute, self.rulings, self.history = found["dispute"], found["rulings"], found["history"]
        self.can_write = found["can_write"]
        self.can_dispute = found["can_dispute"]
        self.can_appeal = found["can_appeal"]
        self.can_offer = found["can_offer"]
        self.can_accept_offer = found["can_accept_offer"]
        self.window_left = found["window_left"]
        self._offer_cents, self.loaded = found["offer_cents"], True
        return None

    async def _live_matcher(self) -> live.Matcher | None:
        try:
            company_id = await asyncio.to_thread(live.company_of, self._user_id)
        except HandoffError:
            return None
        request_id, mode = self.request_id, self._mode()

        def matches(row: Any) -> bool:
            return (row["company_id"] == company_id and row["request_id"] == request_id and row["mode"] == mode
                    and str(row["type"]).startswith(DISPUTE_EVENT_PREFIX))

        return matches

    async def _live_refresh(self):
        return await self._refresh()

    async def _after_change(self, message: str):
        """Read the dispute and the request again, then confirm."""
        await self._refresh()
        detail = await self.get_state(RequestDetailState)
        await detail._refresh()
        return rx.toast.success(message, close_button=True)

    @rx.event
    def set_dialog(self, open_: bool):
        """Open or close the dispute form (a fresh form each time)."""
        self.dialog_open, self.open_error, self.reason_length = open_, "", 0

    @rx.event
    def count_reason(self, text: str):
        """The reason's length, for the counter."""
        self.reason_length = len(text)

    @rx.event
    async def open_dispute(self, form: dict[str, Any]):
        """Dispute the request with the reason from the form; tier 0 rules at once."""
        if self.busy:
            return
        self.busy, self.open_error = True, ""
        yield
        try:
            reason = form_reason(form)
            status = await self._as_member(open_dispute, mode=self._mode(), request_id=self.request_id,
                                           reason=reason)
        except HandoffError as exc:
            self.busy, self.open_error = False, exc.message
            return
        self.busy, self.dialog_open = False, False
        yield await self._after_change("Dispute opened and settled as a small claim" if status == "resolved" else
                                       "Dispute opened: the automated triage has ruled")

    @rx.event
    async def appeal(self, form: dict[str, Any]):
        """Appeal the current ruling: the next tier takes the dispute."""
        try:
            reason = form_reason(form)
            await self._as_member(appeal, mode=self._mode(), request_id=self.request_id, reason=reason)
        except HandoffError as exc:
            self.appeal_error = exc.message
            return None
        self.appeal_error, self.appeal_length = "", 0
        return await self._after_change("Appeal sent: the next tier takes the dispute")

    @rx.event
    async def offer(self, form: dict[str, Any]):
        """Offer to settle for the refund typed in the form."""
        try:
            refund_cents = parse_refund(form.get("refund"))
            await self._as_member(offer, mode=self._mode(), request_id=self.request_id, refund_cents=refund_cents)
        except HandoffError as exc:
            self.offer_error = exc.message
            return None
        self.offer_error = ""
        return await self._after_change("Offer sent: the operator may accept it")

    @rx.event
    async def accept_offer(self):
        """Accept the operator's offer as shown: the dispute is resolved."""
        try:
            await self._as_member(accept, mode=self._mode(), request_id=self.request_id,
                                  refund_cents=self._offer_cents)
        except HandoffError:
            await self._refresh()
            yield  # send the page its settled state; the refusal's toast follows from the raise
            raise
        yield await self._after_change("Settled: the dispute is resolved")


class CompanyDisputesState(Pages, CompanyState):
    """The company's disputes, newest first, 20 per page."""

    rows: list[ListedDispute] = []
    loaded: bool = False

    @rx.event
    async def load(self):
        """Guard the page, then read the first page."""
        self._first_page()
        return await self._fetch()

    async def _fetch(self):
        page = await self._as_member(dispute_page, mode=self._mode(), starting_after=self._cursor())
        self.rows, self.has_more, self._last_id, self.loaded = page["rows"], page["has_more"], page["last_id"], True
        return None
