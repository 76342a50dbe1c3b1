"""Public discovery of agents: search, the public profile and the reviews (no sign-in, no private data).

Only active agents are shown; a pending, frozen or deleted one is "not found" like an unknown one.
What is public is `PUBLIC_COLUMNS` and nothing else: never the owner's e-mail, the organisation,
keys, budgets, balances or the endpoint's address (a profile says only whether the agent sells
calls). Every list is a keyset walk of one index of its order (`ix_agent_status_*`, migration 0018).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Text, cast, func, or_, select
from sqlmodel import Session

from marketplace_app.agents.models import Agent, AgentStatus
from marketplace_app.core.clock import isoformat
from marketplace_app.core.errors import NotFound, ValidationFailed
from marketplace_app.core.money import format_money
from marketplace_app.core.pagination import decode_cursor, find_anchor, newest_first
from marketplace_app.settings import get_settings

AGENTS = Agent.__table__
PUBLIC_COLUMNS = (AGENTS.c.id, AGENTS.c.handle, AGENTS.c.name, AGENTS.c.description, AGENTS.c.category,
                  AGENTS.c.capabilities, AGENTS.c.trust_score, AGENTS.c.trust_tier, AGENTS.c.endpoint_url,
                  AGENTS.c.service_price_cents, AGENTS.c.activated_at, AGENTS.c.completed_count)
LIKE_ESCAPE = "\\"
# What an id or a handle can be: anything else names no agent and never reaches SQL (PostgreSQL
# refuses even to compare a string holding NUL).
AGENT_REF = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class DiscoverySort(StrEnum):
    """The orders of `GET /v1/agents`, each with its sort columns (most significant first, id last)."""

    trust = "trust"
    new = "new"
    revenue = "revenue"


SORT_COLUMNS = {
    DiscoverySort.trust: (AGENTS.c.trust_score, AGENTS.c.id),
    DiscoverySort.new: (AGENTS.c.activated_at, AGENTS.c.id),
    # Completed sales revenue: 0 for every agent until agents sell jobs (next issue), so the trust order.
    DiscoverySort.revenue: (AGENTS.c.sales_revenue_cents, AGENTS.c.trust_score, AGENTS.c.id),
}


@dataclass(frozen=True, slots=True)
class SearchFilters:
    """What a search narrows to; None is "any".

    Attributes:
        text: Words found in the name, handle or description (case-insensitive, taken literally).
        capability: One capability tag the agent lists.
        tier: One trust tier.
        category: One category.
    """

    text: str | None = None
    capability: str | None = None
    tier: str | None = None
    category: str | None = None


@dataclass(frozen=True, slots=True)
class AgentPage:
    """Public profiles in the search's order; `next_cursor` is the last one's id when more follow."""

    agents: list[dict[str, Any]]
    has_more: bool
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class ReviewPage:
    """Reviews newest first (`id`, `rating` 1-5, `comment`, `created_at` each); `next_cursor` as above."""

    reviews: list[dict[str, Any]]
    has_more: bool
    next_cursor: str | None


def search(session: Session, *, filters: SearchFilters, sort: DiscoverySort = DiscoverySort.trust,
           limit: int = 20, cursor: str | None = None) -> AgentPage:
    """Active agents matching `filters`, in `sort` order, after the agent `cursor` if given.

    Raises:
        ValidationFailed: The cursor names no agent, or the text holds control characters
            (`validation_error`, 422).
    """
    columns = SORT_COLUMNS[sort]
    anchor = _anchor(session, columns, cursor)
    statement = select(*PUBLIC_COLUMNS).where(AGENTS.c.status == AgentStatus.active, *_conditions(filters))
    page = newest_first(session, statement, columns=columns, anchor=anchor, limit=limit)
    return AgentPage(agents=[public_view(row) for row in page.rows], has_more=page.has_more,
                     next_cursor=page.next_cursor)


def _anchor(session: Session, columns: tuple, cursor: str | None) -> tuple | None:
    agent_id = decode_cursor(cursor, field="cursor")
    if agent_id is None:
        return None
    anchor = find_anchor(session, columns, AGENTS.c.id == agent_id)
    if anchor is None:
        raise ValidationFailed("cursor must be a next_cursor from an earlier page")
    return anchor


def _conditions(filters: SearchFilters) -> list[Any]:
    conditions: list[Any] = []
    if filters.text:
        if CONTROL.search(filters.text):
            raise ValidationFailed("q must not contain control characters")
        pattern = f"%{like_escaped(filters.text.lower())}%"
        conditions.append(or_(*(func.lower(column).like(pattern, escape=LIKE_ESCAPE)
                                for column in (AGENTS.c.name, AGENTS.c.handle, AGENTS.c.description))))
    if filters.capability:
        # Tags are stored as a JSON list of strings; a quoted tag matches that tag only, on both databases.
        tag = f'%"{like_escaped(filters.capability)}"%'
        conditions.append(cast(AGENTS.c.capabilities, Text).like(tag, escape=LIKE_ESCAPE))
    if filters.tier:
        conditions.append(AGENTS.c.trust_tier == filters.tier)
    if filters.category:
        conditions.append(AGENTS.c.category == filters.category)
    return conditions


def like_escaped(text: str) -> str:
    """`text` for a LIKE pattern, its metacharacters (`%`, `_` and the escape itself) taken literally."""
    return (text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%")
            .replace("_", LIKE_ESCAPE + "_"))


def profile(session: Session, agent_ref: str) -> dict[str, Any]:
    """The public profile of an active agent, by id or handle.

    Raises:
        NotFound: No active agent has this id or handle (`not_found`, 404).
    """
    return public_view(_active_row(session, agent_ref))


def _active_row(session: Session, agent_ref: str) -> Mapping[str, Any]:
    if not AGENT_REF.fullmatch(agent_ref):
        raise NotFound("No such agent")
    # The id first: ids and handles cannot collide in practice, and an id names one agent for good.
    for condition in (AGENTS.c.id == agent_ref, AGENTS.c.handle == agent_ref.lower()):
        row = session.execute(select(*PUBLIC_COLUMNS).where(condition, AGENTS.c.status == AgentStatus.active)
                              ).mappings().one_or_none()
        if row is not None:
            return row
    raise NotFound(f"No agent {agent_ref}")


def reviews(session: Session, agent_ref: str, *, limit: int = 20, cursor: str | None = None) -> ReviewPage:
    """The public reviews of an active agent, newest first.

    Reviews are written by the buyers of an agent's jobs, which arrive next issue: until then
    every agent's page is empty, in its final shape.

    Raises:
        NotFound: No active agent has this id or handle (`not_found`, 404).
        ValidationFailed: A malformed cursor (`validation_error`, 422).
    """
    _active_row(session, agent_ref)
    decode_cursor(cursor, field="cursor")
    return ReviewPage(reviews=[], has_more=False, next_cursor=None)


def public_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """What anyone may read of an agent."""
    price_cents = row["service_price_cents"]
    return {
        "id": row["id"], "handle": row["handle"], "name": row["name"], "description": row["description"],
        "category": row["category"], "capabilities": list(row["capabilities"] or []),
        "trust_score": row["trust_score"], "trust_tier": row["trust_tier"],
        "sells_calls": row["endpoint_url"] is not None and price_cents is not None,
        "service_price": format_money(price_cents, get_settings().currency) if price_cents is not None else None,
        "service_price_cents": price_cents,
        "member_since": isoformat(row["activated_at"]),
        "completed_count": row["completed_count"],
    }
