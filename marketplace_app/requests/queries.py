"""Reading requests for staff pages: the brief and the result a case is about."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

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
