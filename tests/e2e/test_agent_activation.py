"""The activation page in a real browser: the owner opens the mailed link, accepts the terms and
lands signed in on `/owner` with a toast; a fee not covered says so in the form; a used link says
it cannot be used. Desktop and phone."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from marketplace_app.ui import routes
from tests.agents.registration_helpers import activation_secret, body, mails
from tests.e2e.a11y import assert_accessible
from tests.e2e.helpers import Url

pytestmark = pytest.mark.e2e

OWNER = "owner@example.com"


def register(api: httpx.Client, **overrides: object) -> str:
    """Register an agent through the API; the secret of its mailed activation link."""
    response = api.post("/v1/agents/register", json=body(**overrides))
    assert response.status_code == 201, response.text
    return activation_secret(OWNER)


def fits_the_width(page: Page) -> bool:
    """Whether the page scrolls sideways (a phone layout must not)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("device", ["page", "phone"])
def test_the_owner_activates_the_first_agent_and_lands_signed_in_on_the_owner_dashboard(
        request: pytest.FixtureRequest, url: Url, api: httpx.Client, device: str):
    page: Page = request.getfixturevalue(device)
    # given an agent registered by API, and the link mailed to its owner
    secret = register(api)

    # when the owner opens it
    page.goto(url(routes.activate_agent(secret)))

    # then the page shows what is activated, for whom, and that it is free; Activate waits for the terms
    expect(page.locator("#agent-name")).to_have_text("Contract Checker")
    expect(page.locator("#agent-handle")).to_have_text("@contract-checker")
    expect(page.locator("#owner-email")).to_have_text(OWNER)
    expect(page.locator("#activation-fee")).to_contain_text("Free")
    expect(page.locator("#activate-submit")).to_be_disabled()
    assert fits_the_width(page)
    assert_accessible(page)

    # when they accept the terms and activate
    page.locator("#accept-terms").click()
    page.locator("#activate-submit").click()

    # then they are signed in on their dashboard, told where the key went, and the key is mailed
    page.wait_for_url(url(routes.AGENT_OWNER_HOME) + "**")
    expect(page.get_by_text(f"Activated — the API key is on its way to {OWNER}")).to_be_visible()
    assert len(mails("agent_key", OWNER)) == 1

    # and the used link now explains itself
    page.goto(url(routes.activate_agent(secret)))
    expect(page.locator("#link-error")).to_contain_text("already used")


def test_a_fee_not_covered_is_shown_in_the_form_and_the_agent_stays_pending(phone: Page, url: Url,
                                                                            api: httpx.Client):
    # given the owner's first agent is active and a second one waits (its fee not covered)
    first = register(api)
    assert api.post(f"/v1/agents/activation/{first}", json={"accept_terms": True}).status_code == 200
    second = register(api, name="Second Agent")

    # when the owner opens the second link
    phone.goto(url(routes.activate_agent(second)))

    # then the fee is named, and activating without credits says why, on the page
    expect(phone.locator("#activation-fee")).to_contain_text("5.00")
    phone.locator("#accept-terms").click()
    phone.locator("#activate-submit").click()
    expect(phone.locator("#activate-error")).to_contain_text("do not cover it")
    assert fits_the_width(phone)
    assert api.get(f"/v1/agents/activation/{second}").status_code == 200  # the link still works


def test_a_forged_link_shows_why_it_cannot_be_used(page: Page, url: Url):
    page.goto(url(routes.activate_agent("lt_forged-link-secret")))
    expect(page.locator("#link-error")).to_contain_text("invalid")
    expect(page.locator("#activate-submit")).to_have_count(0)
    assert_accessible(page)
