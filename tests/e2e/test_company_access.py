"""Company pages that guard something: revoking a key, and another company's request in the URL."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role
from marketplace_app.ui import routes
from tests import factories
from tests.e2e.helpers import Url, sign_in
from tests.requests import helpers as requests_helpers

pytestmark = pytest.mark.e2e


def company_with_key(*, email: str) -> str:
    """A company user (signed up with that e-mail) whose company has a project and a live key."""
    with unit_of_work() as session:
        user = factories.make_user(session, role=Role.company, email=email, display_name="Kim Keys",
                                   company_name="Keyholders")
        company = session.exec(factories.companies_for(user.id)).one()
        project = factories.make_project(session, company=company, name="Agents")
        return factories.make_key(session, project=project)


def test_revoking_a_key_marks_it_revoked_and_the_api_refuses_it(page: Page, url: Url):
    secret = company_with_key(email="kim@keys.example")
    sign_in(page, url, email="kim@keys.example")
    page.wait_for_url(url(routes.COMPANY_HOME))

    page.goto(url(routes.COMPANY_KEYS))
    row = page.locator("#keys-table [data-key=test]")
    expect(row.locator("[data-column=status]")).to_have_text("active")
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("stops working at once")
    page.locator("#confirm-action").click()

    expect(row.locator("[data-column=status]")).to_have_text("revoked")
    expect(row.get_by_role("button", name="Revoke")).to_have_count(0)
    refused = requests_helpers.client().get("/v1/requests", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401


def test_another_companys_request_id_in_the_url_is_not_found(page: Page, url: Url):
    other = requests_helpers.make_agent(funded_cents=5_000, company_name="Other Co")
    created = requests_helpers.client().post("/v1/requests", json={**requests_helpers.SEED_BODY,
                                                                   "context": "Secret plans of Other Co"},
                                             headers=other.headers())
    assert created.status_code == 201, created.text
    foreign_id = created.json()["request_id"]
    company_with_key(email="mia@mine.example")
    sign_in(page, url, email="mia@mine.example")
    page.wait_for_url(url(routes.COMPANY_HOME))

    page.goto(url(routes.company_request(foreign_id)))

    expect(page.locator("#request-missing")).to_contain_text(f"Request {foreign_id} not found")
    expect(page.get_by_text("Secret plans of Other Co")).to_have_count(0)
    expect(page.locator("#request-status")).to_have_count(0)
