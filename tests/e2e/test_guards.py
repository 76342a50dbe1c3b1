"""Who may open which page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from marketplace_app.identity.models import Role
from marketplace_app.ui import routes
from tests.e2e.helpers import Url, make_user, sign_in

pytestmark = pytest.mark.e2e


def test_company_user_visiting_admin_is_sent_to_company_home(page: Page, url: Url):
    sign_in(page, url, email=make_user(role=Role.company))
    page.wait_for_url(url(routes.COMPANY_HOME))

    page.goto(url(routes.ADMIN_SCHEDULER))

    page.wait_for_url(url(routes.COMPANY_HOME))
    expect(page.locator("#welcome-name")).to_be_visible()


def test_visitor_without_session_is_sent_to_login(page: Page, url: Url):
    page.goto(url(routes.OPERATOR_HOME))

    page.wait_for_url(url(routes.LOGIN))


def test_root_sends_signed_in_user_home(page: Page, url: Url):
    sign_in(page, url, email=make_user(role=Role.agent_owner))
    page.wait_for_url(url(routes.AGENT_OWNER_HOME))

    page.goto(url("/"))

    page.wait_for_url(url(routes.AGENT_OWNER_HOME))


def test_phone_width_navigation_opens_from_the_menu(phone: Page, url: Url):
    sign_in(phone, url, email=make_user(role=Role.operator, display_name="Pia Phone"))
    phone.wait_for_url(url(routes.OPERATOR_HOME))
    expect(phone.get_by_role("navigation", name="Main")).to_have_count(0)

    phone.get_by_role("button", name="Open menu").click()

    menu = phone.get_by_role("dialog").get_by_role("navigation", name="Main")
    expect(menu.get_by_text("My work", exact=True)).to_be_visible()
    expect(phone.get_by_role("dialog").get_by_text("Pia Phone")).to_be_visible()
