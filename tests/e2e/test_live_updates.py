"""Live company dashboards: requests an agent creates and cancels through the API show up in the
open requests table, request detail and overview without a reload."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role
from marketplace_app.ui import routes
from tests import factories
from tests.e2e.helpers import Url, sign_in

pytestmark = pytest.mark.e2e

EMAIL = "liv@live.example"
REQUEST_BODY = {"skill": "legal_review", "urgency": "30min", "duration": "15min", "max_price": "8.00EUR",
                "context": "Check the notice period in clause 7", "title": "Notice period check"}
# Set before anything happens; a reload or a full navigation would forget it.
MARKER = "window.__liveMarker"


def company_with_key(*, email: str) -> str:
    """A funded company (its owner signs in with `email`) with a live key; returns the key's secret."""
    with unit_of_work() as session:
        user = factories.make_user(session, role=Role.company, email=email, company_name="Livewire")
        company = session.exec(factories.companies_for(user.id)).one()
        factories.fund(session, company=company, cents=5_000)
        return factories.make_key(session, project=factories.make_project(session, company=company, name="Agents"))


def open_live(page: Page, url: Url, route: str) -> None:
    """Open a page, wait until it follows events, and mark the document to prove no reload happens."""
    page.goto(url(route))
    expect(page.locator("#live-indicator")).to_be_visible()
    page.evaluate(f"{MARKER} = 'unchanged'")


def still_the_same_document(page: Page) -> bool:
    return page.evaluate(MARKER) == "unchanged"


def test_requests_appear_and_change_status_live_in_the_table_detail_and_overview(page: Page, url: Url,
                                                                                  api: httpx.Client):
    secret = company_with_key(email=EMAIL)
    agent = {"Authorization": f"Bearer {secret}"}
    sign_in(page, url, email=EMAIL)
    page.wait_for_url(url(routes.COMPANY_HOME))
    open_live(page, url, routes.COMPANY_REQUESTS)

    created = api.post("/v1/requests", json=REQUEST_BODY, headers=agent)
    assert created.status_code == 201, created.text
    request_id = created.json()["request_id"]

    row = page.locator(f"#requests-table [data-request={request_id}]")
    expect(row.locator("[data-column=status]")).to_have_text("matching")
    expect(row).to_contain_text("Notice period check")

    row.get_by_role("link").click()  # a client-side navigation keeps the document
    page.wait_for_url(url(routes.company_request(request_id)))
    expect(page.locator("#live-indicator")).to_be_visible()
    expect(page.locator("#request-status")).to_have_text("matching")
    cancelled = api.post(f"/v1/requests/{request_id}/cancel", headers=agent)
    assert cancelled.status_code == 200, cancelled.text
    expect(page.locator("#request-status")).to_have_text("cancelled")
    expect(page.locator("#request-timeline [data-status=cancelled]")).to_have_count(1)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Overview", exact=True).click()
    page.wait_for_url(url(routes.COMPANY_HOME))
    expect(page.locator("#live-indicator")).to_be_visible()
    expect(page.locator("#overview-open-count")).to_have_text("0")
    second = api.post("/v1/requests", json={**REQUEST_BODY, "title": "Second check"}, headers=agent)
    assert second.status_code == 201, second.text
    expect(page.locator("#overview-open-count")).to_have_text("1")
    expect(page.locator("#overview-escrowed")).to_have_text("8.00 EUR")
    expect(page.locator("#recent-requests")).to_contain_text("Second check")

    assert still_the_same_document(page), "the page was reloaded"
