"""Authenticating agents by API key (`pk_live_…` / `pk_test_…`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select, update
from sqlmodel import Session

from marketplace_app.agents.models import Agent, AgentStatus
from marketplace_app.companies.models import ApiKey, KeyStatus, Project
from marketplace_app.core.clock import now
from marketplace_app.core.crypto import keyed_hash
from marketplace_app.core.errors import Forbidden, Unauthorized

KEYS = ApiKey.__table__
PROJECTS = Project.__table__
AGENTS = Agent.__table__
LAST_USED_RESOLUTION = timedelta(minutes=1)
# Built once: every agent call runs it, and building a statement costs more than running it.
KEY_BY_HASH = (
    select(KEYS.c.id, KEYS.c.project_id, PROJECTS.c.company_id, KEYS.c.mode, PROJECTS.c.rate_limit_per_hour,
           KEYS.c.last_used_at, KEYS.c.scopes, AGENTS.c.id.label("agent_id"), AGENTS.c.status.label("agent_status"))
    .join(PROJECTS, PROJECTS.c.id == KEYS.c.project_id)
    .outerjoin(AGENTS, AGENTS.c.project_id == KEYS.c.project_id)
    .where(KEYS.c.key_hash == bindparam("key_hash"), KEYS.c.status.in_([KeyStatus.active, KeyStatus.rotating]),
           or_(KEYS.c.expires_at.is_(None), KEYS.c.expires_at > bindparam("moment")))
)
# Only on the refusal path: an unknown key costs one more indexed read, to tell a holder of an expired
# key why (the secret proves they held it; they learn nothing about any other key).
EXPIRED_KEY = select(KEYS.c.status, KEYS.c.expires_at).where(
    KEYS.c.key_hash == bindparam("key_hash"), KEYS.c.status.in_([KeyStatus.active, KeyStatus.rotating]),
    KEYS.c.expires_at <= bindparam("moment"))
TOUCH_KEY = update(KEYS).where(
    KEYS.c.id == bindparam("key_id"),
    or_(KEYS.c.last_used_at.is_(None), KEYS.c.last_used_at < bindparam("stale_before")),
).values(last_used_at=bindparam("moment"))


@dataclass(frozen=True, slots=True)
class KeyContext:
    """Who an agent is: its key, project, company and mode."""

    key_id: str
    project_id: str
    company_id: str
    mode: str
    rate_limit_per_hour: int
    last_used_at: datetime | None = None
    """When the key's use was last recorded, as read at authentication."""
    agent_id: str | None = None
    """The agent whose key this is; None for a plain project key."""
    scopes: tuple[str, ...] | None = None
    """What an agent key may do (`agents.models.KeyScope`); None: everything (project keys)."""

    @property
    def is_test(self) -> bool:
        """Test keys get simulated operators and move no credits."""
        return self.mode == "test"

    @property
    def idempotency_principal(self) -> str:
        """Whose `Idempotency-Key`s these are: the project's, in this key's mode, so a key sent in
        test mode never replays a live answer (nor the reverse)."""
        # Live keeps the bare project id: records stored before the modes were told apart still replay.
        return self.project_id if self.mode == "live" else f"{self.project_id}:{self.mode}"

    def use_unrecorded(self, at: datetime) -> bool:
        """Whether `touch_last_used` has something to write at `at` (at most once a minute), so
        that the many calls in between stay reads."""
        return self.last_used_at is None or _aware(self.last_used_at) < at - LAST_USED_RESOLUTION


def authenticate_key(session: Session | Connection, secret: str | None) -> KeyContext:
    """Resolve an API key secret to its context (one indexed read, in a session or a bare connection).

    Raises:
        Unauthorized: Missing, malformed, unknown, revoked or expired key (an expired one is told so).
    """
    if not secret or not secret.startswith(("pk_live_", "pk_test_")) or len(secret) > 200:
        raise Unauthorized("Missing or invalid API key")
    parameters = {"key_hash": keyed_hash("api_key", secret), "moment": now()}
    row = session.execute(KEY_BY_HASH, parameters).one_or_none()
    if row is None:
        raise _refusal(session.execute(EXPIRED_KEY, parameters).one_or_none())
    if row.agent_id is not None:
        _require_usable_agent(row.agent_status)
    return KeyContext(key_id=row.id, project_id=row.project_id, company_id=row.company_id, mode=row.mode,
                      rate_limit_per_hour=row.rate_limit_per_hour, last_used_at=row.last_used_at,
                      agent_id=row.agent_id, scopes=tuple(row.scopes) if row.scopes is not None else None)


def _refusal(expired: Any) -> Unauthorized:
    """Why a key was not found: it expired (when, and whether a rotation ended it), or nothing to say."""
    if expired is None:
        return Unauthorized("Missing or invalid API key")
    when = _aware(expired.expires_at).isoformat(timespec="seconds")
    if expired.status == KeyStatus.rotating:
        return Unauthorized(f"This API key was rotated and its grace period ended at {when}; use its successor")
    return Unauthorized(f"This API key expired at {when}; ask for a new key")


class AgentFrozen(Forbidden):
    """Staff froze the agent: every call is refused until they unfreeze it."""

    code = "agent_frozen"


def _require_usable_agent(status: str) -> None:
    if status == AgentStatus.frozen:
        raise AgentFrozen("This agent is frozen by Handoff staff; its owner can see why on the dashboard")
    if status != AgentStatus.active:
        raise Unauthorized("Missing or invalid API key")


def touch_last_used(session: Session, key_id: str) -> None:
    """Record use of a key, at most once a minute (so reads do not turn into writes)."""
    moment = now()
    session.execute(TOUCH_KEY, {"key_id": key_id, "stale_before": moment - LAST_USED_RESOLUTION, "moment": moment})


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; every stored one is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
