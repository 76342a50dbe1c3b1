"""Company-side test data: members with a role, actors and bearer sessions."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from sqlmodel import Session

from marketplace_app.companies.access import CompanyActor, resolve_actor
from marketplace_app.companies.models import Company, CompanyMember, MemberRole, Project
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.ids import new_id
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role, User
from marketplace_app.identity.passwords import hash_password
from tests import factories

_sequence = itertools.count(1)


def make_member(session: Session, *, company: Company, role: MemberRole) -> User:
    """A company user who belongs only to `company`, with `role`."""
    user = User(id=new_id("usr"), email=f"member{next(_sequence)}@example.com",
                password_hash=hash_password(factories.PASSWORD), display_name="Member", role=Role.company)
    session.add(user)
    session.flush()
    session.add(CompanyMember(company_id=company.id, user_id=user.id, role=role))
    session.flush()
    return user


def owner_actor(session: Session, company: Company) -> CompanyActor:
    """The actor of `company`'s owner."""
    owner_id = session.get_one(CompanyMember, _owner_membership_id(session, company)).user_id
    return resolve_actor(session, owner_id)


def _owner_membership_id(session: Session, company: Company) -> int:
    from sqlalchemy import select
    return session.execute(select(CompanyMember.id).where(
        CompanyMember.company_id == company.id, CompanyMember.role == MemberRole.owner)).scalar_one()


@dataclass
class Tenant:
    """One company as a test sees it: sessions by role and its projects."""

    company_id: str
    tokens: dict[str, str]
    project_ids: list[str] = field(default_factory=list)

    def headers(self, role: str = "owner") -> dict[str, str]:
        """Bearer headers for the member with `role`."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def make_tenant(*, name: str = "Acme", projects: int = 0) -> Tenant:
    """Commit a company with an owner, an admin and a member (each signed in) and `projects` projects."""
    with unit_of_work() as session:
        company = factories.make_company(session, name=name)
        owner_id = session.get_one(CompanyMember, _owner_membership_id(session, company)).user_id
        tokens = {"owner": identity.create_session(session, user=session.get_one(User, owner_id))}
        for role in (MemberRole.admin, MemberRole.member):
            tokens[role] = identity.create_session(session, user=make_member(session, company=company, role=role))
        project_ids = [factories.make_project(session, company=company, name=f"{name} project {index}").id
                       for index in range(projects)]
        return Tenant(company_id=company.id, tokens=tokens, project_ids=project_ids)


def project_row(project_id: str) -> Project:
    """The committed project."""
    with unit_of_work(read_only=True) as session:
        return session.get_one(Project, project_id)
