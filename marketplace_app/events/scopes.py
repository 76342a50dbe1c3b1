"""Who sees which events on the live stream: one scope per kind of subscriber.

A scope answers the same question twice: `matches(row)` for each new row the hub hands out,
and `filters` (SQL conditions) for replaying the log with `since=`. Both must agree, so they
are written side by side. Internal events (`webhook.*`) are never streamed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement

from marketplace_app.events.models import Event

EVENTS = Event.__table__
INTERNAL_PREFIX = "webhook."  # pings and tests go to one endpoint only, never fanned out or streamed


@dataclass(frozen=True, slots=True)
class Scope:
    """The events one subscriber may see; `describe` is for error messages."""

    describe: str
    column: str | None = None
    value: str | None = None
    mode: str | None = None

    def matches(self, row: Mapping[str, Any]) -> bool:
        if str(row["type"]).startswith(INTERNAL_PREFIX):
            return False
        if self.column is not None and row[self.column] != self.value:
            return False
        return self.mode is None or row["mode"] == self.mode

    @property
    def filters(self) -> list[ColumnElement[bool]]:
        conditions = [EVENTS.c.type.not_like(f"{INTERNAL_PREFIX}%")]
        if self.column is not None:
            conditions.append(EVENTS.c[self.column] == self.value)
        if self.mode is not None:
            conditions.append(EVENTS.c.mode == self.mode)
        return conditions


def project_key(project_id: str, mode: str) -> Scope:
    """A project key: its project's events of its own mode (test keys see test events)."""
    return Scope(describe="this key", column="project_id", value=project_id, mode=mode)


def company(company_id: str) -> Scope:
    """A company member's dashboard session: every event of the company's projects, both modes."""
    return Scope(describe="this company", column="company_id", value=company_id)


def operator(operator_id: str) -> Scope:
    """An operator's session: events of the requests and disputes they work on, and their payouts."""
    return Scope(describe="this operator", column="operator_id", value=operator_id)


def staff() -> Scope:
    """Platform staff: everything."""
    return Scope(describe="staff")
