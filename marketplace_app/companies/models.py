"""Company, membership, project and API key tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)
from marketplace_app.core.clock import now


class MemberRole(StrEnum):
    owner = "owner"
    admin = "admin"
    member = "member"


class InformationPolicy(StrEnum):
    open = "open"
    redacted = "redacted"
    sandboxed = "sandboxed"

    @property
    def strictness(self) -> int:
        """How much it hides: open < redacted < sandboxed."""
        return list(InformationPolicy).index(self)


class KeyMode(StrEnum):
    live = "live"
    test = "test"


class KeyStatus(StrEnum):
    active = "active"
    rotating = "rotating"
    revoked = "revoked"


class Company(SQLModel, table=True):
    __tablename__ = "company"

    id: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=now)


class CompanyMember(SQLModel, table=True):
    __tablename__ = "company_member"
    __table_args__ = (UniqueConstraint("company_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    company_id: str = Field(foreign_key="company.id", index=True)
    user_id: str = Field(foreign_key="user_account.id", index=True)
    role: str = Field(default=MemberRole.member, max_length=16)
    created_at: datetime = Field(default_factory=now)


class Project(SQLModel, table=True):
    __tablename__ = "project"

    id: str = Field(primary_key=True, max_length=40)
    company_id: str = Field(foreign_key="company.id", index=True)
    name: str = Field(max_length=120)
    information_policy: str = Field(default=InformationPolicy.redacted, max_length=16)
    allowed_skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    redaction_terms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    max_per_request_cents: int | None = Field(default=None, sa_column=Column(BigInteger))
    daily_budget_cents: int | None = Field(default=None, sa_column=Column(BigInteger))
    monthly_budget_cents: int | None = Field(default=None, sa_column=Column(BigInteger))
    rate_limit_per_hour: int = 1000
    created_at: datetime = Field(default_factory=now)


class ApiKey(SQLModel, table=True):
    """A project key. Only its keyed hash, display prefix and last four are stored."""

    __tablename__ = "api_key"

    id: str = Field(primary_key=True, max_length=40)
    project_id: str = Field(foreign_key="project.id", index=True)
    name: str = Field(max_length=80)
    mode: str = Field(max_length=8)
    prefix: str = Field(max_length=16)
    last4: str = Field(max_length=4)
    key_hash: str = Field(max_length=64, unique=True)
    status: str = Field(default=KeyStatus.active, max_length=16)
    created_at: datetime = Field(default_factory=now)
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    scopes: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    """What an agent key may do (`agents.models.KeyScope`); None for project keys: everything."""
