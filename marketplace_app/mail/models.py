"""The e-mail outbox and single-use link tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)
from marketplace_app.core.clock import now


class EmailStatus(StrEnum):
    """`queued` until the sender takes it; `sent` by SMTP; `kept` where no mail leaves the
    machine (development and test: shown in the dashboard instead); `failed` after the last try."""

    queued = "queued"
    sent = "sent"
    kept = "kept"
    failed = "failed"


class EmailMessage(SQLModel, table=True):
    """One e-mail, written in the same transaction as what caused it (the outbox)."""

    __tablename__ = "email_message"

    id: str = Field(primary_key=True, max_length=40)
    to_address: str = Field(max_length=254, index=True)
    subject: str = Field(max_length=200)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=40)
    """What the mail is for (`agent_activation`, `agent_key`, `sign_in`, …): filters and tests."""
    status: str = Field(default=EmailStatus.queued, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=now, index=True)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=now, index=True)
    sent_at: datetime | None = None


class LinkToken(SQLModel, table=True):
    """A single-use token carried by a link or typed as a code. Only its keyed hash is stored."""

    __tablename__ = "link_token"

    id: str = Field(primary_key=True, max_length=40)
    token_hash: str = Field(max_length=64, unique=True)
    purpose: str = Field(max_length=32)
    subject: str = Field(max_length=254, index=True)
    """Whom or what the token stands for: an agent id, an e-mail address."""
    created_at: datetime = Field(default_factory=now)
    expires_at: datetime = Field(index=True)
    used_at: datetime | None = None
