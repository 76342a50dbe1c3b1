"""Keyword-only factories for test data, built through the real services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlmodel import Session

from marketplace_app.companies import service as companies
from marketplace_app.companies.models import Company, KeyMode, Project
from marketplace_app.core.clock import now
from marketplace_app.core.ids import new_id
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role, User
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.models import OwnerType, Purpose

_sequence = itertools.count(1)
PASSWORD = "correct-horse-battery"
FAUCET = ledger.AccountRef(OwnerType.external, "test", Purpose.test_faucet)


def make_user(session: Session, *, role: Role = Role.company, email: str | None = None,
              display_name: str = "Test User", company_name: str | None = None) -> User:
    """Sign a user up through the identity service."""
    email = email or f"user{next(_sequence)}@example.com"
    return identity.sign_up(session, identity.SignUp(email=email, password=PASSWORD, display_name=display_name,
                                                     role=role, company_name=company_name), allow_admin=True)


def make_company(session: Session, *, name: str = "Acme") -> Company:
    """A company with an owner."""
    owner = make_user(session, role=Role.company, company_name=name)
    return session.exec(companies_for(owner.id)).one()


def companies_for(user_id: str):
    """Select the companies `user_id` belongs to."""
    from sqlmodel import select

    from marketplace_app.companies.models import CompanyMember
    return select(Company).join(CompanyMember, CompanyMember.company_id == Company.id).where(
        CompanyMember.user_id == user_id)


def make_project(session: Session, *, company: Company, name: str = "Default") -> Project:
    """A project in `company`."""
    return companies.create_project(session, company_id=company.id, name=name)


def make_key(session: Session, *, project: Project, mode: KeyMode = KeyMode.live) -> str:
    """An API key secret for `project`."""
    return companies.issue_key(session, project_id=project.id, name="test", mode=mode).secret


def fund(session: Session, *, company: Company, cents: int) -> None:
    """Credit a company's available balance from the test faucet."""
    faucet = ledger.account_id(session, FAUCET)
    target = ledger.account_id(session, companies.available_account(company.id))
    ledger.transfer(session, idempotency_key=f"test-fund:{company.id}:{next(_sequence)}", kind="deposit",
                    reason="Test funds", legs=[ledger.Leg(faucet, target, cents)])


@dataclass(frozen=True, slots=True)
class MadeAgent:
    """An agent as a test sees it: the row's ids, its owner's address and its key's only secret."""

    id: str
    project_id: str
    company_id: str
    owner_email: str
    key: str
    key_id: str

    def headers(self, credential: str | None = None) -> dict[str, str]:
        """`Authorization: Bearer` with the agent's key, or with `credential` (a JWT, another key)."""
        return {"Authorization": f"Bearer {credential or self.key}"}


def make_agent(session: Session, *, company: Company, status: str = "active", handle: str | None = None,
               owner_email: str | None = None, scopes: list[str] | None = None,
               mode: KeyMode = KeyMode.live) -> MadeAgent:
    """An agent of `company` (its own project), with one key of `mode` (scopes default to `*`)."""
    from marketplace_app.agents.models import Agent

    number = next(_sequence)
    project = make_project(session, company=company, name=f"Agent {number}")
    agent = Agent(id=new_id("agt"), project_id=project.id, company_id=company.id, handle=handle or f"agent{number}",
                  name=f"Agent {number}", owner_email=owner_email or f"owner{number}@example.com", status=status,
                  activated_at=now() if status != "pending_verification" else None)
    session.add(agent)
    session.flush()
    issued = companies.issue_key(session, project_id=project.id, name="agent", mode=mode,
                                 scopes=scopes if scopes is not None else ["*"])
    return MadeAgent(id=agent.id, project_id=project.id, company_id=company.id, owner_email=agent.owner_email,
                     key=issued.secret, key_id=issued.key.id)
