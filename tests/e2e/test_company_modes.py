"""The Test / Live switch of the company dashboard: live data by default, test data (and only
test data) under a "Test data" banner once flipped, the choice kept across pages for the
browser session; on a desktop and on a phone."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from marketplace_app.api.app import create_api
from marketplace_app.companies.models import KeyMode
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role
from marketplace_app.ui import routes
from tests import factories
from tests.e2e.helpers import Url, sign_in

pytestmark = pytest.mark.e2e


def one_request_per_mode(*, email: str) -> dict[str, str]:
    """A company user whose one project has a live and a test key, each of which created one
    request through the API; returns the request ids by mode."""
    with unit_of_work() as session:
        user = factories.make_user(session, role=Role.company, email=email, company_name="Two Worlds")
        company = session.exec(factories.companies_for(user.id)).one()
        factories.fund(session, company=company, cents=5_000)
        project = factories.make_project(session, company=company, name="Agents")
        keys = {mode.value: factories.make_key(session, project=project, mode=mode) for mode in KeyMode}
    api = TestClient(create_api())
    ids = {}
    for mode, secret in keys.items():
        created = api.post("/v1/requests", headers={"Authorization": f"Bearer {secret}"}, json={
            "skill": "legal_review", "urgency": "30min", "duration": "15min", "max_price": "8.00EUR",
            "title": f"The {mode} request", "context": f"Review the {mode} NDA"})
        assert created.status_code == 201, created.text
        ids[mode] = created.json()["request_id"]
    return ids


def rows(page: Page, request_id: str):
    return page.locator(f"#requests-table [data-request={request_id}]")


@pytest.mark.parametrize("window", ["page", "phone"])
def test_the_switch_shows_live_by_default_and_only_test_data_under_the_banner(request, url: Url, window: str):
    page: Page = request.getfixturevalue(window)
    ids = one_request_per_mode(email=f"tess-{window}@worlds.example")
    sign_in(page, url, email=f"tess-{window}@worlds.example")
    page.wait_for_url(url(routes.COMPANY_HOME))

    # live by default: only the live request, no banner
    page.goto(url(routes.COMPANY_REQUESTS))
    expect(rows(page, ids["live"])).to_have_count(1)
    expect(rows(page, ids["test"])).to_have_count(0)
    expect(page.locator("#test-data-banner")).to_have_count(0)
    expect(page.locator("#mode-switch")).not_to_be_checked()

    # flipped: only the test request, under the banner
    page.locator("#mode-switch").click()
    expect(page.locator("#test-data-banner")).to_be_visible()
    expect(page.locator("#test-data-banner")).to_contain_text("Test data")
    expect(rows(page, ids["test"])).to_have_count(1)
    expect(rows(page, ids["live"])).to_have_count(0)

    # the choice holds on the next page load, and the live request is not found in test mode
    page.goto(url(routes.COMPANY_HOME))
    expect(page.locator("#test-data-banner")).to_be_visible()
    expect(page.locator("#recent-requests")).to_contain_text("The test request")
    expect(page.locator("#recent-requests")).not_to_contain_text("The live request")
    expect(page.locator("#overview-open-count")).to_have_text("1")
    page.goto(url(routes.company_request(ids["live"])))
    expect(page.locator("#request-missing")).to_contain_text(f"Request {ids['live']} not found")

    # flipped back: live again, banner gone
    page.locator("#mode-switch").click()
    expect(page.locator("#test-data-banner")).to_have_count(0)
    expect(page.locator("#request-status")).to_have_text("matching")
