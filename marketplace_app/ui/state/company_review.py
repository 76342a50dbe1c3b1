"""The company's review queue: results whose verification was unsure (`needs_review`), with the
operator's answer and the verification's reasons, approved or rejected by an owner or admin."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.companies.access import resolve_actor
from marketplace_app.core.errors import HandoffError, Unauthorized
from marketplace_app.requests import service as requests
from marketplace_app.requests.models import RequestStatus
from marketplace_app.ui.state.base import role_page
from marketplace_app.ui.state.company import CompanyState, scope
from marketplace_app.ui.state.display import money, skill, when
from marketplace_app.ui.state.forms import clean_text
from marketplace_app.work import review

QUEUE_SIZE = 50
MAX_REASON_CHARACTERS = 1000


@dataclasses.dataclass
class ReviewItem:
    """One result waiting for the company's decision."""

    id: str = ""
    title: str = ""
    context: str = ""
    skill: str = ""
    price: str = ""
    submitted: str = ""
    auto_approves: str = ""
    answer: str = ""
    confidence: str = ""
    proof_notes: str = ""
    files: str = "0"
    score: str = ""
    reasons: list[str] = dataclasses.field(default_factory=list)


def review_item(row: Mapping[str, Any]) -> ReviewItem:
    """A `needs_review` request with the operator's result."""
    result = row["result"] or {}
    verification = result.get("verification") or {}
    return ReviewItem(
        id=row["id"], title=row["title"] or "", context=row["context"], skill=skill(row["skill"]),
        price=money(row["max_price_cents"]), submitted=when(row["submitted_at"]),
        auto_approves=when(row["review_deadline_at"]), answer=result.get("answer") or "",
        confidence=result.get("confidence") or "", proof_notes=result.get("proof_notes") or "",
        files=str(len(result.get("files") or [])), score=str(verification.get("score", "")),
        reasons=list(verification.get("reasons") or []))


def review_queue(session: Session, *, user_id: str, mode: str) -> dict[str, Any]:
    """The company's `mode` results in review, newest first, and whether this member may decide."""
    actor = resolve_actor(session, user_id)
    page = requests.list_requests(session, ctx=scope(actor, mode), status=RequestStatus.needs_review,
                                  limit=QUEUE_SIZE)
    return {"items": [review_item(row) for row in page.rows], "can_decide": actor.can_write, "more": page.has_more}


def decide(session: Session, *, user_id: str, mode: str, request_id: str, approve: bool, reason: str = "") -> str:
    """Approve or reject one `mode` result as the signed-in member (the review service refuses a
    member who may only read); return the request's new status."""
    ctx = scope(resolve_actor(session, user_id), mode)
    if approve:
        return str(review.approve(session, ctx=ctx, request_id=request_id)["status"])
    return str(review.reject(session, ctx=ctx, request_id=request_id, reason=reason)["status"])


class CompanyReviewState(CompanyState):
    """Results waiting for the company's approval."""

    items: list[ReviewItem] = []
    can_decide: bool = False
    more: bool = False
    loaded: bool = False
    deciding: str = ""
    rejecting: dict[str, str] = {}
    reject_error: str = ""
    problem: str = ""
    decided: list[dict[str, str]] = []

    @rx.event
    @role_page("company")
    async def load(self):
        """Guard the page for company members, then read the queue."""
        await self._read()
        self.rejecting, self.deciding, self.decided, self.loaded = {}, "", [], True
        return None

    async def _read(self) -> None:
        try:
            queue = await self._call(review_queue, user_id=self._user_id, mode=self._mode())
        except HandoffError as exc:
            self.items, self.can_decide, self.more, self.problem = [], False, False, exc.message
            return
        self.items, self.can_decide, self.more, self.problem = queue["items"], queue["can_decide"], queue["more"], ""

    async def _member_id(self) -> str:
        user = await self._load_user()
        if user is None or user.role != "company":
            raise Unauthorized("Your session has ended; please sign in again")
        return user.id

    @rx.event
    async def approve(self, request_id: str):
        """Accept the result: the request completes and the operator is paid."""
        if self.deciding:
            return
        self.deciding = request_id
        yield
        try:
            status = await self._call(decide, user_id=await self._member_id(), mode=self._mode(),
                                      request_id=request_id, approve=True)
        except HandoffError:
            self.deciding = ""
            await self._read()
            yield  # send the page its settled state; the refusal's toast follows from the raise
            raise
        self._note(request_id, status)
        await self._read()
        self.deciding = ""
        yield rx.toast.success("Approved: the request is completed")

    @rx.event
    def start_reject(self, request_id: str):
        """Open the reason dialog for one result."""
        self.rejecting, self.reject_error = {"id": request_id}, ""

    @rx.event
    def close_reject(self, _open: bool = False):
        """Close the reason dialog."""
        self.rejecting, self.reject_error = {}, ""

    @rx.event
    async def reject(self, form: dict[str, Any]):
        """Refuse the result with a reason: the request goes to dispute and its escrow stays held."""
        request_id = self.rejecting.get("id", "")
        try:
            reason = clean_text(form.get("reason"), field="reason", maximum=MAX_REASON_CHARACTERS, multiline=True)
            status = await self._call(decide, user_id=await self._member_id(), mode=self._mode(),
                                      request_id=request_id, approve=False, reason=reason)
        except HandoffError as exc:
            self.reject_error = exc.message
            return
        self.rejecting = {}
        self._note(request_id, status)
        await self._read()
        return rx.toast.success("Rejected: the request is now disputed")

    @rx.event
    async def refresh(self):
        """Read the queue again."""
        await self._read()

    def _note(self, request_id: str, status: str) -> None:
        self.decided = [{"id": request_id, "status": status}, *self.decided][:10]
