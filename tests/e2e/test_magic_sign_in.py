"""Signing in by e-mail in a real browser: the code typed on the login page, and the mailed link
opened on its own page, each landing on the role's home; on a desktop and on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role
from marketplace_app.mail.models import EmailMessage
from marketplace_app.ui import routes
from tests.e2e.a11y import accessibility_violations
from tests.e2e.helpers import Url, make_user

pytestmark = pytest.mark.e2e


def latest_sign_in_mail(email: str) -> tuple[str, str]:
    """The link path and the code of the newest sign-in mail to `email`."""
    with unit_of_work(read_only=True) as session:
        body = session.execute(select(EmailMessage.body_text).where(
            EmailMessage.to_address == email, EmailMessage.kind == "sign_in")
            .order_by(EmailMessage.created_at.desc(), EmailMessage.id.desc())).scalars().first()
    assert body, "no sign-in mail was queued"
    link = re.search(r"(/auth/magic/\S+)", body).group(1)
    code = re.search(r"code on the sign-in page: (\d{6})", body).group(1)
    return link, code


def ask_for_mail(page: Page, url: Url, email: str) -> None:
    page.goto(url(routes.LOGIN))
    page.locator("#magic-open").click()
    page.locator("#magic_email").fill(email)
    page.locator("#magic-send").click()
    expect(page.locator("#magic-sent")).to_have_text("Check your inbox")
    assert accessibility_violations(page) == []


@pytest.mark.parametrize("device", ["page", "phone"])
def test_a_new_owner_signs_in_with_the_mailed_code(device: str, url: Url, request: pytest.FixtureRequest):
    # given
    page: Page = request.getfixturevalue(device)
    ask_for_mail(page, url, "new.owner@example.com")
    _link, code = latest_sign_in_mail("new.owner@example.com")

    # when
    page.locator("#magic_code").fill("000000" if code != "000000" else "111111")
    page.locator("#magic-verify").click()
    expect(page.locator("#magic-error")).to_contain_text("This code is wrong")
    page.locator("#magic_code").fill(code)
    page.locator("#magic-verify").click()

    # then
    page.wait_for_url(url(routes.AGENT_OWNER_HOME))
    expect(page.get_by_role("heading", name="Agents", level=1)).to_be_visible()
    # the account was made on first use, with its agents' organisation
    expect(page.get_by_text("new.owner's agents")).to_be_visible()


@pytest.mark.parametrize("device", ["page", "phone"])
def test_the_mailed_link_signs_in_once_and_lands_on_the_roles_home(device: str, url: Url,
                                                                    request: pytest.FixtureRequest):
    # given
    page: Page = request.getfixturevalue(device)
    email = make_user(role=Role.company, display_name="Carla Company", email="carla@example.com")
    ask_for_mail(page, url, email)
    link, _code = latest_sign_in_mail(email)

    # when
    page.goto(url(link))
    expect(page.locator("#magic-link-email")).to_have_text(email)
    assert accessibility_violations(page) == []
    page.locator("#magic-link-submit").click()

    # then
    page.wait_for_url(url(routes.COMPANY_HOME))
    expect(page.locator("#welcome-name")).to_have_text("Welcome, Carla Company")
    page.context.clear_cookies()
    page.goto(url(link))
    expect(page.locator("#form-error")).to_contain_text("invalid, already used or expired")
    expect(page.locator("#magic-link-login")).to_be_visible()
    assert accessibility_violations(page) == []
