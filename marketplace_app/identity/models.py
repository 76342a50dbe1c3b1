"""Identity tables: users, bearer sessions (`ses_…`) and one-time browser login tickets."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)
from marketplace_app.core.clock import now


class Role(StrEnum):
    """What a user is on Handoff; each role lands on its own dashboard."""

    company = "company"
    operator = "operator"
    agent_owner = "agent_owner"
    admin = "admin"


class UserStatus(StrEnum):
    active = "active"
    frozen = "frozen"


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: str = Field(primary_key=True, max_length=40)
    email: str = Field(max_length=254, unique=True)
    password_hash: str = Field(max_length=255)
    display_name: str = Field(max_length=100)
    role: str = Field(max_length=20, index=True)
    status: str = Field(default=UserStatus.active, max_length=16)
    created_at: datetime = Field(default_factory=now)
    last_login_at: datetime | None = None


class StaffSkill(SQLModel, table=True):
    """A skill a staff member is a specialist in (tier-2 disputes of that skill are theirs)."""

    __tablename__ = "staff_skill"

    user_id: str = Field(foreign_key="user_account.id", primary_key=True, max_length=40)
    skill: str = Field(foreign_key="skill.name", primary_key=True, max_length=40, index=True)
    created_at: datetime = Field(default_factory=now)


class AuthSession(SQLModel, table=True):
    """A login. Only the keyed hash of the `ses_…` token is stored."""

    __tablename__ = "auth_session"

    id: str = Field(primary_key=True, max_length=40)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: str = Field(foreign_key="user_account.id", index=True)
    kind: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=now)
    expires_at: datetime = Field(index=True)
    revoked_at: datetime | None = None


class LoginTicket(SQLModel, table=True):
    """A one-time, short-lived ticket the dashboard trades for an HttpOnly session cookie."""

    __tablename__ = "login_ticket"

    id: str = Field(primary_key=True, max_length=40)
    ticket_hash: str = Field(max_length=64, unique=True)
    user_id: str = Field(foreign_key="user_account.id")
    expires_at: datetime = Field(index=True)
    used_at: datetime | None = None


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins counted under one subject: an account or a client address.

    Subjects are keyed hashes (`acct:…` of the e-mail tried, `addr:…` of the address), because
    failures name e-mails that may belong to nobody and addresses are personal data. When a
    subject must wait is worked out from `failures` and `last_failure_at` (identity/throttle.py).
    """

    __tablename__ = "login_throttle"

    subject: str = Field(primary_key=True, max_length=40)
    failures: int = 0
    last_failure_at: datetime
    forget_at: datetime = Field(index=True)
