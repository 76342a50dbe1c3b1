"""A finished request's detail (result, human, rating); the tables on a phone are in test_phone_tables.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from marketplace_app.api.app import create_api
from marketplace_app.companies.models import KeyMode
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role
from marketplace_app.requests.simulator import simulate
from marketplace_app.ui import routes
from tests import factories
from tests.e2e.helpers import Url, sign_in

REQUEST_BODY = {"skill": "legal_review", "urgency": "5min", "duration": "15min", "max_price": "8.00EUR",
                "context": "Review NDA clause 4.2 for compliance with Spanish labor law"}

pytestmark = pytest.mark.e2e


def company_request(*, email: str, mode: KeyMode) -> str:
    """A company user with one request created through the API with a `mode` key; returns its id."""
    with unit_of_work() as session:
        user = factories.make_user(session, role=Role.company, email=email, company_name="Raters")
        company = session.exec(factories.companies_for(user.id)).one()
        factories.fund(session, company=company, cents=5_000)
        secret = factories.make_key(session, project=factories.make_project(session, company=company), mode=mode)
    created = TestClient(create_api()).post("/v1/requests", json=REQUEST_BODY,
                                            headers={"Authorization": f"Bearer {secret}"})
    assert created.status_code == 201, created.text
    return created.json()["request_id"]


def let_the_test_operator_finish() -> None:
    """Run the test-mode simulator as if a few seconds had passed (accept, then complete)."""
    clock.freeze(clock.now())
    try:
        for _ in range(2):
            clock.advance(timedelta(seconds=5))
            with unit_of_work() as session:
                simulate(session)
    finally:
        clock.unfreeze()


def test_a_completed_request_shows_result_and_human_and_takes_one_rating(page: Page, url: Url):
    request_id = company_request(email="rae@raters.example", mode=KeyMode.test)
    let_the_test_operator_finish()
    sign_in(page, url, email="rae@raters.example")
    page.wait_for_url(url(routes.COMPANY_HOME))
    page.locator("#mode-switch").click()  # a test request is seen in test mode only
    expect(page.locator("#test-data-banner")).to_be_visible()

    page.goto(url(routes.company_request(request_id)))
    expect(page.locator("#request-status")).to_have_text("completed")
    expect(page.locator("#request-result")).to_contain_text("[test mode] Simulated legal review result")
    expect(page.get_by_text("ptx_test_simulated")).to_be_visible()
    expect(page.locator("#request-timeline [data-status]")).to_have_count(3)
    expect(page.locator("#cancel-request")).to_have_count(0)

    page.locator("#star-4").click()
    page.locator("#rating-comment").fill("Quick and clear")
    page.locator("#rate-submit").click()

    expect(page.get_by_text("4 / 5 — Quick and clear")).to_be_visible()
    expect(page.locator("#rate-submit")).to_have_count(0)
