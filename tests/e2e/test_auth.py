"""Signing in, signing up and signing out in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Unauthorized
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role
from marketplace_app.settings import get_settings
from marketplace_app.ui import routes
from tests.e2e.helpers import Url, make_user, sign_in

pytestmark = pytest.mark.e2e


def nav(page: Page):
    """The visible main navigation."""
    return page.get_by_role("navigation", name="Main")


def test_company_user_lands_on_company_home_with_their_name_and_nav(page: Page, url: Url):
    email = make_user(role=Role.company, display_name="Carla Company")

    sign_in(page, url, email=email)

    page.wait_for_url(url(routes.COMPANY_HOME))
    expect(page.locator("#welcome-name")).to_have_text("Welcome, Carla Company")
    expect(page.locator("#role-badge")).to_have_text("Company")
    for item in ("Overview", "Projects", "Keys", "Credits", "Requests"):
        expect(nav(page).get_by_text(item, exact=True)).to_be_visible()
    expect(nav(page).get_by_text("Scheduler")).to_have_count(0)


@pytest.mark.parametrize(("role", "home", "nav_item"), [
    (Role.operator, routes.OPERATOR_HOME, "Feed"),
    (Role.admin, routes.ADMIN_HOME, "Scheduler"),
])
def test_each_role_lands_on_its_own_home(page: Page, url: Url, role: Role, home: str, nav_item: str):
    email = make_user(role=role, display_name="Rita Role")

    sign_in(page, url, email=email)

    page.wait_for_url(url(home))
    expect(page.locator("#welcome-name")).to_have_text("Welcome, Rita Role")
    expect(nav(page).get_by_text(nav_item, exact=True)).to_be_visible()


def test_wrong_password_shows_the_message_and_stays_on_login(page: Page, url: Url):
    email = make_user(role=Role.company)

    sign_in(page, url, email=email, password="not-the-password")

    expect(page.locator("#form-error")).to_contain_text("Invalid e-mail or password")
    expect(page.get_by_text("Invalid e-mail or password").last).to_be_visible()
    assert page.url == url(routes.LOGIN)


def test_a_locked_account_is_told_it_is_locked_and_until_when(page: Page, url: Url):
    email = make_user(role=Role.company)
    for _ in range(get_settings().login_failures_before_lockout):
        with pytest.raises(Unauthorized), unit_of_work() as session:
            identity.authenticate(session, email=email, password="not-the-password", address="192.0.2.44")

    sign_in(page, url, email=email)

    expect(page.locator("#form-error")).to_contain_text("This account is temporarily locked")
    expect(page.locator("#form-error")).to_contain_text(re.compile(r"Try again after \d\d:\d\d:\d\d UTC"))
    assert page.url == url(routes.LOGIN)


def test_sign_up_as_operator_lands_signed_in_on_operator_home(page: Page, url: Url):
    page.goto(url(routes.SIGNUP))
    page.locator("#role-operator").click()
    expect(page.locator("#company_name")).to_have_count(0)
    page.locator("#display_name").fill("Olga Operator")
    page.locator("#email").fill("olga@example.com")
    page.locator("#password").fill("a-long-enough-password")
    page.locator("#signup-submit").click()

    page.wait_for_url(url(routes.OPERATOR_HOME))
    expect(page.locator("#welcome-name")).to_have_text("Welcome, Olga Operator")


def test_sign_up_refusals_are_shown_inline(page: Page, url: Url):
    email = make_user(role=Role.operator)
    page.goto(url(routes.SIGNUP))
    page.locator("#display_name").fill("Dora Duplicate")
    page.locator("#email").fill(email)
    page.locator("#password").fill("short")
    page.locator("#signup-submit").click()
    expect(page.locator("#form-error")).to_contain_text("password must be at least 10 characters")

    page.locator("#password").fill("a-long-enough-password")
    page.locator("#signup-submit").click()

    expect(page.locator("#form-error")).to_contain_text("An account with this e-mail already exists")
    assert page.url == url(routes.SIGNUP)


def test_sign_out_returns_to_login_and_the_session_is_gone(page: Page, url: Url):
    email = make_user(role=Role.company)
    sign_in(page, url, email=email)
    page.wait_for_url(url(routes.COMPANY_HOME))

    page.get_by_role("button", name="Sign out").click()

    page.wait_for_url(url(routes.LOGIN))
    page.goto(url(routes.COMPANY_HOME))
    page.wait_for_url(url(routes.LOGIN))
    expect(page.locator("#login-submit")).to_be_visible()


def test_ticket_errors_from_the_api_are_shown_on_login(page: Page, url: Url):
    page.goto(url(routes.LOGIN) + "?error=" + "This sign-in link has expired; please sign in again".replace(" ", "+"))

    expect(page.locator("#form-error")).to_contain_text(re.compile("sign-in link has expired"))
