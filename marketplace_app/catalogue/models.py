"""Skill catalogue table (seeded by migration; admin-editable later)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from marketplace_app.core import db  # noqa: F401  (applies the naming convention first)


class Skill(SQLModel, table=True):
    __tablename__ = "skill"

    name: str = Field(primary_key=True, max_length=40)
    title: str = Field(max_length=80)
    description: str = Field(default="", max_length=300)
    base_rate_cents_per_hour: int
    active: bool = True
