"""What the agent-owner dashboard reads: only the person's own agents, with spend, trust, keys,
webhooks and requests; another owner's agent is not found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace_app.agents import owner_queries as owners
from marketplace_app.agents.models import Agent, AgentStatus, TrustChange
from marketplace_app.companies import service as companies
from marketplace_app.companies.keys import authenticate_key
from marketplace_app.companies.models import KeyMode, MemberRole
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import NotFound
from marketplace_app.core.ids import new_id
from marketplace_app.identity.models import Role
from marketplace_app.ledger.health import ledger_health
from marketplace_app.requests import service as requests
from marketplace_app.requests.schemas import RequestCreate
from tests import factories
from tests.companies.helpers import make_member

MARCH_3 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def make_owned_agent(session, *, company_id: str, handle: str, status: str = AgentStatus.active,
                     monthly_budget_cents: int | None = 10_000) -> Agent:
    """An agent of `company_id` on its own project (the row registration will write)."""
    project = companies.create_project(session, company_id=company_id, name=f"Agent {handle}",
                                       monthly_budget_cents=monthly_budget_cents)
    agent = Agent(id=new_id("agt"), project_id=project.id, company_id=company_id, handle=handle,
                  name=handle.title(), owner_email=f"{handle}@example.com", status=status, trust_score=40,
                  trust_tier="silver")
    session.add(agent)
    session.flush()
    return agent


def make_owner(session, *, funded_cents: int = 0) -> tuple[str, str]:
    """An agent owner with their organisation; returns (user id, company id)."""
    user = factories.make_user(session, role=Role.agent_owner)
    company = session.exec(factories.companies_for(user.id)).one()  # made at sign-up
    company.name = "Owner org"
    if funded_cents:
        factories.fund(session, company=company, cents=funded_cents)
    return user.id, company.id


def create_live_request(project_id: str, *, price: str) -> str:
    """Create a live request as the agent's project key; return its id."""
    with unit_of_work() as session:
        secret = companies.issue_key(session, project_id=project_id, name="agent").secret
    with unit_of_work() as session:
        body = RequestCreate(skill="legal_review", urgency="30min", duration="15min", context="Check the document",
                             max_price=price)
        return requests.create_request(session, ctx=authenticate_key(session, secret), body=body)["id"]


@pytest.fixture
def owner() -> dict[str, str]:
    """A funded owner with two agents (one pending) and another owner with one agent."""
    clock.freeze(MARCH_3)
    with unit_of_work() as session:
        user_id, company_id = make_owner(session, funded_cents=50_000)
        first = make_owned_agent(session, company_id=company_id, handle="scout")
        clock.freeze(MARCH_3 + timedelta(minutes=1))
        pending = make_owned_agent(session, company_id=company_id, handle="newbie",
                                   status=AgentStatus.pending_verification)
        make_owned_agent(session, company_id=company_id, handle="gone", status=AgentStatus.deleted)
        other_user_id, other_company_id = make_owner(session)
        other = make_owned_agent(session, company_id=other_company_id, handle="rival")
        return {"user_id": user_id, "company_id": company_id, "agent_id": first.id, "pending_id": pending.id,
                "project_id": first.project_id, "other_user_id": other_user_id, "other_agent_id": other.id}


def test_owned_agents_lists_own_agents_newest_first_without_deleted_ones(owner):
    # when
    with unit_of_work(read_only=True) as session:
        agents = owners.owned_agents(session, user_id=owner["user_id"])

    # then
    assert [(agent.handle, agent.status) for agent in agents] == [("newbie", "pending_verification"),
                                                                  ("scout", "active")]
    assert agents[1].monthly_budget_cents == 10_000 and agents[1].trust_tier == "silver"


def test_a_new_agent_owner_has_no_agents_and_their_own_empty_organisation():
    # given
    with unit_of_work() as session:
        user_id = factories.make_user(session, role=Role.agent_owner).id

    # when
    with unit_of_work(read_only=True) as session:
        agents = owners.owned_agents(session, user_id=user_id)
        balances = owners.organisation_credits(session, user_id=user_id)

    # then
    assert agents == []
    assert [(line.name.endswith("'s agents"), line.available_cents) for line in balances] == [(True, 0)]


def test_another_owners_agent_is_not_found(owner):
    # when / then
    with unit_of_work(read_only=True) as session, pytest.raises(NotFound):
        owners.agent_access(session, user_id=owner["user_id"], agent_id=owner["other_agent_id"])


def test_a_plain_member_of_the_organisation_does_not_manage_its_agents(owner):
    # given
    with unit_of_work() as session:
        from marketplace_app.companies.models import Company
        member = make_member(session, company=session.get_one(Company, owner["company_id"]), role=MemberRole.member)

    # when / then
    with unit_of_work(read_only=True) as session:
        assert owners.owned_agents(session, user_id=member.id) == []
        with pytest.raises(NotFound):
            owners.agent_access(session, user_id=member.id, agent_id=owner["agent_id"])


@pytest.mark.parametrize("agent_id", ["agt_nope", "x" * 200, "agt\x00"])
def test_unknown_or_malformed_agent_ids_are_not_found(owner, agent_id):
    with unit_of_work(read_only=True) as session, pytest.raises(NotFound):
        owners.agent_access(session, user_id=owner["user_id"], agent_id=agent_id)


def test_spend_counts_live_requests_of_this_agent_against_its_caps(owner):
    # given two live requests of the agent (one yesterday, one today) and one of another project
    clock.freeze(MARCH_3 - timedelta(days=1))
    create_live_request(owner["project_id"], price="8.00EUR")
    clock.freeze(MARCH_3 + timedelta(hours=1))
    create_live_request(owner["project_id"], price="5.00EUR")
    with unit_of_work() as session:
        elsewhere = companies.create_project(session, company_id=owner["company_id"], name="Other").id
    create_live_request(elsewhere, price="7.00EUR")

    # when
    with unit_of_work(read_only=True) as session:
        access = owners.agent_access(session, user_id=owner["user_id"], agent_id=owner["agent_id"])
        budget = owners.agent_budget(session, access=access)
        days = owners.agent_spend_by_day(session, access=access)
        listed = {agent.handle: agent for agent in owners.owned_agents(session, user_id=owner["user_id"])}
        page = owners.agent_requests(session, access=access)

    # then
    assert (budget.today_cents, budget.month_cents, budget.monthly_budget_cents) == (500, 1300, 10_000)
    assert [(day.day.day, day.cents) for day in days] == [(1, 0), (2, 800), (3, 500)]
    assert listed["scout"].month_spent_cents == 1300 and listed["newbie"].month_spent_cents == 0
    assert len(page.rows) == 2 and {row["project_id"] for row in page.rows} == {owner["project_id"]}
    with unit_of_work(read_only=True) as session:
        assert ledger_health(session).ok


def test_organisation_credit_is_the_owners_available_balance(owner):
    with unit_of_work(read_only=True) as session:
        balances = owners.organisation_credits(session, user_id=owner["user_id"])
    assert [(credit.name, credit.available_cents, credit.escrowed_cents) for credit in balances] == [
        ("Owner org", 50_000, 0)]


def test_trust_history_is_newest_first_and_capped(owner):
    # given
    with unit_of_work() as session:
        for step in range(owners.TRUST_HISTORY_LIMIT + 3):
            session.add(TrustChange(agent_id=owner["agent_id"], at=MARCH_3 + timedelta(minutes=step),
                                    score_before=step, score_after=step + 1, tier_after="bronze",
                                    cause="request_completed"))
        session.add(TrustChange(agent_id=owner["other_agent_id"], score_before=0, score_after=9,
                                tier_after="bronze", cause="activated"))

    # when
    with unit_of_work(read_only=True) as session:
        access = owners.agent_access(session, user_id=owner["user_id"], agent_id=owner["agent_id"])
        history = owners.trust_history(session, access=access)

    # then
    assert len(history) == owners.TRUST_HISTORY_LIMIT
    assert history[0].score_after == owners.TRUST_HISTORY_LIMIT + 3
    assert all(change.agent_id == owner["agent_id"] for change in history)


def test_keys_and_endpoints_are_the_agents_projects_only(owner):
    # given a key on the agent's project and one on another project of the same organisation
    with unit_of_work() as session:
        mine = companies.issue_key(session, project_id=owner["project_id"], name="mine", scopes=["requests"]).key.id
        other_project = companies.create_project(session, company_id=owner["company_id"], name="Other").id
        companies.issue_key(session, project_id=other_project, name="theirs", mode=KeyMode.test)

    # when
    with unit_of_work(read_only=True) as session:
        access = owners.agent_access(session, user_id=owner["user_id"], agent_id=owner["agent_id"])
        keys = owners.agent_keys(session, access=access)
        endpoints = owners.agent_endpoints(session, access=access)

    # then
    assert [(key.id, key.scopes) for key in keys] == [(mine, ["requests"])]
    assert endpoints == []
