"""An owner's key changes from the dashboard: scoped create, rotate keeping the scopes, revoke;
only on their own agent's keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from marketplace_app.agents import owner_keys
from marketplace_app.agents.models import AgentStatus
from marketplace_app.companies import service as companies
from marketplace_app.companies.keys import authenticate_key
from marketplace_app.companies.models import ApiKey, KeyStatus
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import InvalidState, NotFound, ValidationFailed
from tests.agents.test_owner_queries import make_owned_agent, make_owner

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def owner() -> dict[str, str]:
    """An owner with an active and a pending agent, and another owner's agent."""
    clock.freeze(START)
    with unit_of_work() as session:
        user_id, company_id = make_owner(session)
        agent = make_owned_agent(session, company_id=company_id, handle="scout")
        pending = make_owned_agent(session, company_id=company_id, handle="newbie",
                                   status=AgentStatus.pending_verification)
        _, other_company_id = make_owner(session)
        other = make_owned_agent(session, company_id=other_company_id, handle="rival")
        return {"user_id": user_id, "company_id": company_id, "agent_id": agent.id, "pending_id": pending.id,
                "other_agent_id": other.id, "other_project_id": other.project_id}


def _create(owner, **overrides):
    arguments = {"user_id": owner["user_id"], "agent_id": owner["agent_id"], "name": "worker", "mode": "live",
                 "scopes": ["requests", "jobs"], "expires_in_days": None, **overrides}
    with unit_of_work() as session:
        return owner_keys.create_agent_key(session, **arguments)


def test_a_created_key_carries_its_scopes_and_authenticates_as_the_agent(owner):
    # when
    issued = _create(owner, scopes=["jobs", "requests"], expires_in_days=30)

    # then
    with unit_of_work(read_only=True) as session:
        context = authenticate_key(session, issued.secret)
    assert context.agent_id == owner["agent_id"] and context.scopes == ("requests", "jobs")


def test_star_alone_stands_for_every_scope(owner):
    assert _create(owner, scopes=["requests", "*"]).key.scopes == ["*"]


@pytest.mark.parametrize("scopes", [[], ["admin"], [None]])
def test_no_scope_or_an_unknown_one_is_refused(owner, scopes):
    with pytest.raises(ValidationFailed):
        _create(owner, scopes=scopes)


def test_a_pending_agent_gets_no_key(owner):
    with pytest.raises(InvalidState):
        _create(owner, agent_id=owner["pending_id"])


def test_another_owners_agent_is_not_found(owner):
    with pytest.raises(NotFound):
        _create(owner, agent_id=owner["other_agent_id"])


def test_rotating_keeps_the_scopes_of_the_old_key(owner):
    # given
    old = _create(owner, scopes=["requests"]).key

    # when
    with unit_of_work() as session:
        issued, rotated = owner_keys.rotate_agent_key(session, user_id=owner["user_id"], agent_id=owner["agent_id"],
                                                      key_id=old.id)

    # then
    with unit_of_work(read_only=True) as session:
        context = authenticate_key(session, issued.secret)
    assert rotated.status == KeyStatus.rotating and context.scopes == ("requests",)


def test_revoke_acts_only_on_this_agents_keys(owner):
    # given a key of another project in the same organisation
    with unit_of_work() as session:
        project = companies.create_project(session, company_id=owner["company_id"], name="Plain project")
        plain = companies.issue_key(session, project_id=project.id, name="plain").key.id
    mine = _create(owner).key.id

    # when
    with unit_of_work() as session, pytest.raises(NotFound):
        owner_keys.revoke_agent_key(session, user_id=owner["user_id"], agent_id=owner["agent_id"], key_id=plain)
    with unit_of_work() as session:
        owner_keys.revoke_agent_key(session, user_id=owner["user_id"], agent_id=owner["agent_id"], key_id=mine)

    # then
    with unit_of_work(read_only=True) as session:
        assert session.get_one(ApiKey, plain).status == KeyStatus.active
        assert session.get_one(ApiKey, mine).status == KeyStatus.revoked
