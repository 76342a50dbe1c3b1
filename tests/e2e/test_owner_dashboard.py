"""The agent-owner dashboard in a real browser: the demo owner sees their agents, opens one, reads
its trust history, creates a scoped key whose secret is shown once and adds a webhook endpoint
(pinged on a real loopback receiver) — at desktop and phone widths; another owner's agent is not
found; a pending agent says what it waits for."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace_app.agents.models import Agent, AgentStatus
from marketplace_app.companies.models import ApiKey
from marketplace_app.core.db import unit_of_work
from marketplace_app.demo import seed
from marketplace_app.demo.agents import seed_owner_agents
from marketplace_app.settings import get_settings
from marketplace_app.ui import routes
from tests.agents.test_owner_queries import make_owned_agent, make_owner
from tests.e2e.a11y import accessibility_violations
from tests.e2e.helpers import Url, sign_in
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.e2e
OWNER = "owner@example.com"


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """A loopback receiver, reachable because the (in-process) backend allows localhost webhooks."""
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOCALHOST", "1")
    get_settings.cache_clear()
    server = Receiver().start()
    yield server
    server.stop()
    monkeypatch.delenv("WEBHOOKS_ALLOW_LOCALHOST")
    get_settings.cache_clear()


def demo_owner() -> dict[str, str]:
    """The demo accounts and the owner's two agents; returns handle → agent id."""
    seed.seed()
    seed_owner_agents()
    with unit_of_work(read_only=True) as session:
        return dict(session.execute(select(Agent.handle, Agent.id)).all())


def open_first_agent(page: Page, url: Url, agent_id: str) -> None:
    """Sign in as the demo owner, find the agent's card and open it."""
    sign_in(page, url, email=OWNER, password=seed.DEMO_PASSWORD)
    page.wait_for_url(url(routes.AGENT_OWNER_HOME))
    card = page.locator("[data-agent=contract-scout]")
    expect(card).to_contain_text("Contract Scout")
    expect(card).to_contain_text("active")
    expect(card).to_contain_text("bronze")  # its real score: the start plus three completed requests
    expect(card).to_contain_text("Spent this month")
    expect(page.locator("[data-agent=fact-finder]")).to_be_visible()
    assert accessibility_violations(page) == []
    card.get_by_role("link", name="Contract Scout").click()
    page.wait_for_url(url(routes.owner_agent(agent_id)))
    expect(page.locator("#agent-name")).to_have_text("Contract Scout")
    expect(page.locator("#trust-history")).to_be_visible()
    assert accessibility_violations(page) == []


def create_key(page: Page, *, name: str) -> str:
    """Create a live key with the scopes requests and jobs; return the secret shown once."""
    page.locator("#tab-keys").click()
    page.locator("#new-agent-key").click()
    page.locator("#name").fill(name)
    # The dialog fades in: colours are measured once it has.
    page.wait_for_function("document.getAnimations().every(animation => animation.playState !== 'running')")
    assert accessibility_violations(page) == []  # the dialog, its scope boxes and their labels
    page.locator("#scope-jobs").click()
    page.locator("#agent-key-save").click()
    secret = page.locator("#new-secret")
    expect(secret).to_contain_text("pk_live_")
    shown = secret.inner_text()
    page.locator("#new-secret-done").click()
    expect(page.locator("#new-secret")).to_have_count(0)
    return shown


def scopes_of(name: str) -> list[str] | None:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(ApiKey.scopes).where(ApiKey.name == name)).scalar_one()


def assert_fits(page: Page) -> None:
    """Nothing runs off the side of the screen."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_owner_opens_an_agent_reads_its_trust_and_creates_a_scoped_key(page: Page, url: Url,
                                                                          receiver: Receiver):
    agents = demo_owner()
    open_first_agent(page, url, agents["contract-scout"])

    expect(page.locator("#trust-history")).to_contain_text("request completed")
    # the agent's page lights up the "Agents" entry it came from
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Agents")).to_have_attribute(
        "aria-current", "page")
    expect(page.locator(".recharts-surface").first).to_be_visible()
    secret = create_key(page, name="desktop worker")

    expect(page.locator("#agent-keys [data-key='desktop worker']")).to_contain_text("requests, jobs")
    assert secret.startswith("pk_live_") and scopes_of("desktop worker") == ["requests", "jobs"]
    page.locator("#tab-requests").click()
    expect(page.locator("#agent-requests tbody tr")).to_have_count(3)

    page.locator("#tab-webhooks").click()
    page.locator("#add-agent-endpoint").click()
    page.locator("#url").fill(receiver.url)
    page.locator("#agent-endpoint-save").click()
    expect(page.locator("#endpoint-secret")).to_contain_text("whsec_")
    page.locator("#endpoint-secret-done").click()
    expect(page.locator(f"[data-endpoint='{receiver.url}']")).to_contain_text("enabled")
    assert len(receiver.calls) == 1  # the verification ping
    page.screenshot(path="/tmp/owner-agent-desktop.png", full_page=True)


def test_on_a_phone_the_agents_and_keys_read_as_cards(phone: Page, url: Url):
    agents = demo_owner()
    open_first_agent(phone, url, agents["contract-scout"])
    assert_fits(phone)

    create_key(phone, name="phone worker")

    expect(phone.locator("#agent-keys-cards [data-key-card='phone worker']")).to_contain_text("requests, jobs")
    assert_fits(phone)
    phone.screenshot(path="/tmp/owner-agent-phone.png", full_page=True)


def test_another_owners_agent_is_not_found_and_a_pending_one_waits_for_its_mail(page: Page, url: Url):
    agents = demo_owner()
    with unit_of_work() as session:
        user_id, company_id = make_owner(session)
        make_owned_agent(session, company_id=company_id, handle="newbie", status=AgentStatus.pending_verification)
        from marketplace_app.identity.models import User
        email = session.get_one(User, user_id).email

    sign_in(page, url, email=email)
    page.wait_for_url(url(routes.AGENT_OWNER_HOME))
    expect(page.locator("[data-pending=newbie]")).to_contain_text("Activation e-mail sent to newbie@example.com")
    expect(page.locator("[data-agent=newbie]")).to_contain_text("awaiting activation")
    page.screenshot(path="/tmp/owner-home-pending.png", full_page=True)

    page.goto(url(routes.owner_agent(agents["contract-scout"])))
    expect(page.locator("#agent-missing")).to_contain_text("not found")
