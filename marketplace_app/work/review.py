"""The company's review of unsure results: approve, reject, or silence (auto-approval
after the review window)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import RowMapping, select
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.core.errors import InvalidState, ValidationFailed
from marketplace_app.disputes import service as disputes
from marketplace_app.disputes.models import Party
from marketplace_app.requests import service as requests
from marketplace_app.requests import status as machine
from marketplace_app.requests.models import Request, RequestStatus
from marketplace_app.work import completion

REQUESTS = Request.__table__
BATCH_SIZE = 200


def can_review(row: Mapping[str, Any]) -> bool:
    """Whether the company may approve or reject the request's result: it waits in `needs_review`."""
    return row["status"] == RequestStatus.needs_review


def _reviewable(session: Session, ctx: requests.Reader, request_id: str) -> RowMapping:
    # The actor is checked first: a read-only member learns nothing more by trying.
    requests.require_may_act(ctx, "approve or reject results")
    row = requests.get_request(session, ctx=ctx, request_id=request_id)
    if not can_review(row):
        raise InvalidState(f"Request {request_id} is {row['status']}; only results in needs_review can be reviewed")
    return row


def approve(session: Session, *, ctx: requests.Reader, request_id: str) -> RowMapping:
    """Accept a result under review: the request completes and the escrow posts.

    Raises:
        Forbidden: A company member who may only read.
        NotFound: Not a request of this caller.
        InvalidState: The result is not in review (`can_review`).
    """
    _reviewable(session, ctx, request_id)
    actor = requests.actor_of(ctx)
    return completion.complete(session, request_id=request_id, sources=[RequestStatus.needs_review], actor=actor,
                               note=f"approved by the {actor.type}", scope=requests.scope_of(ctx))


def reject(session: Session, *, ctx: requests.Reader, request_id: str, reason: str) -> RowMapping:
    """Refuse a result under review: the request is disputed (its escrow stays held) and tier 0 rules.

    Raises:
        Forbidden: A company member who may only read.
        ValidationFailed: `reason` is not 1 to 1,000 characters.
        NotFound: Not a request of this caller.
        InvalidState: The result is not in review (`can_review`).
    """
    reason = (reason or "").strip()
    if not 1 <= len(reason) <= 1000:
        raise ValidationFailed("reason must be 1 to 1000 characters")
    _reviewable(session, ctx, request_id)
    actor = requests.actor_of(ctx)
    row = machine.transition(session, request_id=request_id, to=RequestStatus.disputed,
                             sources=[RequestStatus.needs_review], actor=actor,
                             note=f"rejected: {reason}"[:300], scope=requests.scope_of(ctx))
    disputes.open_automatically(session, request_row=row, reason=reason, opened_by=Party.company, actor_id=actor.id)
    return row


def auto_approve_due(session: Session, *, limit: int = BATCH_SIZE) -> int:
    """Complete results whose review window passed in silence; return how many."""
    moment = now()
    due = list(session.execute(select(REQUESTS.c.id).where(
        REQUESTS.c.status == RequestStatus.needs_review, REQUESTS.c.review_deadline_at <= moment,
    ).order_by(REQUESTS.c.review_deadline_at).limit(limit)).scalars())
    approved = 0
    for request_id in due:
        try:
            completion.complete(session, request_id=request_id, sources=[RequestStatus.needs_review],
                                actor=machine.SYSTEM, note="no review within the window: approved",
                                conditions=[REQUESTS.c.review_deadline_at <= moment])
            approved += 1
        except InvalidState:
            continue  # reviewed in the meantime
    return approved
