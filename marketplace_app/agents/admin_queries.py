"""What staff read about agents (`GET /v1/admin/agents`, the `/admin/agents` page): newest first,
keyset by `(created_at, id)`, filtered by status and by text in handle, name or owner e-mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlmodel import Session

from marketplace_app.agents.models import Agent, AgentStatus
from marketplace_app.core.errors import ValidationFailed
from marketplace_app.core.pagination import decode_cursor, find_anchor, newest_first

AGENTS = Agent.__table__
SORT_COLUMNS = (AGENTS.c.created_at, AGENTS.c.id)
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True, slots=True)
class AgentRow:
    """One agent as staff see it in the list."""

    id: str
    handle: str
    name: str
    owner_email: str
    company_id: str
    project_id: str
    status: str
    trust_score: int
    trust_tier: str
    created_at: datetime
    activated_at: datetime | None
    frozen_at: datetime | None
    frozen_reason: str | None
    frozen_by: str | None


@dataclass(frozen=True, slots=True)
class AgentPage:
    """A page of agents, newest first, and the cursor of the next one."""

    agents: list[AgentRow]
    has_more: bool
    next_cursor: str | None


def list_agents(session: Session, *, status: str | None = None, q: str | None = None, limit: int = 20,
                starting_after: str | None = None) -> AgentPage:
    """Every agent (any owner), newest first.

    Args:
        session: A unit of work.
        status: Only agents in this status (`agents.models.AgentStatus`).
        q: Only agents whose handle, name or owner e-mail contains this text (any case).
        limit: At most this many agents.
        starting_after: The last agent id of an earlier page.

    Raises:
        ValidationFailed: An unknown status, or a cursor that is not an agent id.
    """
    statement = select(AGENTS)
    if status:
        if status not in set(AgentStatus):
            raise ValidationFailed(f"status must be one of: {', '.join(AgentStatus)}")
        statement = statement.where(AGENTS.c.status == status)
    text = (q or "").strip()[:MAX_QUERY_LENGTH].lower()
    if any(ord(character) < 32 or ord(character) == 127 for character in text):
        raise ValidationFailed("q must be plain text (no control characters)")
    if text:
        # `contains(autoescape=True)`: a `%` or `_` typed by staff is a character, not a wildcard.
        statement = statement.where(or_(*[func.lower(column).contains(text, autoescape=True) for column in (
            AGENTS.c.handle, AGENTS.c.name, AGENTS.c.owner_email)]))
    cursor = decode_cursor(starting_after)
    anchor = find_anchor(session, SORT_COLUMNS, AGENTS.c.id == cursor) if cursor else None
    if cursor and anchor is None:
        raise ValidationFailed("starting_after must be an agent id from an earlier page's next_starting_after")
    page = newest_first(session, statement, columns=SORT_COLUMNS, anchor=anchor, limit=limit)
    return AgentPage(agents=[AgentRow(**{name: row[name] for name in AgentRow.__slots__}) for row in page.rows],
                     has_more=page.has_more, next_cursor=page.next_cursor)
