"""Staff and agents: `GET /v1/admin/agents` (every agent, searchable) and freezing or unfreezing one
(`POST /v1/admin/agents/{agent_id}/freeze|unfreeze {reason}`), audited with who and why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from marketplace_app.agents import admin_queries, freeze
from marketplace_app.agents.models import AgentStatus
from marketplace_app.api.access import ADMIN
from marketplace_app.api.deps import AdminUser
from marketplace_app.core.clock import isoformat
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.validation import ResponseShape

router = APIRouter(prefix="/admin/agents", tags=["admin"])
ERRORS = {401: {"description": "Not signed in (`unauthorized`)"}, 403: {"description": "Staff only (`forbidden`)"},
          404: {"description": "No such agent (`not_found`)"},
          409: {"description": "The agent is not in a state that allows this (`invalid_state`)"},
          422: {"description": "Invalid input: a reason is required, at most 500 characters (`validation_error`)"}}


class AgentForStaff(ResponseShape):
    """An agent as staff see it (owner and freeze details included)."""

    agent_id: str
    handle: str
    name: str
    owner_email: str
    company_id: str
    project_id: str
    status: AgentStatus
    trust_score: int
    trust_tier: str
    created_at: str
    activated_at: str | None
    frozen_at: str | None
    frozen_reason: str | None
    frozen_by: str | None


class AgentsForStaff(BaseModel):
    """A page of agents, newest first."""

    data: list[AgentForStaff]
    has_more: bool
    next_starting_after: str | None


def staff_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """The staff shape of an agent's row (`admin_queries.AgentRow` fields)."""
    return {"agent_id": row["id"], **{name: row[name] for name in (
        "handle", "name", "owner_email", "company_id", "project_id", "status", "trust_score", "trust_tier",
        "frozen_reason", "frozen_by")}, **{name: _when(row[name]) for name in (
        "created_at", "activated_at", "frozen_at")}}


def _when(moment: datetime | None) -> str | None:
    return isoformat(moment) if moment is not None else None


@router.get("", openapi_extra=ADMIN, responses=ERRORS, response_model=AgentsForStaff)
def list_agents(
    _staff: AdminUser,
    status: Annotated[AgentStatus | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=admin_queries.MAX_QUERY_LENGTH)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    starting_after: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    """Every agent, newest first: `status` filters, `q` searches handle, name and owner e-mail."""
    with unit_of_work(read_only=True) as session:
        page = admin_queries.list_agents(session, status=status, q=q, limit=limit, starting_after=starting_after)
    return {"data": [staff_view(asdict(row)) for row in page.agents], "has_more": page.has_more,
            "next_starting_after": page.next_cursor}


@router.post("/{agent_id}/freeze", openapi_extra=ADMIN, responses=ERRORS, response_model=AgentForStaff)
def freeze_agent(agent_id: str, body: freeze.ReasonIn, staff: AdminUser) -> dict[str, Any]:
    """Freeze an active agent: every call of its keys and tokens gets 403 `agent_frozen`, its open
    streams close at their next check, and `agent.frozen` goes to its webhooks."""
    with unit_of_work() as session:
        return staff_view(freeze.freeze(session, staff_user_id=staff.id, agent_id=agent_id[:40], reason=body.reason))


@router.post("/{agent_id}/unfreeze", openapi_extra=ADMIN, responses=ERRORS, response_model=AgentForStaff)
def unfreeze_agent(agent_id: str, body: freeze.ReasonIn, staff: AdminUser) -> dict[str, Any]:
    """Unfreeze a frozen agent: its keys work again (`agent.unfrozen` to its webhooks)."""
    with unit_of_work() as session:
        return staff_view(freeze.unfreeze(session, staff_user_id=staff.id, agent_id=agent_id[:40],
                                          reason=body.reason))
