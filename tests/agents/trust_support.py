"""Agents for the trust and discovery tests: a project with a key (tests/requests/helpers.py) and
the agent row that is its public face, activated as registration will activate it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from marketplace_app.agents import trust
from marketplace_app.agents.models import Agent, AgentStatus, TrustChange
from marketplace_app.companies.models import KeyMode
from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.ids import new_id
from tests.requests import helpers as rh


@dataclass(frozen=True, slots=True)
class Face:
    """An agent as these tests see it: its key (a `tests.requests.helpers.Agent`) and its row's id."""

    key: rh.Agent
    agent_id: str
    handle: str

    def headers(self) -> dict[str, str]:
        return self.key.headers()


def make_face(*, handle: str, status: AgentStatus = AgentStatus.active, activated_at: datetime | None = None,
              funded_cents: int = 0, key: rh.Agent | None = None, **fields: Any) -> Face:
    """Commit a project with a live key (or use `key`'s) and its agent; an active one is activated
    now (or at `activated_at`) with `trust.recompute(cause="activated")`, as registration does."""
    key = key or rh.make_agent(funded_cents=funded_cents, company_name=f"{handle} owner")
    values = {"name": handle.title(), "description": "", "category": "research", "capabilities": [],
              "owner_email": f"{handle}@owner.example", **fields}
    with unit_of_work() as session:
        agent = Agent(id=new_id("agt"), project_id=key.project_id, company_id=key.company_id, handle=handle,
                      status=status, **values)
        if status != AgentStatus.pending_verification:
            agent.activated_at = activated_at or now()
        session.add(agent)
        session.flush()
        if status == AgentStatus.active:
            trust.recompute(session, agent.id, cause="activated")
    return Face(key=key, agent_id=agent.id, handle=handle)


def add_test_key(face: Face) -> rh.Agent:
    """A test-mode key on the agent's project."""
    return rh.add_key(face.key, mode=KeyMode.test)


def agent_row(agent_id: str) -> Agent:
    with unit_of_work(read_only=True) as session:
        row = session.get_one(Agent, agent_id)
        session.expunge(row)
        return row


def history(agent_id: str) -> list[TrustChange]:
    """The agent's trust changes, oldest first."""
    with unit_of_work(read_only=True) as session:
        rows = list(session.scalars(select(TrustChange).where(TrustChange.agent_id == agent_id)
                                    .order_by(TrustChange.id)))
        for row in rows:
            session.expunge(row)
        return rows


def aged(days: int) -> datetime:
    """An activation `days` ago."""
    return now() - timedelta(days=days)


def set_standing(agent_id: str, **values: Any) -> None:
    """Set columns of the agent's row as a test's given (e.g. `trust_score`, `status`); a score
    brings its tier."""
    if "trust_score" in values:
        values.setdefault("trust_tier", trust.tier_for(values["trust_score"]))
    with unit_of_work() as session:
        session.execute(update(Agent.__table__).where(Agent.__table__.c.id == agent_id).values(**values))


def earn(agent_id: str, *, completed: int) -> None:
    """`completed` more completed requests on the agent's count, and its score computed again."""
    with unit_of_work() as session:
        table = Agent.__table__
        session.execute(update(table).where(table.c.id == agent_id)
                        .values(completed_count=table.c.completed_count + completed))
        trust.recompute(session, agent_id, cause="request_completed", detail=f"{completed} completed")
