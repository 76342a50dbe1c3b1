"""What the staff agents page reads and does through the domain: the list worded for people, the
status filter (`all` is no filter), and freezing and unfreezing with the sentence the toast shows."""

from __future__ import annotations

import pytest

from marketplace_app.core.errors import StateConflict, ValidationFailed
from marketplace_app.identity.models import Role
from marketplace_app.ui.state import admin_agents
from tests import factories
from tests.agents.guard_support import agent_row, make_scoped_agent
from tests.work import helpers as w


def staff_id() -> str:
    return w.in_unit(lambda session: factories.make_user(session, role=Role.admin).id)


def test_the_list_words_each_agent_and_all_means_every_status():
    # given an active and a frozen agent
    active, frozen = make_scoped_agent(company_name="One"), make_scoped_agent(company_name="Two")
    staff = staff_id()
    w.in_unit(lambda session: admin_agents.change_freeze(session, action="freeze", staff_id=staff,
                                                         agent_id=frozen.agent_id, reason="Fraud"))

    # when
    everything, more = w.in_unit(lambda session: admin_agents.agents_page(session, status="all", q="",
                                                                          starting_after=None))
    only_frozen, _ = w.in_unit(lambda session: admin_agents.agents_page(session, status="frozen", q="",
                                                                        starting_after=None))

    # then
    assert ([item.id for item in everything], more) == ([frozen.agent_id, active.agent_id], False)
    assert [(item.id, item.status, item.frozen_reason) for item in only_frozen] == [(frozen.agent_id, "frozen",
                                                                                     "Fraud")]
    assert everything[1].trust == "0 · Bronze" and everything[1].handle == agent_row(active.agent_id)["handle"]


def test_freezing_and_unfreezing_say_what_happened_and_refuse_what_cannot_be_done():
    # given
    agent = make_scoped_agent()
    handle = agent_row(agent.agent_id)["handle"]
    staff = staff_id()

    def act(action: str, reason: str = "Checked") -> str:
        return w.in_unit(lambda session: admin_agents.change_freeze(session, action=action, staff_id=staff,
                                                                    agent_id=agent.agent_id, reason=reason))

    # when / then
    with pytest.raises(ValidationFailed):
        act("freeze", reason="")
    assert act("freeze").startswith(f"Frozen: every call of {handle}")
    with pytest.raises(StateConflict):
        act("freeze")
    assert act("unfreeze") == f"Unfrozen: {handle} may call Handoff again"
    assert agent_row(agent.agent_id)["status"] == "active"
