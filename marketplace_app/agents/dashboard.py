"""The agent's own view, for its key (or JWT): profile, the consolidated dashboard, the heartbeat.

The dashboard (VoxPact) gathers what an agent's home shows in one call. Its best-effort parts —
the owner's other agents, payout status, trust history, notifications — each read inside a
savepoint: one that fails answers its default and is logged, and the payload still comes back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace_app.agents import owners, profile
from marketplace_app.agents.models import Agent, AgentStatus, TrustChange
from marketplace_app.companies.keys import KeyContext
from marketplace_app.companies.models import Project
from marketplace_app.core.clock import isoformat, now
from marketplace_app.core.db import is_postgres
from marketplace_app.core.errors import Forbidden, Unauthorized
from marketplace_app.requests import views
from marketplace_app.requests.models import Request

log = logging.getLogger(__name__)
T = TypeVar("T")
RECENT_REQUESTS = 10
TRUST_HISTORY = 20
# Until notifications exist there are none to read (docs/DECISIONS.md, "Owners and the agent's view").
UNREAD_NOTIFICATIONS = 0
MANUAL_PAYOUTS = {"provider": "manual", "payouts_enabled": False}


def agent_of(session: Session, ctx: KeyContext, *, lock: bool = False) -> tuple[Agent, Project]:
    """The agent whose key (or token) made the call, with its project.

    Raises:
        Forbidden: A plain project key: it has no agent profile.
        Unauthorized: The agent is no longer active (deleted or frozen since the key was read).
    """
    if ctx.agent_id is None:
        raise Forbidden("This route is for an agent's key; a project key has no agent profile")
    statement = select(Agent).where(Agent.id == ctx.agent_id)
    project_statement = select(Project).where(Project.id == ctx.project_id)
    if lock and is_postgres(session):
        statement = statement.with_for_update()
        project_statement = project_statement.with_for_update()
    agent = session.execute(statement.execution_options(populate_existing=True)).scalar_one_or_none()
    if agent is None or agent.status != AgentStatus.active:
        raise Unauthorized("Missing or invalid API key")
    project = session.execute(project_statement.execution_options(populate_existing=True)).scalar_one()
    return agent, project


def me(session: Session, *, ctx: KeyContext) -> dict[str, Any]:
    """`GET /v1/agents/me`: the profile, trust, caps, spend in the key's mode and the balance."""
    agent, project = agent_of(session, ctx)
    return profile.view(session, agent=agent, project=project, mode=ctx.mode)


def update_me(session: Session, *, ctx: KeyContext, changes: dict[str, Any]) -> dict[str, Any]:
    """`PATCH /v1/agents/me`: the owner's update (`profile.AgentUpdate`), made by the agent itself.

    Raises:
        ValidationFailed: A field is invalid; nothing changes.
    """
    agent, project = agent_of(session, ctx, lock=True)
    profile.update(session, agent=agent, project=project, changes=changes)
    return profile.view(session, agent=agent, project=project, mode=ctx.mode)


def dashboard(session: Session, *, ctx: KeyContext) -> dict[str, Any]:
    """`GET /v1/agents/me/dashboard`: VoxPact's consolidated payload."""
    agent, project = agent_of(session, ctx)
    return {
        "agent": profile.view(session, agent=agent, project=project, mode=ctx.mode),
        "agents": best_effort(session, "agents", [], lambda: _siblings(session, agent)),
        "recent_requests": _recent_requests(session, agent),
        "active_count": _active_count(session, agent),
        "balance": profile.balance(session, company_id=agent.company_id),
        "payout_status": best_effort(session, "payout_status", dict(MANUAL_PAYOUTS), lambda: dict(MANUAL_PAYOUTS)),
        "trust_history": best_effort(session, "trust_history", [], lambda: trust_history(session, agent.id)),
        "unread_notifications": best_effort(session, "unread_notifications", 0, lambda: UNREAD_NOTIFICATIONS),
    }


def heartbeat(session: Session, *, ctx: KeyContext) -> dict[str, Any]:
    """`POST /v1/agents/heartbeat` (Humai): what an agent polls to know where it stands."""
    agent, _project = agent_of(session, ctx)
    return {"status": agent.status, "balance": profile.balance(session, company_id=agent.company_id),
            "active_work": {"requests": _active_count(session, agent)},
            "unread_notifications": UNREAD_NOTIFICATIONS, "server_time": isoformat(now())}


def best_effort(session: Session, part: str, default: T, read: Callable[[], T]) -> T:
    """`read()` inside a savepoint; on any failure its `default` (the rest of the payload stands)."""
    try:
        with session.begin_nested():
            return read()
    except Exception:  # a best-effort part must never break the payload
        log.exception("dashboard part %s failed; answering its default", part)
        return default


def trust_history(session: Session, agent_id: str) -> list[dict[str, Any]]:
    """The agent's last trust changes, newest first, each with its cause."""
    rows = session.execute(select(TrustChange).where(TrustChange.agent_id == agent_id)
                           .order_by(TrustChange.at.desc(), TrustChange.id.desc()).limit(TRUST_HISTORY)).scalars()
    return [{"at": isoformat(row.at), "score_before": row.score_before, "score_after": row.score_after,
             "tier": row.tier_after, "cause": row.cause, "detail": row.detail, "subject_id": row.subject_id}
            for row in rows]


def _siblings(session: Session, agent: Agent) -> list[dict[str, Any]]:
    """Every agent of the same organisation (for switching), this one included, deleted ones not."""
    rows = session.execute(select(Agent.id, Agent.name, Agent.handle, Agent.status)
                           .where(Agent.company_id == agent.company_id, Agent.status != AgentStatus.deleted)
                           .order_by(Agent.created_at, Agent.id)).all()
    return [{"id": row.id, "name": row.name, "handle": row.handle, "status": row.status,
             "current": row.id == agent.id} for row in rows]


def _recent_requests(session: Session, agent: Agent) -> list[dict[str, Any]]:
    rows = session.execute(select(Request.__table__).where(Request.project_id == agent.project_id)
                           .order_by(Request.created_at.desc(), Request.id.desc()).limit(RECENT_REQUESTS)).mappings()
    return [views.summary(row) for row in rows]


def _active_count(session: Session, agent: Agent) -> int:
    return int(session.execute(select(func.count()).select_from(Request).where(
        Request.project_id == agent.project_id, Request.status.in_(owners.OPEN_WORK))).scalar_one())
