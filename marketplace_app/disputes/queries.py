"""Reading disputes: a party's, a juror's and staff's views of them (no writes)."""

from __future__ import annotations

from sqlalchemy import RowMapping, func, select
from sqlmodel import Session

from marketplace_app.companies.access import checked_id
from marketplace_app.core.errors import NotFound
from marketplace_app.core.pagination import KeysetPage, decode_cursor, find_anchor, newest_first
from marketplace_app.disputes.models import Dispute, DisputeJuror, DisputeStatus, DisputeStep, JurorStatus
from marketplace_app.disputes.service import OPEN, REVIEW_STATUS
from marketplace_app.identity import staff
from marketplace_app.requests import service as requests
from marketplace_app.requests.models import Request

DISPUTES = Dispute.__table__
JURORS = DisputeJuror.__table__
STEPS = DisputeStep.__table__
REQUESTS = Request.__table__


def for_request(session: Session, *, ctx: requests.Reader, request_id: str) -> RowMapping:
    """The dispute of one of the caller's requests."""
    requests.get_request(session, ctx=ctx, request_id=request_id)
    dispute = of_request(session, request_id)
    if dispute is None:
        raise NotFound(f"Request {request_id} has no dispute")
    return dispute


def for_operator(session: Session, *, operator_id: str, dispute_id: str) -> RowMapping:
    checked_id(dispute_id, "Dispute")
    dispute = session.execute(select(DISPUTES).where(DISPUTES.c.id == dispute_id,
                                                     DISPUTES.c.operator_id == operator_id)).mappings().one_or_none()
    if dispute is None:
        raise NotFound(f"Dispute {dispute_id} not found")
    return dispute


def operator_disputes(session: Session, *, operator_id: str) -> list[RowMapping]:
    return list(session.execute(select(DISPUTES).where(DISPUTES.c.operator_id == operator_id)
                                .order_by(DISPUTES.c.created_at.desc()).limit(100)).mappings())


def company_disputes(session: Session, *, company_id: str, mode: str, limit: int = 20,
                     starting_after: str | None = None) -> KeysetPage:
    """The company's disputes in `mode`, newest first, each with its request's title and context.

    An unknown cursor (another company's or mode's dispute) starts from the top.

    Raises:
        ValidationFailed: `starting_after` is not shaped like an id.
    """
    statement = select(DISPUTES, REQUESTS.c.title, REQUESTS.c.context).join(
        REQUESTS, REQUESTS.c.id == DISPUTES.c.request_id).where(DISPUTES.c.company_id == company_id,
                                                               DISPUTES.c.mode == mode)
    columns = (DISPUTES.c.created_at, DISPUTES.c.id)
    cursor = decode_cursor(starting_after)
    anchor = find_anchor(session, columns, DISPUTES.c.id == cursor, DISPUTES.c.company_id == company_id,
                         DISPUTES.c.mode == mode) if cursor else None
    return newest_first(session, statement, columns=columns, anchor=anchor, limit=limit)


def of_request(session: Session, request_id: str) -> RowMapping | None:
    """The dispute of a request the caller has already found in its own scope, or None."""
    return session.execute(select(DISPUTES).where(DISPUTES.c.request_id == request_id)).mappings().one_or_none()


def history(session: Session, dispute_id: str) -> list[RowMapping]:
    return list(session.execute(select(STEPS).where(STEPS.c.dispute_id == dispute_id)
                                .order_by(STEPS.c.id)).mappings())


def jurors(session: Session, dispute_id: str) -> list[RowMapping]:
    return list(session.execute(select(JURORS).where(JURORS.c.dispute_id == dispute_id)
                                .order_by(JURORS.c.id)).mappings())


def open_count(session: Session) -> dict[str, int]:
    rows = session.execute(select(DISPUTES.c.status, func.count()).where(DISPUTES.c.status.in_(OPEN))
                           .group_by(DISPUTES.c.status)).all()
    return {status: count for status, count in rows}


def jury_duty(session: Session, *, juror_id: str) -> list[RowMapping]:
    """The disputes this operator sits on, newest first, with their vote."""
    return list(session.execute(
        select(DISPUTES, JURORS.c.vote.label("my_vote"), JURORS.c.assigned_at)
        .join(JURORS, JURORS.c.dispute_id == DISPUTES.c.id)
        .where(JURORS.c.juror_id == juror_id, JURORS.c.status == JurorStatus.active)
        .order_by(JURORS.c.id.desc()).limit(100)).mappings())


def staff_queue(session: Session, *, tier: int, staff_id: str | None = None, limit: int = 100) -> list[RowMapping]:
    """Disputes waiting for staff at `tier`, soonest deadline first; with `staff_id`, the specialist
    queue holds only the skills they specialise in (and those nobody on staff does)."""
    statement = select(DISPUTES).where(DISPUTES.c.status == REVIEW_STATUS[tier])
    if staff_id is not None and REVIEW_STATUS[tier] == DisputeStatus.specialist_review:
        statement = statement.where(staff.specialist_condition(DISPUTES.c.skill, staff_id))
    return list(session.execute(statement.order_by(DISPUTES.c.deadline_at).limit(limit)).mappings())
