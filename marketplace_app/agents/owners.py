"""An owner's agents: list, change and delete them (`/v1/owner/agents…`, owner session).

An owner is any user who is `owner` or `admin` of the organisation an agent belongs to; the
services take an `AgentOwner` and find agents only in those organisations, so another owner's
agent id is simply `not_found`. Deleting keeps the row (its handle stays taken, its history and
money stay readable) and ends the agent at once: its keys are revoked and its `token_version`
bumped, so every key and JWT it had is refused from the next call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, select, update
from sqlmodel import Session

from marketplace_app.agents import profile
from marketplace_app.agents.models import Agent, AgentStatus
from marketplace_app.audit import service as audit
from marketplace_app.companies.access import WRITER_ROLES, checked_id
from marketplace_app.companies.models import ApiKey, CompanyMember, KeyStatus, Project
from marketplace_app.core.clock import now
from marketplace_app.core.db import is_postgres
from marketplace_app.core.errors import Conflict, NotFound, StateConflict
from marketplace_app.requests.models import Request, RequestStatus
from marketplace_app.requests.spend import BUDGET, utc_day

AGENTS = Agent.__table__
KEYS = ApiKey.__table__
# Requests whose work or money is still moving. A completed request is closed for this purpose (its
# escrow is posted); a dispute opened on it later belongs to the organisation, which stays.
CLOSED = frozenset({RequestStatus.completed, RequestStatus.disputed, RequestStatus.cancelled,
                    RequestStatus.expired})
OPEN_WORK = tuple(status.value for status in RequestStatus if status not in CLOSED)
DELETABLE = (AgentStatus.pending_verification, AgentStatus.active)


class AgentHasOpenWork(Conflict):
    """The agent's project still has requests in flight: deleting it would orphan their money."""

    code = "agent_has_open_work"


@dataclass(frozen=True, slots=True)
class AgentOwner:
    """A signed-in user and the organisations whose agents they manage (owner or admin there)."""

    user_id: str
    company_ids: tuple[str, ...]


def resolve_owner(session: Session, user_id: str) -> AgentOwner:
    """The organisations where `user_id` is owner or admin (possibly none: then no agent is theirs)."""
    rows = session.execute(select(CompanyMember.company_id).where(
        CompanyMember.user_id == user_id, CompanyMember.role.in_([str(role) for role in WRITER_ROLES]))
        .order_by(CompanyMember.company_id)).scalars().all()
    return AgentOwner(user_id=user_id, company_ids=tuple(rows))


def list_agents(session: Session, *, owner: AgentOwner) -> list[dict[str, Any]]:
    """Every agent of the owner's organisations but deleted ones, newest first, each with its
    status, trust, handle and live spend this month (UTC)."""
    if not owner.company_ids:
        return []
    month_start = utc_day(now()).replace(day=1)
    spent = (select(func.coalesce(func.sum(BUDGET.c.cents), 0))
             .where(BUDGET.c.project_id == AGENTS.c.project_id, BUDGET.c.mode == "live", BUDGET.c.day >= month_start)
             .scalar_subquery())
    rows = session.execute(
        select(AGENTS, spent.label("spent_cents"))
        .where(AGENTS.c.company_id.in_(owner.company_ids), AGENTS.c.status != AgentStatus.deleted)
        .order_by(AGENTS.c.created_at.desc(), AGENTS.c.id.desc())).mappings().all()
    return [_summary(row) for row in rows]


def _summary(row: Any) -> dict[str, Any]:
    spent_cents = int(row["spent_cents"])
    return {"id": row["id"], "handle": row["handle"], "name": row["name"], "status": row["status"],
            "category": row["category"], "capabilities": list(row["capabilities"] or []),
            "trust": {"score": row["trust_score"], "tier": row["trust_tier"]}, "company_id": row["company_id"],
            "spend_this_month": profile.money(spent_cents), "spend_this_month_cents": spent_cents}


def get_agent(session: Session, *, owner: AgentOwner, agent_id: str, lock: bool = False) -> Agent:
    """One of the owner's agents (locked for update when `lock`), deleted ones excepted.

    Raises:
        NotFound: No such agent in the owner's organisations.
    """
    checked_id(agent_id, "Agent")
    statement = select(Agent).where(Agent.id == agent_id, Agent.company_id.in_(owner.company_ids),
                                    Agent.status != AgentStatus.deleted)
    if lock and is_postgres(session):
        statement = statement.with_for_update()
    agent = session.execute(statement.execution_options(populate_existing=True)).scalar_one_or_none()
    if agent is None:
        raise NotFound(f"Agent {agent_id} not found")
    return agent


def read(session: Session, *, owner: AgentOwner, agent_id: str) -> dict[str, Any]:
    """The owner's view of one agent (`profile.view`)."""
    agent = get_agent(session, owner=owner, agent_id=agent_id)
    return profile.view(session, agent=agent, project=_project(session, agent, lock=False))


def change(session: Session, *, owner: AgentOwner, agent_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Apply a partial update (`profile.AgentUpdate`) to one of the owner's agents.

    Raises:
        NotFound: Not the owner's agent.
        ValidationFailed: A field is invalid; nothing changes.
    """
    agent = get_agent(session, owner=owner, agent_id=agent_id, lock=True)
    project = _project(session, agent, lock=True)
    profile.update(session, agent=agent, project=project, changes=changes)
    return profile.view(session, agent=agent, project=project)


def delete(session: Session, *, owner: AgentOwner, agent_id: str) -> Agent:
    """Delete one of the owner's agents: `deleted`, keys revoked, every JWT of it ended.

    Raises:
        NotFound: Not the owner's agent (or already deleted).
        StateConflict: The agent is frozen: staff unfreeze it first (the freeze stays on record).
        AgentHasOpenWork: Its project has requests in flight (409 `agent_has_open_work`).
    """
    agent = get_agent(session, owner=owner, agent_id=agent_id, lock=True)
    _project(session, agent, lock=True)  # a request create on PostgreSQL locks it too
    if agent.status not in DELETABLE:
        raise StateConflict(f"Agent {agent.id} is {agent.status}; only staff can lift that before deleting it")
    if has_open_work(session, project_id=agent.project_id):
        raise AgentHasOpenWork(f"Agent {agent.id} still has requests in flight; cancel them or let them finish "
                               "before deleting it")
    moment = now()
    ended = session.execute(update(AGENTS).where(AGENTS.c.id == agent.id, AGENTS.c.status.in_(DELETABLE))
                            .values(status=AgentStatus.deleted, deleted_at=moment,
                                    token_version=AGENTS.c.token_version + 1)).rowcount
    if ended != 1:
        raise StateConflict(f"Agent {agent.id} changed meanwhile; read it again")
    session.execute(update(KEYS).where(KEYS.c.project_id == agent.project_id, KEYS.c.status != KeyStatus.revoked)
                    .values(status=KeyStatus.revoked, revoked_at=moment))
    audit.record(session, actor_user_id=owner.user_id, action="agent.delete", subject_type="agent",
                 subject_id=agent.id, detail={"handle": agent.handle})
    session.refresh(agent)
    return agent


def has_open_work(session: Session, *, project_id: str) -> bool:
    """Whether the project has requests whose work or money is still moving."""
    return bool(session.execute(select(exists().where(and_(
        Request.project_id == project_id, Request.status.in_(OPEN_WORK))))).scalar())


def _project(session: Session, agent: Agent, *, lock: bool) -> Project:
    statement = select(Project).where(Project.id == agent.project_id)
    if lock and is_postgres(session):
        statement = statement.with_for_update()
    return session.execute(statement.execution_options(populate_existing=True)).scalar_one()
