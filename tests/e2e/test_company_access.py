"""Company pages that guard something: revoking a key, and another company's request in the URL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from marketplace_app.api.app import create_api
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role
from marketplace_app.ui import routes
from tests import factories
from tests.e2e.helpers import Url, sign_in

pytestmark = pytest.mark.e2e


def company_with_key(*, email: str, funded_cents: int = 0) -> str:
    """A company user (signed up with that e-mail) whose company has a project and a live key."""
    with unit_of_work() as session:
        user = factories.make_user(session, role=Role.company, email=email, display_name="Kim Keys",
                                   company_name="Keyholders")
        company = session.exec(factories.companies_for(user.id)).one()
        if funded_cents:
            factories.fund(session, company=company, cents=funded_cents)
        project = factories.make_project(session, company=company, name="Agents")
        return factories.make_key(session, project=project)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


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
    refused = TestClient(create_api()).get("/v1/requests", headers=bearer(secret))
    assert refused.status_code == 401


def test_another_companys_request_id_in_the_url_is_not_found(page: Page, url: Url):
    other_key = company_with_key(email="oto@other.example", funded_cents=5_000)
    created = TestClient(create_api()).post("/v1/requests", headers=bearer(other_key), json={
        "skill": "legal_review", "urgency": "5min", "duration": "15min", "context": "Secret plans of Other Co",
        "max_price": "8.00EUR"})
    assert created.status_code == 201, created.text
    foreign_id = created.json()["request_id"]
    company_with_key(email="mia@mine.example")
    sign_in(page, url, email="mia@mine.example")
    page.wait_for_url(url(routes.COMPANY_HOME))

    page.goto(url(routes.company_request(foreign_id)))

    expect(page.locator("#request-missing")).to_contain_text(f"Request {foreign_id} not found")
    expect(page.get_by_text("Secret plans of Other Co")).to_have_count(0)
    expect(page.locator("#request-status")).to_have_count(0)
