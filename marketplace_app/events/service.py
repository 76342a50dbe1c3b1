"""Writing events. Called inside the transaction that made the change, so an event
exists exactly when its change does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from marketplace_app.core.clock import isoformat, now
from marketplace_app.core.ids import new_id
from marketplace_app.events.models import Event

EVENTS = Event.__table__
_INSERT_EVENTS = insert(EVENTS)  # built once: every create runs it


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event to record: `type` like `request.completed`, plus its scope and data."""

    type: str
    project_id: str | None
    company_id: str | None
    request_id: str | None = None
    operator_id: str | None = None
    mode: str = "live"
    data: dict[str, Any] = field(default_factory=dict)
    callback_url: str | None = None
    callback_secret_sealed: str | None = None


def emit(session: Session, events: Sequence[NewEvent]) -> list[str]:
    """Record `events` (in order), queue their webhook deliveries, and return their ids."""
    from marketplace_app.webhooks.service import enqueue

    if not events:
        return []
    moment = now()
    rows = [{"id": new_id("evt"), "type": event.type, "project_id": event.project_id,
             "company_id": event.company_id, "request_id": event.request_id,
             "operator_id": event.operator_id, "mode": event.mode,
             "data": event.data, "created_at": moment} for event in events]
    session.execute(_INSERT_EVENTS, rows)
    enqueue(session, [{**row, "callback_url": event.callback_url,
                       "callback_secret_sealed": event.callback_secret_sealed}
                      for row, event in zip(rows, events, strict=True)])
    return [row["id"] for row in rows]


def render(event: Event | Any) -> dict[str, Any]:
    """The wire shape (as in the seed): `type`, `request_id`, `timestamp`, `data`, plus `event_id` and
    `livemode` (false for events of `pk_test_` keys, which reach the same endpoints)."""
    return {"event_id": event.id, "type": event.type, "request_id": event.request_id,
            "timestamp": isoformat(event.created_at), "livemode": event.mode == "live", "data": event.data}
