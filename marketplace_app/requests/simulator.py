"""Test mode: a simulated operator accepts `pk_test_` requests after about a second and
completes them a couple of seconds later with a plausible canned result. Same
statuses and events as live work; no credits move (test requests hold no escrow)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.requests import status as machine
from marketplace_app.requests.models import Request, RequestStatus

REQUESTS = Request.__table__
ACCEPT_AFTER = timedelta(seconds=1)
COMPLETE_AFTER = timedelta(seconds=2)
SIMULATED_OPERATOR = {"id": "ptx_test_simulated", "avg_response_quality": 4.8, "tasks_completed": 342}
SIMULATOR = machine.Actor("operator", SIMULATED_OPERATOR["id"])
BATCH_SIZE = 500


def simulate(session: Session) -> int:
    """Advance due test-mode requests one step each; return how many moved."""
    return _accept_due(session) + _complete_due(session)


def _due(session: Session, status: RequestStatus, column, wait: timedelta) -> list[str]:
    return list(session.execute(select(REQUESTS.c.id).where(
        REQUESTS.c.mode == "test", REQUESTS.c.status == status, column <= now() - wait,
    ).limit(BATCH_SIZE)).scalars())


def _accept_due(session: Session) -> int:
    ids = _due(session, RequestStatus.matching, REQUESTS.c.created_at, ACCEPT_AFTER)
    moment = now()
    return len(machine.transition_many(
        session, request_ids=ids, to=RequestStatus.in_progress, sources=[RequestStatus.matching], actor=SIMULATOR,
        values={"accepted_at": moment, "work_deadline_at": moment + timedelta(minutes=5)},
        note="accepted by the test-mode operator"))


def _complete_due(session: Session) -> int:
    ids = _due(session, RequestStatus.in_progress, REQUESTS.c.accepted_at, COMPLETE_AFTER)
    rows = session.execute(select(REQUESTS.c.id, REQUESTS.c.skill, REQUESTS.c.context)
                           .where(REQUESTS.c.id.in_(ids))).all()
    completed = 0
    moment = now()
    for row in rows:
        completed += len(machine.transition_many(
            session, request_ids=[row.id], to=RequestStatus.completed, sources=[RequestStatus.in_progress],
            actor=SIMULATOR, values={"completed_at": moment, "submitted_at": moment, "result": canned_result(
                row.skill, row.context)}, note="completed by the test-mode operator"))
    return completed


def canned_result(skill: str, context: str) -> dict[str, str]:
    """A plausible answer that says plainly it is simulated."""
    topic = " ".join(context.split())[:120]
    return {"answer": f"[test mode] Simulated {skill.replace('_', ' ')} result for: {topic}",
            "confidence": "high"}
