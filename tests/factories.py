"""Keyword-only factories for test data, built through the real services."""

from __future__ import annotations

import itertools

from sqlmodel import Session

from marketplace_app.companies import service as companies
from marketplace_app.companies.models import Company, KeyMode, Project
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
