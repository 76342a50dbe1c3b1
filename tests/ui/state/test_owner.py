"""The agent-owner pages' rows: spend bars that stop at their end, typed flags, the scopes a form
ticked, the register form's fields, and another owner's agent read as not found."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from marketplace_app.agents.models import AgentStatus, TrustChange
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import NotFound, ValidationFailed
from marketplace_app.ui.state import owner, owner_agent
from tests.agents.test_owner_queries import make_owned_agent, make_owner

MARCH_3 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("spent", "cap", "percent"), [(0, None, 0), (500, 0, 0), (2_500, 10_000, 25),
                                                       (15_000, 10_000, 100)])
def test_a_spend_bar_stops_at_its_end(spent, cap, percent):
    assert owner.used_percent(spent, cap) == percent


def test_ticked_scopes_are_the_named_boxes_that_came_back():
    form = {"name": "k", "scope:requests": "on", "scope:jobs": "on", "scope:proxy": "", "scope:*": None}
    assert owner_agent.ticked_scopes(form) == ["requests", "jobs"]


def test_the_register_form_is_trimmed_and_tagged_for_the_registration_service():
    # when
    fields = owner.register_fields({"name": "  Scout ", "handle": "Scout-1", "capabilities": "a, b ,,c"},
                                   owner_email="me@example.com")

    # then
    assert fields == {"name": "Scout", "handle": "scout-1", "description": "", "category": "other",
                      "capabilities": ["a", "b", "c"], "owner_email": "me@example.com"}
    with pytest.raises(ValidationFailed):
        owner.register_fields({"name": "x\x00", "handle": "h"}, owner_email="me@example.com")


@pytest.fixture
def agents() -> dict[str, str]:
    clock.freeze(MARCH_3)
    with unit_of_work() as session:
        user_id, company_id = make_owner(session)
        agent = make_owned_agent(session, company_id=company_id, handle="scout", monthly_budget_cents=1_000)
        make_owned_agent(session, company_id=company_id, handle="newbie", status=AgentStatus.pending_verification)
        session.add(TrustChange(agent_id=agent.id, at=MARCH_3, score_before=50, score_after=40, tier_after="silver",
                                cause="dispute_lost", detail="Dispute dsp_1"))
        other_user_id, _ = make_owner(session)
        return {"user_id": user_id, "agent_id": agent.id, "other_user_id": other_user_id}


def test_home_cards_carry_real_booleans(agents):
    with unit_of_work(read_only=True) as session:
        cards = {card.handle: card for card in owner.home_snapshot(session, agents["user_id"])["agents"]}
    assert (cards["newbie"].pending, cards["scout"].pending) == (True, False)
    assert (cards["scout"].has_budget, cards["scout"].over_budget, cards["scout"].budget) == (True, False, "10.00 EUR")


def test_the_agent_page_reads_its_trust_change_and_caps(agents):
    with unit_of_work(read_only=True) as session:
        snapshot = owner_agent.agent_snapshot(session, agents["user_id"], agent_id=agents["agent_id"])
    [change] = snapshot["history"]
    assert (change.cause, change.change, change.rose, change.score) == ("dispute lost", "-10", False, 40)
    assert [(cap.name, cap.show_bar) for cap in snapshot["caps"]] == [("Today", False), ("This month", True),
                                                                      ("Per request", False)]


def test_another_owner_reads_the_agent_page_as_not_found(agents):
    with unit_of_work(read_only=True) as session, pytest.raises(NotFound):
        owner_agent.agent_snapshot(session, agents["other_user_id"], agent_id=agents["agent_id"])


def test_the_register_form_registers_a_pending_agent_and_mails_its_owner():
    from sqlalchemy import select

    from marketplace_app.agents.models import Agent
    from marketplace_app.agents.registration import HandleTaken
    from marketplace_app.core.db import unit_of_work
    from marketplace_app.mail.models import EmailMessage

    fields = owner.register_fields({"name": "Scout", "handle": "scout-dash", "capabilities": "nda-review"},
                                   owner_email="dash-owner@example.com")
    with unit_of_work() as session:
        agent_id = owner.register_agent(session, fields=fields, client_address="203.0.113.9")
    with unit_of_work() as session:
        agent = session.get(Agent, agent_id)
        mails = session.execute(select(EmailMessage).where(EmailMessage.to_address == "dash-owner@example.com"))
        assert (agent.status, agent.handle) == ("pending_verification", "scout-dash")
        assert [mail.kind for mail in mails.scalars()] == ["agent_activation"]
    with pytest.raises(HandleTaken), unit_of_work() as session:
        owner.register_agent(session, fields=fields, client_address="203.0.113.9")
