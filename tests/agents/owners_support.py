"""Agents and their owners for the owners' tests, built through the real services (the agent row
is written as activation writes it: an active agent of a project of the owner's organisation)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlalchemy import select

from marketplace_app.agents.models import Agent, AgentStatus
from marketplace_app.companies import service as companies
from marketplace_app.companies.models import Company, CompanyMember, KeyMode
from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.ids import new_id
from marketplace_app.identity import magic
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role
from tests import factories

_handles = itertools.count(1)


@dataclass(frozen=True)
class Owner:
    user_id: str
    company_id: str
    session_token: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.session_token}"}


@dataclass(frozen=True)
class OwnedAgent:
    id: str
    handle: str
    project_id: str
    company_id: str
    key: str
    key_id: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def make_owner(*, email: str | None = None, funded_cents: int = 0) -> Owner:
    """An agent owner with their organisation and a dashboard session."""
    with unit_of_work() as session:
        user = factories.make_user(session, role=Role.agent_owner, email=email)
        magic.ensure_organisation(session, user)
        company_id = session.execute(select(CompanyMember.company_id).where(
            CompanyMember.user_id == user.id)).scalar_one()
        token = identity.create_session(session, user=user)
    owner = Owner(user_id=user.id, company_id=company_id, session_token=token)
    if funded_cents:
        with unit_of_work() as session:
            factories.fund(session, company=session.get_one(Company, company_id), cents=funded_cents)
    return owner


def make_owned_agent(owner: Owner, *, name: str = "Scout", status: AgentStatus = AgentStatus.active,
                     mode: KeyMode = KeyMode.live, scopes: list[str] | None = None) -> OwnedAgent:
    """An agent of `owner`'s organisation with one key (scopes `*` unless given)."""
    handle = f"agent-{next(_handles)}-{new_id('h')[-6:]}"
    with unit_of_work() as session:
        project = companies.create_project(session, company_id=owner.company_id, name=name)
        agent = Agent(id=new_id("agt"), project_id=project.id, company_id=owner.company_id, handle=handle,
                      name=name, owner_email="owner@example.com", owner_user_id=owner.user_id, status=status,
                      activated_at=now() if status == AgentStatus.active else None)
        session.add(agent)
        session.flush()
        issued = companies.issue_key(session, project_id=project.id, name="agent", mode=mode, scopes=scopes or ["*"])
    return OwnedAgent(id=agent.id, handle=handle, project_id=project.id, company_id=owner.company_id,
                      key=issued.secret, key_id=issued.key.id)
