"""The agent table: the public face of one project (see docs/DECISIONS.md, "An agent is a project").

The project behind an agent carries what every key already has — keys, budget caps, policy,
webhooks, rate limit — so one policy engine and one webhook system serve project and agent keys.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, Index, Text
from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)
from marketplace_app.core.clock import now


class AgentStatus(StrEnum):
    pending_verification = "pending_verification"
    active = "active"
    frozen = "frozen"
    deleted = "deleted"


class TrustTier(StrEnum):
    bronze = "bronze"
    silver = "silver"
    gold = "gold"
    platinum = "platinum"


class KeyScope(StrEnum):
    """What an agent key may do (AUTX). `*` is everything."""

    requests = "requests"
    jobs = "jobs"
    orders = "orders"
    proxy = "proxy"
    listings = "listings"
    all = "*"


class Agent(SQLModel, table=True):
    __tablename__ = "agent"
    # Discovery's three orders over active agents (agents/queries.py), each a keyset walk.
    __table_args__ = (
        Index("ix_agent_status_trust", "status", "trust_score", "id"),
        Index("ix_agent_status_activated", "status", "activated_at", "id"),
        Index("ix_agent_status_revenue", "status", "sales_revenue_cents", "trust_score", "id"),
    )

    id: str = Field(primary_key=True, max_length=40)
    project_id: str = Field(foreign_key="project.id", unique=True, max_length=40)
    company_id: str = Field(foreign_key="company.id", index=True, max_length=40)
    """The owning organisation (a company, or the one an agent owner gets at sign-up)."""
    handle: str = Field(max_length=32, unique=True)
    """AUTX `ticker`: lowercase, unique, stable; used in URLs."""
    name: str = Field(max_length=120)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    category: str = Field(default="other", max_length=40)
    capabilities: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    endpoint_url: str | None = Field(default=None, max_length=2048)
    service_price_cents: int | None = Field(default=None, sa_column=Column(BigInteger))
    webhook_url: str | None = Field(default=None, max_length=2048)
    """Given at registration; becomes a webhook endpoint of the agent's project on activation."""
    owner_email: str = Field(max_length=254, index=True)
    owner_user_id: str | None = Field(default=None, foreign_key="user_account.id", index=True, max_length=40)
    status: str = Field(default=AgentStatus.pending_verification, max_length=24, index=True)
    trust_score: int = 0
    trust_tier: str = Field(default=TrustTier.bronze, max_length=16)
    token_version: int = 1
    """Bumped by rotation, recovery, freezing and deletion: every JWT carrying an older one dies."""
    created_at: datetime = Field(default_factory=now, index=True)
    activated_at: datetime | None = None
    frozen_at: datetime | None = None
    frozen_reason: str | None = Field(default=None, max_length=500)
    frozen_by: str | None = Field(default=None, max_length=40)
    deleted_at: datetime | None = None
    # What the trust score is computed from (agents/trust.py): counted by the writers of the
    # outcomes (requests/status.py, disputes/rulings.py) in the same transaction, live mode only.
    completed_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Live requests completed as buyer (jobs completed as seller add to it next issue); public."""
    cancelled_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    disputes_won: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    disputes_lost: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    sales_revenue_cents: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    """Completed sales (agent jobs, next issue): 0 until then; discovery's `revenue` order."""
    trust_due_at: datetime | None = Field(default=None, index=True)
    """When the account-age term of the score next grows (the `refresh_agent_trust` job); None: never."""


class TrustChange(SQLModel, table=True):
    """One change of an agent's trust score, with its cause (`GET /v1/agents/me/trust-history`)."""

    __tablename__ = "agent_trust_change"
    # The history is read newest first per agent (agents/queries.py): a keyset walk of this index.
    __table_args__ = (Index("ix_agent_trust_change_agent_id_id", "agent_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    agent_id: str = Field(foreign_key="agent.id", max_length=40)
    at: datetime = Field(default_factory=now)
    score_before: int
    score_after: int
    tier_after: str = Field(max_length=16)
    cause: str = Field(max_length=40)
    """What moved it: `activated`, `request_completed`, `rating_received`, `dispute_won`, …"""
    detail: str = Field(default="", max_length=300)
    subject_id: str | None = Field(default=None, max_length=40)
    """The request, job or dispute that caused it, when there is one."""


class KeyRecoveryRequest(SQLModel, table=True):
    """When an e-mail address last asked for key recovery (`POST /v1/agents/recover-key`): one a
    window per address, whether or not it owns agents (so the answer reveals nothing)."""

    __tablename__ = "agent_key_recovery_request"

    email_hash: str = Field(primary_key=True, max_length=64)
    """The keyed hash of the normalised address: a stranger's typing is not kept in clear."""
    requested_at: datetime
