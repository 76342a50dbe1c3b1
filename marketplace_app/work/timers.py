"""The work window: an accepted request not submitted within its duration + 50 % goes
back to matching once (a fresh match window), and expires with a refund the second time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, tuple_, update
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.core.db import is_postgres
from marketplace_app.ledger import service as ledger
from marketplace_app.requests import status as machine
from marketplace_app.requests.models import URGENCY_SECONDS, Request, RequestStatus
from marketplace_app.settings import get_settings
from marketplace_app.work.models import AssignmentOutcome, WorkAssignment

REQUESTS = Request.__table__
ASSIGNMENTS = WorkAssignment.__table__


def batch_size() -> int:
    """Requests per work-window sweep transaction (a setting, read when the sweep runs)."""
    return get_settings().sweep_batch_rows


def enforce_work_window(session: Session, *, limit: int | None = None) -> int:
    """Requeue or expire overdue in-progress requests (one batch); return how many moved."""
    moment = now()
    due = select(REQUESTS.c.id, REQUESTS.c.requeue_count, REQUESTS.c.urgency, REQUESTS.c.operator_id).where(
        REQUESTS.c.status == RequestStatus.in_progress, REQUESTS.c.work_deadline_at <= moment,
        REQUESTS.c.mode == "live").order_by(REQUESTS.c.work_deadline_at).limit(limit or batch_size())
    if is_postgres(session):
        due = due.with_for_update(skip_locked=True)
    rows = session.execute(due).all()
    _time_out_assignments(session, [(row.id, row.operator_id) for row in rows])
    moved = _requeue(session, [row for row in rows if row.requeue_count == 0], moment)
    return moved + _expire(session, [row.id for row in rows if row.requeue_count > 0], moment)


def _time_out_assignments(session: Session, pairs: list[tuple[str, str]]) -> None:
    if not pairs:
        return
    # One statement for the batch: (request, operator) row values, as one UPDATE per pair did.
    session.execute(update(ASSIGNMENTS).where(
        tuple_(ASSIGNMENTS.c.request_id, ASSIGNMENTS.c.operator_id).in_(pairs),
        ASSIGNMENTS.c.outcome == AssignmentOutcome.working,
    ).values(outcome=AssignmentOutcome.timed_out, ended_at=now()))


def _requeue(session: Session, rows: list, moment) -> int:
    moved = 0
    grace = get_settings().match_grace_seconds
    for urgency in {row.urgency for row in rows}:
        ids = [row.id for row in rows if row.urgency == urgency]
        deadline = moment + timedelta(seconds=URGENCY_SECONDS[urgency] + grace)
        moved += len(machine.transition_many(
            session, request_ids=ids, to=RequestStatus.matching, sources=[RequestStatus.in_progress],
            actor=machine.SYSTEM, note="the operator did not submit in time: back to matching",
            values={"operator_id": None, "accepted_at": None, "work_deadline_at": None,
                    "match_deadline_at": deadline, "requeue_count": REQUESTS.c.requeue_count + 1},
            conditions=[REQUESTS.c.work_deadline_at <= moment]))
    return moved


def _expire(session: Session, ids: list[str], moment) -> int:
    moved = machine.transition_many(
        session, request_ids=ids, to=RequestStatus.expired, sources=[RequestStatus.in_progress],
        actor=machine.SYSTEM, note="the work window passed a second time", values={"closed_at": moment},
        conditions=[REQUESTS.c.work_deadline_at <= moment])
    ledger.void_holds(session, [row["hold_id"] for row in moved if row["hold_id"]],
                      reason="Request expired: nobody finished it in time; escrow refunded")
    return len(moved)
