"""Staff freeze and unfreeze agents in a real browser, on a desktop and on a phone: search, the
reason dialog (a reason is required), the status and reason in the list, the agent's key refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from marketplace_app.audit.models import AuditEntry
from marketplace_app.companies.keys import AgentFrozen, authenticate_key
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role
from marketplace_app.ui import routes
from tests.agents.guard_support import agent_row, make_scoped_agent
from tests.e2e.a11y import assert_accessible
from tests.e2e.helpers import Url, make_user, sign_in

pytestmark = pytest.mark.e2e
REASON = "Chargeback fraud reported by the card issuer"


def sign_in_staff(page: Page, url: Url) -> Page:
    sign_in(page, url, email=make_user(role=Role.admin, display_name="Ada Admin"))
    page.wait_for_url(url(routes.ADMIN_HOME))
    page.goto(url(routes.ADMIN_AGENTS))
    return page


def key_is_frozen(key: str) -> bool:
    with unit_of_work(read_only=True) as session:
        try:
            authenticate_key(session, key)
        except AgentFrozen:
            return True
    return False


def test_staff_find_an_agent_freeze_it_with_a_reason_and_unfreeze_it(page: Page, url: Url):
    # given two agents
    target = make_scoped_agent(scopes=["requests"], company_name="Target")
    other = make_scoped_agent(scopes=["requests"], company_name="Other")
    handle = agent_row(target.agent_id)["handle"]
    admin = sign_in_staff(page, url)
    expect(admin.locator("#admin-agents [data-agent]")).to_have_count(2)
    assert_accessible(admin)

    # when staff search for one
    admin.locator("#agent-search").fill(handle)
    admin.locator("#agent-search-submit").click()
    row = admin.locator(f"#admin-agents [data-agent='{target.agent_id}']")
    expect(admin.locator("#admin-agents [data-agent]")).to_have_count(1)
    expect(row).to_contain_text(handle)
    expect(admin.locator(f"#admin-agents [data-agent='{other.agent_id}']")).to_have_count(0)

    # and freeze it, first without a reason, then with one
    row.locator("[data-action=freeze]").click()
    dialog = admin.get_by_role("dialog")
    expect(dialog).to_contain_text("Freeze this agent")
    admin.locator("#agent-reason-reason").fill("   ")
    admin.locator("#agent-reason-confirm").click()
    expect(dialog).to_contain_text("reason")
    assert agent_row(target.agent_id)["status"] == "active"
    admin.locator("#agent-reason-reason").fill(REASON)
    admin.locator("#agent-reason-confirm").click()

    # then the list shows it frozen with the reason, and its key is refused
    expect(dialog).to_have_count(0)
    expect(row.locator("[data-status]")).to_have_text("frozen")
    expect(row).to_contain_text(REASON)
    assert key_is_frozen(target.key)
    with unit_of_work(read_only=True) as session:
        assert session.query(AuditEntry).filter_by(subject_id=target.agent_id, action="agent.frozen").count() == 1

    # when staff unfreeze it
    row.locator("[data-action=unfreeze]").click()
    admin.locator("#agent-reason-reason").fill("The issuer withdrew the claim")
    admin.locator("#agent-reason-confirm").click()

    # then
    expect(row.locator("[data-status]")).to_have_text("active")
    assert not key_is_frozen(target.key)


def test_on_a_phone_staff_freeze_an_agent_from_its_card(phone: Page, url: Url):
    # given
    agent = make_scoped_agent(scopes=["*"], company_name="Pocket")
    admin = sign_in_staff(phone, url)
    card = admin.locator(f"#admin-agents-cards [data-agent='{agent.agent_id}']")
    expect(card).to_be_visible()
    expect(admin.locator("#admin-agents")).to_be_hidden()
    assert admin.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(admin)

    # when
    card.locator("[data-action=freeze]").click()
    admin.locator("#agent-reason-reason").fill(REASON)
    admin.locator("#agent-reason-confirm").click()

    # then
    expect(card.locator("[data-status]")).to_have_text("frozen")
    expect(card).to_contain_text(REASON)
    assert key_is_frozen(agent.key)
