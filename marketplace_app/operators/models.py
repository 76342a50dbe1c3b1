"""Operator profile table."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)
from marketplace_app.core.clock import now


class KycStatus(StrEnum):
    not_started = "not_started"
    pending = "pending"
    verified = "verified"
    rejected = "rejected"


class OperatorProfile(SQLModel, table=True):
    __tablename__ = "operator_profile"

    user_id: str = Field(primary_key=True, foreign_key="user_account.id", max_length=40)
    public_id: str = Field(max_length=40, unique=True)
    display_name: str = Field(max_length=100)
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    country: str | None = Field(default=None, max_length=2)
    available: bool = False
    kyc_status: str = Field(default=KycStatus.not_started, max_length=16)
    created_at: datetime = Field(default_factory=now)
