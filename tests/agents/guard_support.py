"""Agents for the guard tests (scopes, freezing, buying human work), built through the real
services and committed: a company (optionally funded), the agent's project with its caps, the
`agent` row (active unless told otherwise) and one key with the scopes given."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from marketplace_app.agents.models import Agent, AgentStatus
from marketplace_app.companies import service as companies
from marketplace_app.companies.models import Company, KeyMode
from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.ids import new_id
from tests import factories
from tests.requests import helpers as rh

_handles = itertools.count(1)


@dataclass(frozen=True, slots=True)
class AgentKey(rh.Agent):
    """A test agent (`rh.Agent`: key, project, company) and the agent row's id."""

    agent_id: str = ""


def make_scoped_agent(*, scopes: list[str] | None = None, funded_cents: int = 0, mode: KeyMode = KeyMode.live,
                      status: AgentStatus = AgentStatus.active, expires_at: datetime | None = None,
                      company_name: str = "Agentco", company_id: str | None = None,
                      **project_settings: Any) -> AgentKey:
    """Commit an agent with one key carrying `scopes` (None: an unrestricted key), of a new company
    or of `company_id` (a `tests.companies.helpers.make_tenant` company, whose owner can then act)."""
    with unit_of_work() as session:
        company = session.get_one(Company, company_id) if company_id else factories.make_company(session,
                                                                                                  name=company_name)
        if funded_cents:
            factories.fund(session, company=company, cents=funded_cents)
        project = companies.create_project(session, company_id=company.id, name=f"{company_name} agent",
                                           **project_settings)
        number = next(_handles)
        agent = Agent(id=new_id("agt"), project_id=project.id, company_id=company.id, handle=f"guard{number}",
                      name=f"Guard agent {number}", owner_email=f"owner{number}@example.com", status=status,
                      activated_at=now() if status != AgentStatus.pending_verification else None)
        session.add(agent)
        issued = companies.issue_key(session, project_id=project.id, name="agent", mode=mode, expires_at=expires_at,
                                     scopes=scopes)
        return AgentKey(company_id=company.id, project_id=project.id, key=issued.secret, key_id=issued.key.id,
                        agent_id=agent.id)


def agent_row(agent_id: str) -> dict[str, Any]:
    """The committed agent row."""
    with unit_of_work(read_only=True) as session:
        return dict(session.execute(select(Agent.__table__).where(Agent.id == agent_id)).mappings().one())
