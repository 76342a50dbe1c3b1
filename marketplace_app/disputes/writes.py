"""The dispute row's writes: read it, move it by a conditional UPDATE on its status, append a
history step and emit its event. Every dispute transition is made of these four."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import RowMapping, insert, select, update
from sqlmodel import Session

from marketplace_app.companies.access import checked_id
from marketplace_app.core.clock import now
from marketplace_app.core.errors import NotFound, StateConflict
from marketplace_app.disputes.models import Dispute, DisputeStatus, DisputeStep, Party
from marketplace_app.events import service as events

DISPUTES = Dispute.__table__
STEPS = DisputeStep.__table__


def load(session: Session, dispute_id: str, *, lock: bool = False) -> RowMapping:
    """The dispute row (locked FOR UPDATE when asked), or `NotFound`."""
    checked_id(dispute_id, "Dispute")  # a NUL byte would make PostgreSQL fail the query instead
    statement = select(DISPUTES).where(DISPUTES.c.id == dispute_id)
    dispute = session.execute(statement.with_for_update() if lock else statement).mappings().one_or_none()
    if dispute is None:
        raise NotFound(f"Dispute {dispute_id} not found")
    return dispute


def move(session: Session, dispute_id: str, sources: Sequence[DisputeStatus], values: Mapping[str, Any],
          conditions: Sequence[Any] = ()) -> RowMapping:
    """Update the dispute if its status is one of `sources` (and `conditions` hold), or `StateConflict` (409)."""
    moved = session.execute(update(DISPUTES).where(
        DISPUTES.c.id == dispute_id, DISPUTES.c.status.in_([str(source) for source in sources]), *conditions)
        .values(updated_at=now(), **values).returning(*DISPUTES.c)).mappings().one_or_none()
    if moved is None:
        raise StateConflict(f"Dispute {dispute_id} has moved on; read it again")
    return moved


def step(session: Session, dispute_id: str, kind: str, *, actor_type: Party, actor_id: str | None = None,
          from_tier: int | None = None, to_tier: int | None = None, ruling: str | None = None,
          refund_cents: int | None = None, text: str | None = None) -> None:
    """Append one step to the dispute's history."""
    session.execute(insert(STEPS).values(dispute_id=dispute_id, kind=kind, from_tier=from_tier, to_tier=to_tier,
                                         actor_type=actor_type, actor_id=actor_id, ruling=ruling,
                                         refund_cents=refund_cents, text=text, created_at=now()))


def emit(session: Session, dispute: Mapping[str, Any], event_type: str, **data: Any) -> None:
    """Emit a `dispute.*` event (and its webhook deliveries) in this transaction."""
    events.emit(session, [events.NewEvent(
        type=event_type, project_id=dispute["project_id"], company_id=dispute["company_id"],
        request_id=dispute["request_id"], operator_id=dispute["operator_id"], mode=dispute["mode"],
        data={"dispute_id": dispute["id"], "status": dispute["status"], "current_tier": dispute["current_tier"],
              **data})])
