"""What operators do: read the feed, accept, submit. Every status change goes through the
request state machine; money moves only in `completion`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import RowMapping, insert, select, update
from sqlmodel import Session

from marketplace_app.companies.access import checked_id
from marketplace_app.companies.models import Project
from marketplace_app.core.clock import isoformat, now
from marketplace_app.core.errors import Expired, Forbidden, InvalidState, NotFound, StateConflict
from marketplace_app.disputes import service as disputes
from marketplace_app.disputes.models import Party
from marketplace_app.operators.models import KycStatus, OperatorProfile
from marketplace_app.requests import status as machine
from marketplace_app.requests import visibility
from marketplace_app.requests.models import Request, RequestStatus
from marketplace_app.settings import get_settings
from marketplace_app.uploads.service import UploadPurpose, owned_uploads
from marketplace_app.work import completion
from marketplace_app.work.models import AssignmentOutcome, ContextView, WorkAssignment
from marketplace_app.work.verification import Submission, Verdict

REQUESTS = Request.__table__
PROJECTS = Project.__table__
ASSIGNMENTS = WorkAssignment.__table__
FEED_LIMIT = 100
KYC_STATE_TEXT = {KycStatus.not_started: "you have not submitted it yet",
                  KycStatus.pending: "your submission is being reviewed",
                  KycStatus.rejected: "your last submission was rejected; see why and submit again",
                  KycStatus.verified: "verified"}


def working_profile(session: Session, operator_id: str) -> OperatorProfile:
    """The operator's profile, if they may see and take work now.

    Raises:
        Forbidden: Not an operator, not KYC-verified, or not available (the message says which).
    """
    profile = session.get(OperatorProfile, operator_id)
    if profile is None:
        raise Forbidden("Only operators can take work")
    if profile.kyc_status != KycStatus.verified:
        raise Forbidden(f"Complete identity verification before taking work ({KYC_STATE_TEXT[profile.kyc_status]})")
    if not profile.available:
        raise Forbidden("Switch your availability on to see and accept work")
    return profile


def feed(session: Session, *, operator_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """Matching live requests for the operator's skills, most urgent first, policy applied."""
    profile = working_profile(session, operator_id)
    if not profile.skills:
        return []
    rows = session.execute(
        select(REQUESTS, PROJECTS.c.redaction_terms).join(PROJECTS, PROJECTS.c.id == REQUESTS.c.project_id).where(
            REQUESTS.c.status == RequestStatus.matching, REQUESTS.c.mode == "live",
            REQUESTS.c.skill.in_(profile.skills), REQUESTS.c.match_deadline_at > now(),
        ).order_by(REQUESTS.c.match_deadline_at, REQUESTS.c.created_at.desc()).limit(min(limit, FEED_LIMIT))
    ).mappings().all()
    return [_shown(session, row, operator_id=operator_id) for row in rows]


def _shown(session: Session, row: Any, *, operator_id: str) -> dict[str, Any]:
    """`row` as this operator may see it now; what only its assignee may read is logged when shown."""
    assigned = row["operator_id"] == operator_id
    if assigned and visibility.withheld_from_others(row):
        session.execute(insert(ContextView.__table__).values(request_id=row["id"], operator_id=operator_id,
                                                            viewed_at=now()))
    return visibility.operator_view(row, assigned=assigned, terms=row["redaction_terms"])


def view(session: Session, *, operator_id: str, request_id: str) -> dict[str, Any]:
    """One request for the operator: the whole task and their `result` once it is theirs, else as
    the feed shows it.

    Raises:
        NotFound: Neither assigned to them nor open to them.
    """
    row = _load(session, request_id)
    if row is not None and row["operator_id"] == operator_id:
        return {**_shown(session, row, operator_id=operator_id), "result": row["result"]}
    profile = working_profile(session, operator_id)
    if row is None or row["status"] != RequestStatus.matching or row["mode"] != "live" \
            or row["skill"] not in profile.skills:
        raise NotFound(f"Request {request_id} not found")
    return {**_shown(session, row, operator_id=operator_id), "result": None}


def _load(session: Session, request_id: str) -> RowMapping | None:
    checked_id(request_id, "Request")  # a NUL byte would make PostgreSQL fail the query instead
    return session.execute(select(REQUESTS, PROJECTS.c.redaction_terms)
                           .join(PROJECTS, PROJECTS.c.id == REQUESTS.c.project_id)
                           .where(REQUESTS.c.id == request_id)).mappings().one_or_none()


def accept(session: Session, *, operator_id: str, request_id: str) -> RowMapping:
    """Take a matching request. Exactly one operator wins.

    Raises:
        Forbidden: Not allowed to work, or the skill is not theirs.
        NotFound: No such open request.
        Expired: Its match window passed (410).
        StateConflict: Someone else accepted first (409).
    """
    profile = working_profile(session, operator_id)
    row = _load(session, request_id)
    if row is None or row["mode"] != "live":
        raise NotFound(f"Request {request_id} not found")
    if row["skill"] not in profile.skills:
        raise Forbidden(f"This request needs the skill {row['skill']}, which is not in your profile")
    moment = now()
    window = timedelta(seconds=row["duration_seconds"] * get_settings().work_window_percent // 100)
    moved = machine.transition_many(
        session, request_ids=[request_id], to=RequestStatus.in_progress, sources=[RequestStatus.matching],
        actor=machine.Actor("operator", operator_id), note="accepted",
        values={"operator_id": operator_id, "accepted_at": moment, "work_deadline_at": moment + window},
        conditions=[REQUESTS.c.match_deadline_at > moment])
    if not moved:
        _explain_lost_accept(session, request_id, moment)
    session.execute(insert(ASSIGNMENTS).values(request_id=request_id, operator_id=operator_id, accepted_at=moment,
                                               outcome=AssignmentOutcome.working))
    return moved[0]


def _explain_lost_accept(session: Session, request_id: str, moment) -> None:
    current = session.execute(select(REQUESTS.c.status, REQUESTS.c.match_deadline_at)
                              .where(REQUESTS.c.id == request_id)).one()
    if current.status == RequestStatus.expired or (
            current.status == RequestStatus.matching and current.match_deadline_at <= moment):
        raise Expired(f"Request {request_id} expired before it was accepted")
    raise StateConflict(f"Request {request_id} was already accepted by another operator")


def load_assigned(session: Session, *, operator_id: str, request_id: str) -> RowMapping:
    """The operator's in-progress request (for verification before submitting).

    Raises:
        NotFound: Not assigned to this operator.
        InvalidState: Not in progress any more.
    """
    row = _load(session, request_id)
    if row is None or row["operator_id"] != operator_id:
        raise NotFound(f"Request {request_id} not found")
    if row["status"] != RequestStatus.in_progress:
        raise InvalidState(f"Request {request_id} is {row['status']}; only work in progress can be submitted")
    return row


def submit(session: Session, *, operator_id: str, request_id: str, submission: Submission, file_ids: list[str],
           verdict: Verdict) -> RowMapping:
    """Hand in the work; the verdict's band decides completed, needs_review or disputed."""
    owned_uploads(session, owner_user_id=operator_id, upload_ids=file_ids, purpose=UploadPurpose.proof)
    actor = machine.Actor("operator", operator_id)
    moment = now()
    result = {"answer": submission.answer, "confidence": submission.confidence,
              "proof_notes": submission.proof_notes or None, "files": file_ids,
              "verification": {"score": verdict.score, "reasons": verdict.reasons}}
    machine.transition(session, request_id=request_id, to=RequestStatus.submitted,
                       sources=[RequestStatus.in_progress], actor=actor, note=f"verification {verdict.score}/100",
                       values={"submitted_at": moment, "result": result}, scope={"operator_id": operator_id})
    _end_assignment(session, request_id=request_id, operator_id=operator_id, outcome=AssignmentOutcome.submitted)
    return _route_by_verdict(session, request_id=request_id, verdict=verdict)


def _route_by_verdict(session: Session, *, request_id: str, verdict: Verdict) -> RowMapping:
    if verdict.band == "completed":
        return completion.complete(session, request_id=request_id, sources=[RequestStatus.submitted],
                                   actor=machine.SYSTEM, note="verification passed")
    if verdict.band == "needs_review":
        deadline = now() + timedelta(hours=get_settings().review_window_hours)
        return machine.transition(session, request_id=request_id, to=RequestStatus.needs_review,
                                  sources=[RequestStatus.submitted], actor=machine.SYSTEM,
                                  values={"review_deadline_at": deadline}, note="verification unsure: company review")
    row = machine.transition(session, request_id=request_id, to=RequestStatus.disputed,
                             sources=[RequestStatus.submitted], actor=machine.SYSTEM,
                             note="verification failed: " + "; ".join(verdict.reasons)[:250])
    reason = f"Automated verification scored {verdict.score}/100: " + "; ".join(verdict.reasons)
    disputes.open_automatically(session, request_row=row, reason=reason, opened_by=Party.system)
    return row


def _end_assignment(session: Session, *, request_id: str, operator_id: str, outcome: AssignmentOutcome) -> None:
    session.execute(update(ASSIGNMENTS).where(
        ASSIGNMENTS.c.request_id == request_id, ASSIGNMENTS.c.operator_id == operator_id,
        ASSIGNMENTS.c.outcome == AssignmentOutcome.working).values(outcome=outcome, ended_at=now()))


def my_work(session: Session, *, operator_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The operator's assignments, newest first, with each request's current state."""
    rows = session.execute(
        select(ASSIGNMENTS.c.outcome, ASSIGNMENTS.c.accepted_at.label("assigned_at"), ASSIGNMENTS.c.ended_at, REQUESTS,
               PROJECTS.c.redaction_terms)
        .join(REQUESTS, REQUESTS.c.id == ASSIGNMENTS.c.request_id)
        .join(PROJECTS, PROJECTS.c.id == REQUESTS.c.project_id)
        .where(ASSIGNMENTS.c.operator_id == operator_id).order_by(ASSIGNMENTS.c.accepted_at.desc()).limit(limit)
    ).mappings().all()
    items = []
    for row in rows:
        mine = row["operator_id"] == operator_id
        item = _shown(session, row, operator_id=operator_id)
        item.update(outcome=row["outcome"], accepted_at=isoformat(row["assigned_at"]),
                    ended_at=isoformat(row["ended_at"]), result=row["result"] if mine else None)
        items.append(item)
    return items


def briefs(session: Session, *, operator_id: str, request_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Those of `request_ids` assigned to this operator, as they may see each (lists that name their
    requests, e.g. their disputes); other ids are left out."""
    if not request_ids:
        return {}
    rows = session.execute(select(REQUESTS, PROJECTS.c.redaction_terms)
                           .join(PROJECTS, PROJECTS.c.id == REQUESTS.c.project_id)
                           .where(REQUESTS.c.id.in_(list(request_ids)), REQUESTS.c.operator_id == operator_id)
                           ).mappings().all()
    return {row["id"]: _shown(session, row, operator_id=operator_id) for row in rows}
