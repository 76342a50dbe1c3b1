"""Companies, projects and API keys."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlmodel import Session

from marketplace_app.companies.models import ApiKey, Company, CompanyMember, KeyMode, MemberRole, Project
from marketplace_app.core.crypto import keyed_hash
from marketplace_app.core.ids import new_id
from marketplace_app.ledger.models import OwnerType, Purpose
from marketplace_app.ledger.service import AccountRef, account_id

KEY_BYTES = 24


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A freshly created key: `secret` is shown once and never stored."""

    key: ApiKey
    secret: str


def available_account(company_id: str) -> AccountRef:
    """The company's spendable credit."""
    return AccountRef(OwnerType.company, company_id, Purpose.available)


def escrow_account(company_id: str) -> AccountRef:
    """The company's credit held for open requests."""
    return AccountRef(OwnerType.company, company_id, Purpose.escrow)


def create_company(session: Session, *, owner_user_id: str, name: str) -> Company:
    """Create a company owned by `owner_user_id`, with its ledger accounts."""
    company = Company(id=new_id("com"), name=name.strip()[:120] or "Company")
    session.add(company)
    session.flush()
    session.add(CompanyMember(company_id=company.id, user_id=owner_user_id, role=MemberRole.owner))
    account_id(session, available_account(company.id))
    account_id(session, escrow_account(company.id))
    session.flush()
    return company


def create_project(session: Session, *, company_id: str, name: str, **settings: object) -> Project:
    """Create a project in `company_id`."""
    project = Project(id=new_id("prj"), company_id=company_id, name=name, **settings)
    session.add(project)
    session.flush()
    return project


def issue_key(session: Session, *, project_id: str, name: str, mode: KeyMode = KeyMode.live) -> IssuedKey:
    """Create an API key for a project; the returned secret is the only copy."""
    secret = f"pk_{mode}_{secrets.token_urlsafe(KEY_BYTES)}"
    key = ApiKey(id=new_id("key"), project_id=project_id, name=name, mode=mode, prefix=secret[:12],
                 last4=secret[-4:], key_hash=keyed_hash("api_key", secret))
    session.add(key)
    session.flush()
    return IssuedKey(key=key, secret=secret)
