"""An address that does not exist shows "Page not found" with a way back: inside the dashboard (with
its navigation) for a signed-in user, and a sign-in link for a visitor."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from marketplace_app.identity.models import Role
from marketplace_app.ui import routes
from tests.e2e.helpers import Url, make_user, sign_in

pytestmark = pytest.mark.e2e

MISSING_ROUTE = "/company/no-such-page"


def test_a_visitor_on_a_missing_page_is_offered_the_sign_in(page: Page, url: Url):
    page.goto(url(MISSING_ROUTE))

    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page).to_have_title("Page not found · Handoff")
    page.locator("#not-found-back").click()
    page.wait_for_url(url(routes.LOGIN))


def test_a_signed_in_company_on_a_missing_page_keeps_its_navigation_and_a_link_home(page: Page, url: Url):
    email = make_user(role=Role.company, email="nia@lost.example")
    sign_in(page, url, email=email)
    page.wait_for_url(url(routes.COMPANY_HOME))

    page.goto(url(MISSING_ROUTE))

    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.locator("#not-found-back")).to_have_text("Back to your dashboard")
    page.locator("#not-found-back").click()
    page.wait_for_url(url(routes.COMPANY_HOME))
