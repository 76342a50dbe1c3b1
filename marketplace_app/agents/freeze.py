"""Staff freeze and unfreeze an agent: every call of a frozen agent is refused with 403 `agent_frozen`.

Freezing is one conditional UPDATE (`active` → `frozen`) that also bumps `token_version`, so every
JWT of the agent dies with it; the key lookup (`companies.keys`) refuses the agent's keys from the
next call on, and open streams at their next credential check (`identity.credentials`). Each
change is written with its audit entry (who and why) and its event (`agent.frozen`,
`agent.unfrozen`, to the agent's own webhooks) in the caller's transaction.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator
from sqlalchemy import select, update
from sqlmodel import Session

from marketplace_app.agents.models import Agent, AgentStatus
from marketplace_app.audit import service as audit
from marketplace_app.companies.access import checked_id
from marketplace_app.core.clock import isoformat, now
from marketplace_app.core.errors import NotFound, StateConflict
from marketplace_app.core.validation import validated
from marketplace_app.events import service as events

AGENTS = Agent.__table__
REASON_MAX_LENGTH = 500
# Line breaks are fine in a reason; other control characters are not (and PostgreSQL refuses NUL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ReasonIn(BaseModel):
    """Why staff freeze or unfreeze an agent: required, kept in the audit log and shown to its owner."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: StrictStr = Field(min_length=1, max_length=REASON_MAX_LENGTH)

    @field_validator("reason")
    @classmethod
    def _printable(cls, value: str) -> str:
        if _CONTROL.search(value):
            raise ValueError("must not contain control characters")
        return value


def freeze(session: Session, *, staff_user_id: str, agent_id: str, reason: str) -> dict[str, Any]:
    """Freeze an active agent: its keys, JWTs and open streams stop; return the agent's row.

    Raises:
        ValidationFailed: No reason, or one longer than 500 characters.
        NotFound: No such agent.
        StateConflict: The agent is not active (already frozen, pending or deleted).
    """
    why = validated(ReasonIn, {"reason": reason}).reason
    moment = now()
    row = _move(session, agent_id, from_status=AgentStatus.active, values={
        "status": AgentStatus.frozen, "frozen_at": moment, "frozen_reason": why, "frozen_by": staff_user_id,
        "token_version": AGENTS.c.token_version + 1})
    _record(session, row, action="agent.frozen", staff_user_id=staff_user_id, reason=why, at=moment)
    return row


def unfreeze(session: Session, *, staff_user_id: str, agent_id: str, reason: str) -> dict[str, Any]:
    """Unfreeze a frozen agent: its keys work again (its JWTs from before the freeze stay dead).

    Raises:
        ValidationFailed: No reason, or one longer than 500 characters.
        NotFound: No such agent.
        StateConflict: The agent is not frozen.
    """
    why = validated(ReasonIn, {"reason": reason}).reason
    row = _move(session, agent_id, from_status=AgentStatus.frozen, values={
        "status": AgentStatus.active, "frozen_at": None, "frozen_reason": None, "frozen_by": None})
    _record(session, row, action="agent.unfrozen", staff_user_id=staff_user_id, reason=why, at=now())
    return row


def _move(session: Session, agent_id: str, *, from_status: str, values: dict[str, Any]) -> dict[str, Any]:
    """Change the agent only if it is in `from_status` (two staff acting at once: one wins)."""
    checked_id(agent_id, "Agent")
    changed = session.execute(update(AGENTS).where(AGENTS.c.id == agent_id, AGENTS.c.status == from_status)
                              .values(**values)).rowcount
    row = session.execute(select(AGENTS).where(AGENTS.c.id == agent_id)).mappings().one_or_none()
    if row is None:
        raise NotFound(f"No agent {agent_id}")
    if changed != 1:
        raise StateConflict(f"Agent {row['handle']} is {row['status']}, not {from_status}; nothing was changed")
    return dict(row)


def _record(session: Session, row: dict[str, Any], *, action: str, staff_user_id: str, reason: str,
            at: datetime) -> None:
    """The audit entry (who and why) and the agent's event of the same name (`agent.frozen`), in the
    same transaction as the change."""
    audit.record(session, actor_user_id=staff_user_id, action=action,
                 subject_type="agent", subject_id=row["id"], detail={"reason": reason, "handle": row["handle"]})
    events.emit(session, [events.NewEvent(
        type=action, project_id=row["project_id"], company_id=row["company_id"],
        data={"agent_id": row["id"], "handle": row["handle"], "status": row["status"], "reason": reason,
              "at": isoformat(at)})])
