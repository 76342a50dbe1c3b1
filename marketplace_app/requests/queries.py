"""Reading requests for staff pages: the brief and the result a case is about; the day's volume."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import Session

from marketplace_app.companies.models import KeyMode
from marketplace_app.requests.models import Request

REQUESTS = Request.__table__


@dataclass(frozen=True, slots=True)
class Brief:
    """What a request asked and what came back."""

    id: str
    title: str | None
    context: str
    result: dict[str, Any] | None


def briefs(session: Session, request_ids: Collection[str]) -> dict[str, Brief]:
    """The briefs of the requests among `request_ids`, by id (ids that name nothing are left out)."""
    if not request_ids:
        return {}
    rows = session.execute(select(REQUESTS.c.id, REQUESTS.c.title, REQUESTS.c.context, REQUESTS.c.result)
                           .where(REQUESTS.c.id.in_(list(request_ids)))).mappings()
    return {row["id"]: Brief(**row) for row in rows}


@dataclass(frozen=True, slots=True)
class Volume:
    """Live requests since a moment: created, completed, and the credit their creation put in escrow."""

    created: int
    completed: int
    escrowed_cents: int


def live_volume_since(session: Session, since: datetime) -> Volume:
    """The live (real-money) volume since `since`; test-mode requests move no credit and are left out."""
    live = REQUESTS.c.mode == KeyMode.live
    held = case((REQUESTS.c.hold_id.is_not(None), REQUESTS.c.max_price_cents), else_=0)
    created, escrowed = session.execute(select(func.count(), func.coalesce(func.sum(held), 0))
                                        .where(live, REQUESTS.c.created_at >= since)).one()
    completed = session.execute(select(func.count()).select_from(REQUESTS).where(
        live, REQUESTS.c.completed_at >= since)).scalar_one()
    return Volume(created=int(created), completed=int(completed), escrowed_cents=int(escrowed))
