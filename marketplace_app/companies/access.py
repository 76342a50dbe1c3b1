"""Who a signed-in company user is inside their company, and what they may change.

Every dashboard service takes a `CompanyActor` and filters each query by its
`company_id`, so another company's ids are simply not found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from marketplace_app.companies.models import CompanyMember, MemberRole
from marketplace_app.core.errors import Forbidden, NotFound

MEMBERS = CompanyMember.__table__
WRITER_ROLES = frozenset({MemberRole.owner, MemberRole.admin})
# Public ids are a short prefix and hex; anything else cannot exist, so it is refused before
# it reaches SQL (PostgreSQL refuses to even compare a string holding NUL).
_PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,40}", re.ASCII)


@dataclass(frozen=True, slots=True)
class CompanyActor:
    """A company member acting through the dashboard or the dashboard API."""

    user_id: str
    company_id: str
    role: MemberRole

    @property
    def can_write(self) -> bool:
        """Owners and admins change projects, keys and credits; members only read."""
        return self.role in WRITER_ROLES


def resolve_actor(session: Session, user_id: str) -> CompanyActor:
    """Return the user's membership (the oldest one if they belong to several companies).

    Raises:
        Forbidden: The user belongs to no company.
    """
    row = session.execute(
        select(MEMBERS.c.company_id, MEMBERS.c.role).where(MEMBERS.c.user_id == user_id)
        .order_by(MEMBERS.c.created_at, MEMBERS.c.id).limit(1)
    ).one_or_none()
    if row is None:
        raise Forbidden("This account is not a member of any company")
    return CompanyActor(user_id=user_id, company_id=row.company_id, role=MemberRole(row.role))


def require_writer(actor: CompanyActor, what: str) -> None:
    """Refuse members who may only read.

    Raises:
        Forbidden: The actor is a plain `member`.
    """
    if not actor.can_write:
        raise Forbidden(f"Only company owners and admins can {what}; your role is {actor.role}")


def checked_id(value: object, label: str) -> str:
    """Return `value` if it could be a public id; otherwise it names nothing (`not_found`)."""
    if not isinstance(value, str) or not _PUBLIC_ID.fullmatch(value):
        raise NotFound(f"{label} not found")
    return value
