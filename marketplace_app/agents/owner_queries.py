"""What the agent-owner dashboard reads: a person's agents, each with its spend, trust, keys,
webhooks and requests.

An owner's agents are the agents of every organisation in which they are an owner or admin
(`companies.access.WRITER_ROLES`): plain members do not manage agents. Every reader takes the
signed-in user's id and resolves access itself, so another owner's agent id is simply
`not_found`, exactly like an id that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from marketplace_app.agents.models import Agent, AgentStatus, TrustChange
from marketplace_app.companies import credits
from marketplace_app.companies import service as companies
from marketplace_app.companies.access import WRITER_ROLES, CompanyActor, checked_id
from marketplace_app.companies.models import ApiKey, Company, CompanyMember, KeyMode, MemberRole, Project
from marketplace_app.core.clock import now
from marketplace_app.core.errors import NotFound
from marketplace_app.requests import service as requests
from marketplace_app.requests.models import BudgetUsage
from marketplace_app.requests.spend import utc_day
from marketplace_app.webhooks import service as webhooks
from marketplace_app.webhooks.models import WebhookEndpoint

MEMBERS = CompanyMember.__table__
AGENTS = Agent.__table__
PROJECTS = Project.__table__
BUDGET = BudgetUsage.__table__
TRUST_HISTORY_LIMIT = 50
SHOWN_STATUSES = (AgentStatus.pending_verification, AgentStatus.active, AgentStatus.frozen)
"""A deleted agent is gone from the owner's dashboard (its rows stay for the ledger and audit)."""


@dataclass(frozen=True, slots=True)
class OwnedAgent:
    """One agent as its owner's list shows it."""

    id: str
    name: str
    handle: str
    status: str
    trust_score: int
    trust_tier: str
    owner_email: str
    company_id: str
    project_id: str
    created_at: datetime
    month_spent_cents: int
    """Live budget use this UTC month: what the monthly cap counts."""
    monthly_budget_cents: int | None


@dataclass(frozen=True, slots=True)
class OrganisationCredit:
    """The credit of one organisation the person manages agents for."""

    company_id: str
    name: str
    available_cents: int
    escrowed_cents: int


@dataclass(frozen=True, slots=True)
class AgentAccess:
    """An agent the person may manage, and the company actor that manages it."""

    agent: Agent
    actor: CompanyActor


@dataclass(frozen=True, slots=True)
class Budget:
    """An agent's caps (its project's) and its live use today and this month."""

    max_per_request_cents: int | None
    daily_budget_cents: int | None
    monthly_budget_cents: int | None
    today_cents: int
    month_cents: int


@dataclass(frozen=True, slots=True)
class DayUse:
    """What the agent committed on one UTC day (requests neither cancelled nor expired)."""

    day: date
    cents: int


def managing_actors(session: Session, *, user_id: str) -> list[CompanyActor]:
    """The organisations in which `user_id` may manage agents (owner or admin), oldest first."""
    rows = session.execute(
        select(MEMBERS.c.company_id, MEMBERS.c.role)
        .where(MEMBERS.c.user_id == user_id, MEMBERS.c.role.in_([str(role) for role in WRITER_ROLES]))
        .order_by(MEMBERS.c.created_at, MEMBERS.c.id)
    ).all()
    return [CompanyActor(user_id=user_id, company_id=row.company_id, role=MemberRole(row.role)) for row in rows]


def owned_agents(session: Session, *, user_id: str) -> list[OwnedAgent]:
    """The person's agents (not deleted), newest first, with this month's live spend against the cap."""
    company_ids = [actor.company_id for actor in managing_actors(session, user_id=user_id)]
    if not company_ids:
        return []
    month_start = utc_day(now()).replace(day=1)
    spent = (select(func.coalesce(func.sum(BUDGET.c.cents), 0))
             .where(BUDGET.c.project_id == AGENTS.c.project_id, BUDGET.c.mode == KeyMode.live,
                    BUDGET.c.day >= month_start)
             .scalar_subquery())
    rows = session.execute(
        select(AGENTS, PROJECTS.c.monthly_budget_cents, spent.label("month_spent_cents"))
        .join(PROJECTS, PROJECTS.c.id == AGENTS.c.project_id)
        .where(AGENTS.c.company_id.in_(company_ids), AGENTS.c.status.in_([str(s) for s in SHOWN_STATUSES]))
        .order_by(AGENTS.c.created_at.desc(), AGENTS.c.id.desc())
    ).all()
    return [OwnedAgent(id=row.id, name=row.name, handle=row.handle, status=row.status,
                       trust_score=row.trust_score, trust_tier=row.trust_tier, owner_email=row.owner_email,
                       company_id=row.company_id, project_id=row.project_id, created_at=row.created_at,
                       month_spent_cents=int(row.month_spent_cents),
                       monthly_budget_cents=row.monthly_budget_cents) for row in rows]


def organisation_credits(session: Session, *, user_id: str) -> list[OrganisationCredit]:
    """The credit balance of each organisation the person manages agents for."""
    actors = managing_actors(session, user_id=user_id)
    names = dict(session.execute(select(Company.id, Company.name).where(
        Company.id.in_([actor.company_id for actor in actors]))).all()) if actors else {}
    result = []
    for actor in actors:
        balance = credits.balance(session, actor=actor)
        result.append(OrganisationCredit(company_id=actor.company_id, name=names.get(actor.company_id, ""),
                                         available_cents=balance.available_cents,
                                         escrowed_cents=balance.escrowed_cents))
    return result


def agent_access(session: Session, *, user_id: str, agent_id: str) -> AgentAccess:
    """The agent, if the person manages its organisation.

    Raises:
        NotFound: No such agent, a deleted one, or one of an organisation the person does not manage.
    """
    checked_id(agent_id, "Agent")
    actors = {actor.company_id: actor for actor in managing_actors(session, user_id=user_id)}
    agent = session.execute(select(Agent).where(
        Agent.id == agent_id, Agent.status.in_([str(s) for s in SHOWN_STATUSES]))).scalar_one_or_none()
    if agent is None or agent.company_id not in actors:
        raise NotFound(f"Agent {agent_id} not found")
    return AgentAccess(agent=agent, actor=actors[agent.company_id])


def agent_budget(session: Session, *, access: AgentAccess) -> Budget:
    """The agent's caps and its live use today and this month (what the caps count)."""
    project = session.get_one(Project, access.agent.project_id)
    today_cents, month_cents = requests.budget_used_cents(session, project.id, mode=KeyMode.live)
    return Budget(max_per_request_cents=project.max_per_request_cents,
                  daily_budget_cents=project.daily_budget_cents,
                  monthly_budget_cents=project.monthly_budget_cents, today_cents=today_cents,
                  month_cents=month_cents)


def agent_spend_by_day(session: Session, *, access: AgentAccess) -> list[DayUse]:
    """Live budget use on each UTC day of this month so far, days without requests as zero."""
    today = utc_day(now())
    start = today.replace(day=1)
    rows = session.execute(select(BUDGET.c.day, BUDGET.c.cents).where(
        BUDGET.c.project_id == access.agent.project_id, BUDGET.c.mode == KeyMode.live, BUDGET.c.day >= start)).all()
    by_day = {_as_date(row.day): int(row.cents) for row in rows}
    days = [start + timedelta(days=offset) for offset in range((today - start).days + 1)]
    return [DayUse(day=day, cents=by_day.get(day, 0)) for day in days]


def trust_history(session: Session, *, access: AgentAccess, limit: int = TRUST_HISTORY_LIMIT) -> list[TrustChange]:
    """The agent's newest trust changes (at most `limit`), newest first."""
    return list(session.execute(
        select(TrustChange).where(TrustChange.agent_id == access.agent.id)
        .order_by(TrustChange.at.desc(), TrustChange.id.desc()).limit(limit)).scalars())


def agent_keys(session: Session, *, access: AgentAccess, limit: int = 50) -> list[ApiKey]:
    """The agent's keys (its project's), newest first."""
    return companies.list_keys(session, actor=access.actor, project_id=access.agent.project_id, limit=limit).items


def agent_endpoints(session: Session, *, access: AgentAccess) -> list[WebhookEndpoint]:
    """The agent's webhook endpoints (its project's), oldest first."""
    return webhooks.list_endpoints(session, actor=access.actor, project_id=access.agent.project_id)


def agent_requests(session: Session, *, access: AgentAccess, mode: str = KeyMode.live, limit: int = 20,
                   starting_after: str | None = None) -> requests.Page:
    """The agent's requests in `mode` (its project's), newest first, keyset-paginated."""
    scope = requests.CompanyScope(company_id=access.actor.company_id, user_id=access.actor.user_id, mode=mode,
                                  project_id=access.agent.project_id, role=access.actor.role)
    return requests.list_requests(session, ctx=scope, limit=limit, starting_after=starting_after)


def _as_date(value: date | str) -> date:
    # SQLite hands a Date column back as text through a Core select.
    return value if isinstance(value, date) else date.fromisoformat(value)
