"""Companies, projects and API keys.

The dashboard functions take a `CompanyActor` and scope every query to its
company: another company's project or key id is `not_found`, never readable.
Owners and admins write; members read.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.companies.access import CompanyActor, checked_id, require_writer
from marketplace_app.companies.fields import (
    BUDGET_COLUMNS,
    check_budget_order,
    plain_text,
    project_values,
    whole_number,
)
from marketplace_app.companies.models import ApiKey, Company, CompanyMember, KeyMode, KeyStatus, MemberRole, Project
from marketplace_app.core.clock import now
from marketplace_app.core.crypto import keyed_hash
from marketplace_app.core.db import is_postgres
from marketplace_app.core.errors import InvalidState, NotFound, ValidationFailed
from marketplace_app.core.ids import new_id
from marketplace_app.core.pagination import decode_cursor, newest_first
from marketplace_app.events import service as events
from marketplace_app.ledger.models import OwnerType, Purpose
from marketplace_app.ledger.service import AccountRef, account_id
from marketplace_app.settings import get_settings

KEY_BYTES = 24
EXPIRED = "expired"
KEY_LIFETIME_DAYS = (1, 3650)


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A freshly created key: `secret` is shown once and never stored."""

    key: ApiKey
    secret: str


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a newest-first list."""

    items: list[Any]
    has_more: bool


def available_account(company_id: str) -> AccountRef:
    """The company's spendable credit."""
    return AccountRef(OwnerType.company, company_id, Purpose.available)


def escrow_account(company_id: str) -> AccountRef:
    """The company's credit held for open requests."""
    return AccountRef(OwnerType.company, company_id, Purpose.escrow)


def create_company(session: Session, *, owner_user_id: str | None, name: str) -> Company:
    """Create a company owned by `owner_user_id`, with its ledger accounts.

    An agent's organisation starts with no member (`owner_user_id` None): its owner's account is
    made when they activate the first agent (agents/registration.py).
    """
    company = Company(id=new_id("com"), name=name.strip()[:120] or "Company")
    session.add(company)
    session.flush()
    if owner_user_id is not None:
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


def issue_key(session: Session, *, project_id: str, name: str, mode: KeyMode = KeyMode.live,
              expires_at: datetime | None = None, scopes: list[str] | None = None) -> IssuedKey:
    """Create an API key for a project; the returned secret is the only copy.

    `scopes` narrows an agent key (`agents.models.KeyScope`); None leaves a project key unrestricted.
    """
    secret = f"pk_{mode}_{secrets.token_urlsafe(KEY_BYTES)}"
    key = ApiKey(id=new_id("key"), project_id=project_id, name=name, mode=mode, prefix=secret[:12],
                 last4=secret[-4:], key_hash=keyed_hash("api_key", secret), expires_at=expires_at,
                 scopes=scopes)
    session.add(key)
    session.flush()
    return IssuedKey(key=key, secret=secret)


def add_project(session: Session, *, actor: CompanyActor, fields: Mapping[str, Any]) -> Project:
    """Create a project in the actor's company from dashboard fields.

    Args:
        session: The caller's unit of work.
        actor: Who is acting (owner or admin).
        fields: `name` (required), `information_policy`, `allowed_skills`, `redaction_terms`,
            `budget` (`{max_per_request, daily, monthly}` money strings or null), `rate_limit_per_hour`.

    Raises:
        Forbidden: The actor is a plain member.
        ValidationFailed: A field is invalid (unknown skills are listed against the valid ones).
    """
    require_writer(actor, "create projects")
    if "name" not in fields:
        raise ValidationFailed("name is required")
    values = project_values(session, fields)
    check_budget_order({column: values.get(column) for column in BUDGET_COLUMNS.values()})
    return create_project(session, company_id=actor.company_id, **values)


def get_project(session: Session, *, actor: CompanyActor, project_id: str, lock: bool = False) -> Project:
    """Return one of the actor's company's projects (locked for update when `lock`).

    Raises:
        NotFound: No such project in this company (another company's id included).
    """
    checked_id(project_id, "Project")
    statement = select(Project).where(Project.id == project_id, Project.company_id == actor.company_id)
    if lock and is_postgres(session):
        statement = statement.with_for_update()
    project = session.execute(statement.execution_options(populate_existing=True)).scalar_one_or_none()
    if project is None:
        raise NotFound(f"Project {project_id} not found")
    return project


def list_projects(session: Session, *, actor: CompanyActor, limit: int = 20,
                  starting_after: str | None = None) -> Page:
    """The actor's company's projects, newest first, keyset-paginated by project id."""
    cursor = decode_cursor(starting_after)
    anchor = get_project(session, actor=actor, project_id=cursor) if cursor else None
    statement = select(Project).where(Project.company_id == actor.company_id)
    return _newest_first(session, statement, Project, anchor=anchor, limit=limit)


def update_project(session: Session, *, actor: CompanyActor, project_id: str, changes: Mapping[str, Any]) -> Project:
    """Apply a partial update; fields left out stay as they are, a `null` budget cap clears it.

    Raises:
        Forbidden: The actor is a plain member.
        NotFound: Not this company's project.
        ValidationFailed: A field is invalid; nothing changes.
    """
    require_writer(actor, "change projects")
    project = get_project(session, actor=actor, project_id=project_id, lock=True)
    values = project_values(session, changes)
    check_budget_order({column: values.get(column, getattr(project, column)) for column in BUDGET_COLUMNS.values()})
    for column, value in values.items():
        setattr(project, column, value)
    session.flush()
    return project


def key_status(key: ApiKey, moment: datetime | None = None) -> str:
    """What a key is now: active, rotating (old key in its grace), revoked or expired."""
    if key.status == KeyStatus.revoked:
        return KeyStatus.revoked
    if key.expires_at is not None and key.expires_at <= (moment or now()):
        return EXPIRED
    return key.status


def create_key(session: Session, *, actor: CompanyActor, project_id: str, name: str, mode: str,
               expires_in_days: int | None = None, scopes: list[str] | None = None) -> IssuedKey:
    """Issue a key for one of the actor's projects; the secret in the result is the only copy.

    `scopes` (already checked by the caller, `agents.owner_keys`) narrows an agent's key.

    Raises:
        Forbidden: The actor is a plain member.
        NotFound: Not this company's project.
        ValidationFailed: Bad name, mode or lifetime.
    """
    require_writer(actor, "create API keys")
    project = get_project(session, actor=actor, project_id=project_id)
    name = plain_text("name", name, max_length=80)
    if mode not in set(KeyMode):
        raise ValidationFailed("mode must be 'live' or 'test'")
    expires_at = None
    if expires_in_days is not None:
        expires_at = now() + timedelta(days=whole_number("expires_in_days", expires_in_days, KEY_LIFETIME_DAYS))
    issued = issue_key(session, project_id=project.id, name=name, mode=KeyMode(mode), expires_at=expires_at,
                       scopes=scopes)
    _key_event(session, actor, "key.created", issued.key)
    return issued


def get_key(session: Session, *, actor: CompanyActor, key_id: str, lock: bool = False) -> ApiKey:
    """Return one of the actor's company's keys (locked for update when `lock`).

    Raises:
        NotFound: No such key in this company (another company's id included).
    """
    checked_id(key_id, "Key")
    statement = select(ApiKey).join(Project, Project.id == ApiKey.project_id).where(
        ApiKey.id == key_id, Project.company_id == actor.company_id)
    if lock and is_postgres(session):
        statement = statement.with_for_update(of=ApiKey)
    key = session.execute(statement.execution_options(populate_existing=True)).scalar_one_or_none()
    if key is None:
        raise NotFound(f"Key {key_id} not found")
    return key


def list_keys(session: Session, *, actor: CompanyActor, project_id: str | None = None, limit: int = 20,
              starting_after: str | None = None) -> Page:
    """The company's keys (optionally one project's), newest first, keyset-paginated by key id."""
    statement = select(ApiKey).join(Project, Project.id == ApiKey.project_id).where(
        Project.company_id == actor.company_id)
    if project_id:
        statement = statement.where(ApiKey.project_id == get_project(session, actor=actor, project_id=project_id).id)
    cursor = decode_cursor(starting_after)
    anchor = get_key(session, actor=actor, key_id=cursor) if cursor else None
    return _newest_first(session, statement, ApiKey, anchor=anchor, limit=limit)


def revoke_key(session: Session, *, actor: CompanyActor, key_id: str) -> ApiKey:
    """Revoke a key at once (it is refused from the next call on); revoking twice changes nothing.

    Raises:
        Forbidden: The actor is a plain member.
        NotFound: Not this company's key.
    """
    require_writer(actor, "revoke API keys")
    key = get_key(session, actor=actor, key_id=key_id, lock=True)
    if key.status != KeyStatus.revoked:
        key.status = KeyStatus.revoked
        key.revoked_at = now()
        session.flush()
        _key_event(session, actor, "key.revoked", key)
    return key


def rotate_key(session: Session, *, actor: CompanyActor, key_id: str) -> tuple[IssuedKey, ApiKey]:
    """Issue a successor for an active key; the old one keeps working for the rotation grace.

    The new key has the same project, name and mode, and the same lifetime if the old
    one had an expiry. Returns the new key (with its only secret) and the old key.

    Raises:
        Forbidden: The actor is a plain member.
        NotFound: Not this company's key.
        InvalidState: The key is revoked, expired or already rotating.
    """
    require_writer(actor, "rotate API keys")
    old = get_key(session, actor=actor, key_id=key_id, lock=True)
    moment = now()
    status = key_status(old, moment)
    if status != KeyStatus.active:
        raise InvalidState(f"Key {key_id} is {status}; only active keys can be rotated")
    grace_end = moment + timedelta(hours=get_settings().key_rotation_grace_hours)
    lifetime = old.expires_at - old.created_at if old.expires_at is not None else None
    old.status = KeyStatus.rotating
    old.expires_at = min(old.expires_at, grace_end) if old.expires_at is not None else grace_end
    # The successor keeps the old key's scopes: rotating an agent's narrowed key must not widen it.
    issued = issue_key(session, project_id=old.project_id, name=old.name, mode=KeyMode(old.mode),
                       expires_at=moment + lifetime if lifetime is not None else None, scopes=old.scopes)
    _key_event(session, actor, "key.rotated", old, successor_id=issued.key.id)
    return issued, old


def _key_event(session: Session, actor: CompanyActor, event_type: str, key: ApiKey, **extra: str) -> None:
    data = {"key_id": key.id, "name": key.name, "mode": key.mode, "prefix": key.prefix, "last4": key.last4,
            "by_user_id": actor.user_id, **extra}
    events.emit(session, [events.NewEvent(type=event_type, project_id=key.project_id, company_id=actor.company_id,
                                          mode=key.mode, data=data)])


def _newest_first(session: Session, statement: Any, model: Any, *, anchor: Any, limit: int) -> Page:
    columns = (model.created_at, model.id)
    values = (anchor.created_at, anchor.id) if anchor is not None else None
    page = newest_first(session, statement, columns=columns, anchor=values, limit=limit, scalars=True)
    return Page(items=page.rows, has_more=page.has_more)
