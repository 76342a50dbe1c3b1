"""Staff queues: KYC submissions to review and payouts to settle (disputes: `admin_disputes`).

Decisions go through the KYC and payout services; the readers here only join in the
names staff need to recognise people (e-mail, company) and render plain strings.
"""

from __future__ import annotations

import base64
from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.core.errors import HandoffError, NotFound, Unauthorized
from marketplace_app.earnings import payouts
from marketplace_app.identity import queries as identity
from marketplace_app.kyc import queries as kyc_queries
from marketplace_app.kyc import service as kyc
from marketplace_app.ui.state.base import AppState, role_page
from marketplace_app.ui.state.display import money, when
from marketplace_app.ui.state.forms import clean_text
from marketplace_app.uploads import queries as uploads
from marketplace_app.uploads.queries import Document

MAX_REASON_CHARACTERS = 500
RECENT_PAYOUTS = 20
KILOBYTE = 1024


def kyc_rows(session: Session) -> list[dict[str, str]]:
    """Pending KYC submissions, oldest first, with who sent them and which document."""
    queue = kyc.pending_queue(session)
    people = identity.people(session, {item.user_id for item in queue})
    documents = uploads.documents(session, {item.document_upload_id for item in queue})
    rows = []
    for item in queue:
        person, document = people.get(item.user_id), documents.get(item.document_upload_id)
        rows.append({
            "id": item.id, "legal_name": item.legal_name, "country": item.country,
            "date_of_birth": item.date_of_birth.isoformat(), "submitted": when(item.submitted_at),
            "email": person.email if person else "", "display_name": person.display_name if person else "",
            "document": document.filename if document else "",
            "document_kind": _kind(document),
        })
    return rows


def _kind(document: Document | None) -> str:
    return f"{document.content_type}, {max(document.size_bytes // KILOBYTE, 1)} KB" if document else ""


def kyc_document(session: Session, *, submission_id: str) -> dict[str, str]:
    """A submission's document as a data URL, for staff to look at.

    Raises:
        NotFound: No such submission or document.
    """
    document = kyc_queries.document_of(session, submission_id=submission_id)
    if document is None or not document.path.exists():
        raise NotFound("The document of this submission was not found")
    encoded = base64.b64encode(document.path.read_bytes()).decode()
    return {"name": document.filename, "type": document.content_type,
            "url": f"data:{document.content_type};base64,{encoded}"}


def payout_rows(session: Session) -> dict[str, list[dict[str, str]]]:
    """Requested payouts waiting for staff (oldest first) and the most recent settled ones."""
    waiting = list(reversed(payouts.list_payouts(session, status="requested", limit=100)))
    recent = [payout for payout in payouts.list_payouts(session, limit=RECENT_PAYOUTS + len(waiting))
              if payout.status != "requested"][:RECENT_PAYOUTS]
    people = identity.people(session, {payout.operator_id for payout in [*waiting, *recent]})

    def row(payout: Any) -> dict[str, str]:
        person = people.get(payout.operator_id)
        return {"id": payout.id, "amount": money(payout.amount_cents), "status": payout.status,
                "provider": payout.provider, "requested": when(payout.created_at), "resolved": when(payout.resolved_at),
                "reason": payout.failure_reason or "", "email": person.email if person else payout.operator_id,
                "display_name": person.display_name if person else ""}

    return {"waiting": [row(payout) for payout in waiting], "recent": [row(payout) for payout in recent]}


class StaffState(AppState):
    """What every staff queue shares: acting as the signed-in admin."""

    async def _staff_id(self) -> str:
        """The admin's id after re-reading the session cookie.

        Raises:
            Unauthorized: The session is gone or is not staff.
        """
        user = await self._load_user()
        if user is None or user.role != "admin":
            raise Unauthorized("Your session has ended; please sign in again")
        return user.id


class KycQueueState(StaffState):
    """Pending KYC submissions: look at the document, approve, or reject with a reason."""

    items: list[dict[str, str]] = []
    loaded: bool = False
    rejecting: dict[str, str] = {}
    reject_error: str = ""
    preview: dict[str, str] = {}
    approving: dict[str, str] = {}

    @rx.event
    @role_page("admin")
    async def load(self):
        """Guard the page for staff, then read the queue."""
        self.items, self.rejecting, self.preview, self.loaded = await self._call(kyc_rows), {}, {}, True
        self.approving = {}
        return None

    @rx.event
    def start_approve(self, item: dict[str, str]):
        """Ask for confirmation, naming the person, before verifying an identity."""
        self.approving = {"id": item["id"], "legal_name": item["legal_name"], "email": item["email"]}

    @rx.event
    def close_approve(self, _open: bool = False):
        """Close the confirmation without deciding."""
        self.approving = {}

    @rx.event
    async def approve(self):
        """Verify the operator whose approval was just confirmed."""
        submission_id = self.approving.get("id", "")
        self.approving = {}
        try:
            staff_id = await self._staff_id()
            await self._call(kyc.review, submission_id=submission_id, reviewer_id=staff_id, approve=True, reason=None)
        except HandoffError:
            self.items = await self._call(kyc_rows)
            yield  # send the page its settled state; the refusal's toast follows from the raise
            raise
        self.items = await self._call(kyc_rows)
        yield rx.toast.success("Approved: the operator is verified")

    @rx.event
    def start_reject(self, item: dict[str, str]):
        """Open the reason dialog for one submission."""
        self.rejecting, self.reject_error = {"id": item["id"], "legal_name": item["legal_name"]}, ""

    @rx.event
    def close_reject(self, _open: bool = False):
        """Close the reason dialog."""
        self.rejecting, self.reject_error = {}, ""

    @rx.event
    async def reject(self, form: dict[str, Any]):
        """Reject the open submission with the reason from the dialog."""
        submission_id = self.rejecting.get("id", "")
        try:
            reason = clean_text(form.get("reason"), field="reason", maximum=MAX_REASON_CHARACTERS, multiline=True)
            staff_id = await self._staff_id()
            await self._call(kyc.review, submission_id=submission_id, reviewer_id=staff_id, approve=False,
                             reason=reason)
        except HandoffError as exc:
            self.reject_error = exc.message
            return
        self.rejecting, self.items = {}, await self._call(kyc_rows)
        return rx.toast.success("Rejected: the operator sees your reason and may submit again")

    @rx.event
    async def show_document(self, submission_id: str):
        """Open the submission's document (images in a dialog, PDFs as a download)."""
        await self._staff_id()
        document = await self._call(kyc_document, submission_id=submission_id)
        if document["type"] == "application/pdf":
            return rx.download(url=document["url"], filename=document["name"])
        self.preview = document
        return None

    @rx.event
    def close_preview(self, _open: bool = False):
        """Close the document dialog."""
        self.preview = {}


class PayoutQueueState(StaffState):
    """Requested payouts: mark paid, or failed with a reason (the money returns to the operator)."""

    waiting: list[dict[str, str]] = []
    recent: list[dict[str, str]] = []
    loaded: bool = False
    failing: dict[str, str] = {}
    fail_error: str = ""
    confirming_paid: dict[str, str] = {}

    @rx.event
    @role_page("admin")
    async def load(self):
        """Guard the page for staff, then read the payouts."""
        await self._read()
        self.failing, self.confirming_paid, self.loaded = {}, {}, True
        return None

    async def _read(self) -> None:
        rows = await self._call(payout_rows)
        self.waiting, self.recent = rows["waiting"], rows["recent"]

    @rx.event
    def start_paid(self, item: dict[str, str]):
        """Ask for confirmation, naming the operator and the amount, before settling a payout."""
        self.confirming_paid = {"id": item["id"], "amount": item["amount"], "email": item["email"],
                                "display_name": item["display_name"]}

    @rx.event
    def close_paid(self, _open: bool = False):
        """Close the confirmation without settling."""
        self.confirming_paid = {}

    @rx.event
    async def mark_paid(self):
        """The money was sent (just confirmed): settle the payout."""
        payout_id = self.confirming_paid.get("id", "")
        self.confirming_paid = {}
        try:
            staff_id = await self._staff_id()
            await self._call(payouts.mark_paid, payout_id=payout_id, staff_id=staff_id, by_staff=True)
        except HandoffError:
            await self._read()
            yield  # send the page its settled state; the refusal's toast follows from the raise
            raise
        await self._read()
        yield rx.toast.success("Marked paid")

    @rx.event
    def start_fail(self, item: dict[str, str]):
        """Open the reason dialog for one payout."""
        self.failing, self.fail_error = {"id": item["id"], "amount": item["amount"], "email": item["email"]}, ""

    @rx.event
    def close_fail(self, _open: bool = False):
        """Close the reason dialog."""
        self.failing, self.fail_error = {}, ""

    @rx.event
    async def mark_failed(self, form: dict[str, Any]):
        """Fail the open payout with the reason from the dialog; the money returns to available."""
        try:
            reason = clean_text(form.get("reason"), field="reason", maximum=MAX_REASON_CHARACTERS, multiline=True)
            staff_id = await self._staff_id()
            await self._call(payouts.mark_failed, payout_id=self.failing.get("id", ""), staff_id=staff_id,
                             reason=reason, by_staff=True)
        except HandoffError as exc:
            self.fail_error = exc.message
            return
        self.failing = {}
        await self._read()
        return rx.toast.success("Marked failed: the amount is back in the operator's available balance")
