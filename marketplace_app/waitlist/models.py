"""Waitlist entries, one per (type, e-mail)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)
from marketplace_app.core.clock import now


class WaitlistEntry(SQLModel, table=True):
    __tablename__ = "waitlist_entry"
    __table_args__ = (UniqueConstraint("type", "email"),)

    id: str = Field(primary_key=True, max_length=40)
    type: str = Field(max_length=16)
    email: str = Field(max_length=254)
    name: str = Field(max_length=120)
    use_case: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=now)
