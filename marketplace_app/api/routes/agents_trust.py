"""Agents' trust history (the agent itself) and public discovery of agents (anyone, no sign-in).

Included last of the agent routers (api/app.py): `/v1/agents/{agent_id}` would otherwise answer
`/v1/agents/me`, `/v1/agents/register` and every other one-segment path under `/v1/agents`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from marketplace_app.agents import discovery, queries
from marketplace_app.agents.discovery import DiscoverySort, SearchFilters
from marketplace_app.agents.models import TrustTier
from marketplace_app.api.access import OWN_ACCOUNT, PUBLIC, access
from marketplace_app.api.agent import Agent
from marketplace_app.companies.keys import KeyContext
from marketplace_app.core.clock import isoformat
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Forbidden
from marketplace_app.core.validation import ResponseShape

router = APIRouter(tags=["agents"])
AGENT = access("api_key", scope=OWN_ACCOUNT)  # the agent's own account: any of its keys
AgentRef = Annotated[str, Path(min_length=1, max_length=64, description="The agent's id or its handle")]
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=40, description="`next_cursor` of the previous page")]


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    text = {401: "Missing or invalid API key (`unauthorized`)",
            403: "The key is a project's, not an agent's (`forbidden`), or the agent is frozen (`agent_frozen`)",
            404: "No active agent with this id or handle (`not_found`)",
            422: "Invalid input or cursor (`validation_error`)", 429: "Hourly rate limit reached (`rate_limited`)"}
    return {status: {"description": text[status]} for status in statuses}


class TrustChangeOut(ResponseShape):
    id: int
    at: str
    score_before: int
    score_after: int
    tier: str
    cause: str
    detail: str
    subject_id: str | None


class TrustHistory(ResponseShape):
    data: list[TrustChangeOut]
    has_more: bool
    next_starting_after: int | None


class AgentPublic(ResponseShape):
    """What anyone may read of an agent; never its owner, organisation, keys, budgets or balance."""

    id: str
    handle: str
    name: str
    description: str
    category: str
    capabilities: list[str]
    trust_score: int
    trust_tier: str
    sells_calls: bool
    service_price: str | None
    service_price_cents: int | None
    member_since: str | None
    completed_count: int


class AgentList(ResponseShape):
    data: list[AgentPublic]
    has_more: bool
    next_cursor: str | None


class ReviewOut(ResponseShape):
    id: str
    rating: int
    comment: str
    created_at: str


class ReviewList(ResponseShape):
    data: list[ReviewOut]
    has_more: bool
    next_cursor: str | None


@router.get("/agents/me/trust-history", openapi_extra=AGENT, response_model=TrustHistory,
            responses=_errors(401, 403, 422, 429))
def trust_history(agent: Agent, limit: Limit = 20,
                  starting_after: Annotated[int | None, Query(ge=1, le=2**62)] = None) -> TrustHistory:
    """This agent's trust score changes, newest first, each with its cause (`activated`,
    `request_completed`, `request_cancelled`, `dispute_won`, `dispute_lost`) and the request or
    dispute behind it; `starting_after` a change id for the next page."""
    agent_id = _agent_of(agent)
    with unit_of_work(read_only=True) as session:
        page = queries.trust_history(session, agent_id, limit=limit, starting_after=starting_after)
    data = [TrustChangeOut(id=change.id, at=isoformat(change.at), score_before=change.score_before,
                           score_after=change.score_after, tier=change.tier, cause=change.cause,
                           detail=change.detail, subject_id=change.subject_id) for change in page.changes]
    return TrustHistory(data=data, has_more=page.has_more, next_starting_after=page.next_starting_after)


def _agent_of(ctx: KeyContext) -> str:
    if ctx.agent_id is None:
        raise Forbidden("This is a project key; only an agent has a trust history")
    return ctx.agent_id


@router.get("/agents", openapi_extra=PUBLIC, response_model=AgentList, responses=_errors(422, 429))
def discover_agents(
    q: Annotated[str | None, Query(max_length=100, description="Text in the name, handle or description")] = None,
    capability: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,39}$")] = None,
    tier: TrustTier | None = None,
    category: Annotated[str | None, Query(pattern=r"^[a-z0-9_-]{1,40}$")] = None,
    sort: DiscoverySort = DiscoverySort.trust,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """Active agents anyone may hire: `q` searches name, handle and description (case-insensitive,
    `%` and `_` taken literally), `capability` one exact tag, `tier` and `category` exact.

    `sort`: `trust` (score, highest first), `new` (latest activated first) or `revenue` (completed
    sales revenue, highest first, then trust): agents sell jobs from the next release on, so until
    then every agent's revenue is 0 and `revenue` lists them in the trust order. Pages follow with
    `cursor` = the previous page's `next_cursor`.
    """
    filters = SearchFilters(text=q or None, capability=capability, tier=tier, category=category)
    with unit_of_work(read_only=True) as session:
        page = discovery.search(session, filters=filters, sort=sort, limit=limit, cursor=cursor)
    return {"data": page.agents, "has_more": page.has_more, "next_cursor": page.next_cursor}


@router.get("/agents/{agent_id}", openapi_extra=PUBLIC, response_model=AgentPublic,
            responses=_errors(404, 422, 429))
def agent_profile(agent_id: AgentRef) -> dict[str, Any]:
    """An active agent's public profile, by id or handle."""
    with unit_of_work(read_only=True) as session:
        return discovery.profile(session, agent_id)


@router.get("/agents/{agent_id}/reviews", openapi_extra=PUBLIC, response_model=ReviewList,
            responses=_errors(404, 422, 429))
def agent_reviews(agent_id: AgentRef, limit: Limit = 20, cursor: Cursor = None) -> dict[str, Any]:
    """An active agent's public reviews, newest first. Reviews come from the buyers of its jobs,
    which agents sell from the next release on: until then the list is empty (this shape stays)."""
    with unit_of_work(read_only=True) as session:
        page = discovery.reviews(session, agent_id, limit=limit, cursor=cursor)
    return {"data": page.reviews, "has_more": page.has_more, "next_cursor": page.next_cursor}
