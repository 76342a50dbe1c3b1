"""The request state machine: one transition table and one writer.

Nothing else assigns `request.status`. The writer changes status with a
conditional UPDATE (so concurrent callers cannot both win), appends the timeline,
records the `request.<status>` event and keeps the budget and spend rollups
(`spend.py`), all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping, insert, literal, select, update
from sqlmodel import Session

from marketplace_app.agents import trust
from marketplace_app.core.clock import now
from marketplace_app.core.errors import StateConflict
from marketplace_app.events import service as events
from marketplace_app.requests import spend
from marketplace_app.requests.models import Request, RequestEvent
from marketplace_app.requests.models import RequestStatus as S

REQUESTS = Request.__table__
TIMELINE = RequestEvent.__table__

TRANSITIONS: dict[S, frozenset[S]] = {
    S.matching: frozenset({S.in_progress, S.cancelled, S.expired}),
    S.in_progress: frozenset({S.submitted, S.completed, S.needs_review, S.disputed, S.matching, S.cancelled,
                              S.expired}),
    S.submitted: frozenset({S.completed, S.needs_review, S.disputed}),
    S.needs_review: frozenset({S.completed, S.disputed}),
    S.completed: frozenset({S.disputed}),
    S.disputed: frozenset(),
    S.expired: frozenset(),
    S.cancelled: frozenset(),
}
# What `event_for` reads from a row.
EVENT_COLUMNS = ("id", "project_id", "company_id", "operator_id", "mode", "skill", "callback_url",
                 "callback_secret_sealed")
TERMINAL = frozenset(status for status, targets in TRANSITIONS.items() if not targets)
_INSERT_TIMELINE = insert(TIMELINE)  # built once: every create runs it


@dataclass(frozen=True, slots=True)
class Actor:
    """Who caused a change: `agent` (key id), `company`/`operator` (user id) or `system`."""

    type: str
    id: str | None = None


SYSTEM = Actor("system")


def can_move(source: S, target: S) -> bool:
    """Whether the table allows `source` → `target`."""
    return target in TRANSITIONS[source]


def transition(session: Session, *, request_id: str, to: S, sources: Iterable[S], actor: Actor,
               values: Mapping[str, Any] | None = None, note: str | None = None,
               scope: Mapping[str, Any] | None = None, conditions: Sequence[Any] = ()) -> RowMapping:
    """Move one request from any of `sources` to `to`, or raise `StateConflict` (409) if it is not
    in one of them any more. `scope` adds column filters (e.g. the caller's project) and
    `conditions` further SQL conditions (e.g. a deadline not yet passed)."""
    rows = transition_many(session, request_ids=[request_id], to=to, sources=sources, actor=actor,
                           values=values, note=note, scope=scope, conditions=conditions)
    if not rows:
        raise StateConflict(f"Request {request_id} is no longer in a state that allows this")
    return rows[0]


def transition_many(session: Session, *, request_ids: Sequence[str], to: S, sources: Iterable[S], actor: Actor,
                    values: Mapping[str, Any] | None = None, note: str | None = None,
                    scope: Mapping[str, Any] | None = None, conditions: Sequence[Any] = (),
                    returning: Sequence[str] | None = None) -> list[RowMapping]:
    """Set-based transition: move whichever of `request_ids` are still in `sources`; return them.

    `returning` names the columns a sweep needs back besides those of the event (`EVENT_COLUMNS`)
    and of the budget and spend rollups (`spend.ROLLUP_COLUMNS`);
    None returns whole rows. Thousands of whole rows (context, JSON proof lists) cost a sweep
    more than its writes.
    """
    sources = [source for source in sources if can_move(source, to)]
    if not request_ids or not sources:
        return []
    statement = update(REQUESTS).where(REQUESTS.c.id.in_(list(request_ids)), REQUESTS.c.status.in_(sources))
    for column, value in (scope or {}).items():
        statement = statement.where(REQUESTS.c[column] == value)
    if conditions:
        statement = statement.where(*conditions)
    columns = REQUESTS.c if returning is None else [
        REQUESTS.c[name] for name in dict.fromkeys((*EVENT_COLUMNS, *spend.ROLLUP_COLUMNS, *returning))]
    moved = session.execute(statement.values(status=to, **(values or {})).returning(*columns)).mappings().all()
    # With one possible source the previous status is known exactly; otherwise the
    # timeline's previous line says it.
    previous = sources[0] if len(sources) == 1 else None
    _record(session, moved, previous=previous, to=to, actor=actor, note=note)
    # Budgets and fee tiers count by status: their rollups change with it, in this transaction.
    spend.count_transition(session, moved, to=to)
    # An agent's trust counts its outcomes (one indexed no-op UPDATE for a plain project).
    trust.count_request_outcomes(session, moved, to=to)
    return list(moved)


def _record(session: Session, rows: Sequence[RowMapping], *, previous: S | None, to: S, actor: Actor,
            note: str | None) -> None:
    if not rows:
        return
    # One INSERT … SELECT: the values are the same for every line, only the request differs.
    line = {"from_status": previous, "to_status": to, "actor_type": actor.type, "actor_id": actor.id,
            "note": note, "created_at": now()}
    session.execute(insert(TIMELINE).from_select(
        ["request_id", *line],
        select(REQUESTS.c.id, *(literal(value, TIMELINE.c[name].type) for name, value in line.items()))
        .where(REQUESTS.c.id.in_([row["id"] for row in rows]))))
    events.emit(session, [event_for(row, to) for row in rows])


def record_creation(session: Session, row: Mapping[str, Any], *, actor: Actor) -> None:
    """Start the timeline of a new request (status `matching`) and emit `request.matching`."""
    session.execute(_INSERT_TIMELINE, {"request_id": row["id"], "from_status": None, "to_status": S.matching,
                                       "actor_type": actor.type, "actor_id": actor.id, "note": "created",
                                       "created_at": row["created_at"]})
    events.emit(session, [event_for(row, S.matching)])


def event_for(row: Mapping[str, Any], status: S) -> events.NewEvent:
    """The `request.<status>` event for a request row."""
    return events.NewEvent(type=f"request.{status}", project_id=row["project_id"], company_id=row["company_id"],
                           request_id=row["id"], operator_id=row.get("operator_id"), mode=row["mode"],
                           data={"status": str(status), "skill": row["skill"]},
                           callback_url=row.get("callback_url"),
                           callback_secret_sealed=row.get("callback_secret_sealed"))
