"""Reading an agent's trust history (the API's `GET /v1/agents/me/trust-history`, the owner's chart)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.agents.models import TrustChange
from marketplace_app.core.pagination import integer_anchor, newest_first

CHANGES = TrustChange.__table__
MAX_ROW_ID = 2**31 - 1  # trust change ids are 32-bit integers on PostgreSQL


@dataclass(frozen=True, slots=True)
class Change:
    """One change of the score, with what caused it."""

    id: int
    at: datetime
    score_before: int
    score_after: int
    tier: str
    cause: str
    detail: str
    subject_id: str | None


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """Changes newest first; `next_starting_after` is the last one's id when more follow."""

    changes: list[Change]
    has_more: bool
    next_starting_after: int | None


def trust_history(session: Session, agent_id: str, *, limit: int = 20,
                  starting_after: int | None = None) -> HistoryPage:
    """The agent's trust changes newest first, after change `starting_after` if given (one index range).

    Args:
        session: A unit of work.
        agent_id: Whose history (the caller has established it is theirs).
        limit: At most this many changes.
        starting_after: A change id from an earlier page; only older changes follow.
    """
    statement = select(CHANGES).where(CHANGES.c.agent_id == agent_id)
    anchor = integer_anchor(starting_after, max_id=MAX_ROW_ID)
    page = newest_first(session, statement, columns=(CHANGES.c.id,), anchor=anchor, limit=limit)
    changes = [Change(id=row["id"], at=row["at"], score_before=row["score_before"], score_after=row["score_after"],
                      tier=row["tier_after"], cause=row["cause"], detail=row["detail"], subject_id=row["subject_id"])
               for row in page.rows]
    return HistoryPage(changes=changes, has_more=page.has_more,
                       next_starting_after=changes[-1].id if page.has_more else None)
