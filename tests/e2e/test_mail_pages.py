"""Reading mail in the browser: staff's /admin/emails lists every mail and opens one; the development
/inbox shows a signed-in person their own mail with working links, at desktop and phone width, and
says there is nothing there in production."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role
from marketplace_app.mail import sender
from marketplace_app.mail import service as mail
from marketplace_app.settings import get_settings
from marketplace_app.ui import routes
from tests.e2e.a11y import accessibility_violations
from tests.e2e.helpers import Url, make_user, sign_in

pytestmark = pytest.mark.e2e

LINK = "https://handoff.test/activate/lt_e2e"


def queue(to: str, subject: str, kind: str = "sign_in") -> str:
    with unit_of_work() as session:
        mail_id = mail.queue(session, to=to, subject=subject, kind=kind,
                             text=f"Hello,\n\nOpen {LINK}.\n\n<b>not bold</b>\nHandoff").id
    sender.send_due()
    return mail_id


def signed_in(page: Page, url: Url, *, role: Role, email: str) -> Page:
    make_user(role=role, email=email)
    sign_in(page, url, email=email)
    page.wait_for_url(url(routes.home_for_role(role)))
    return page


def expect_opened_mail(page: Page, subject: str) -> None:
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(subject)
    body = dialog.locator("#mail-body")
    expect(body.get_by_role("link", name=LINK)).to_have_attribute("href", LINK)
    expect(body).to_contain_text("<b>not bold</b>")
    expect(body.locator("b")).to_have_count(0)


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_staff_list_every_mail_newest_first_and_open_one(page: Page, phone: Page, url: Url, width: str):
    # given
    browser = signed_in(page if width == "desktop" else phone, url, role=Role.admin, email=f"ada-{width}@staff.example")
    queue("one@example.com", "First mail")
    newest = queue("two@example.com", "Activate your agent", kind="agent_activation")

    # when
    browser.goto(url(routes.ADMIN_EMAILS))

    # then
    listed = browser.locator("#admin-emails" if width == "desktop" else "#admin-emails-cards")
    expect(listed.locator("[data-mail]")).to_have_count(2)
    expect(listed.locator("[data-mail]").first).to_have_attribute("data-mail", newest)
    expect(listed.locator("[data-mail]").first).to_contain_text("kept (not sent)")
    assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert accessibility_violations(browser) == []
    listed.locator(f"[data-open-mail={newest}]").click()
    expect_opened_mail(browser, "Activate your agent")
    assert accessibility_violations(browser) == []

    # when (only the mail to one address, typed in any case)
    browser.keyboard.press("Escape")
    expect(browser.get_by_role("dialog")).to_have_count(0)  # closed, so its overlay takes no click
    browser.locator("#emails-to").fill("ONE@example.com")
    browser.locator("#emails-filter").click()

    # then
    expect(listed.locator("[data-mail]")).to_have_count(1)
    expect(listed.locator("[data-mail]")).to_contain_text("First mail")


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_the_inbox_shows_a_person_their_own_mail_with_working_links(page: Page, phone: Page, url: Url, width: str):
    # given
    email = f"olga-{width}@operators.example"
    browser = signed_in(page if width == "desktop" else phone, url, role=Role.operator, email=email)
    mine = queue(email, "Your sign-in code")
    queue("someone.else@example.com", "Not yours")

    # when (through the small link every dashboard shows outside production)
    if width == "phone":
        browser.locator("#open-menu").click()
    browser.get_by_role("link", name="Mail kept for you (dev)").locator("visible=true").first.click()
    browser.wait_for_url(url(routes.INBOX))

    # then
    listed = browser.locator("#inbox" if width == "desktop" else "#inbox-cards")
    expect(listed.locator("[data-mail]")).to_have_count(1)
    expect(browser.get_by_text("Not yours")).to_have_count(0)
    assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert accessibility_violations(browser) == []
    listed.locator(f"[data-open-mail={mine}]").click()
    expect_opened_mail(browser, "Your sign-in code")


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ENVIRONMENT", "production")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_in_production_the_inbox_is_not_found(page: Page, url: Url, request: pytest.FixtureRequest):
    # given
    email = "carl@company.example"
    signed_in(page, url, role=Role.company, email=email)
    queue(email, "Kept before the switch")
    request.getfixturevalue("production")

    # when
    page.goto(url(routes.INBOX))

    # then
    expect(page.locator("#not-found")).to_contain_text("Page not found")
    expect(page.get_by_text("Kept before the switch")).to_have_count(0)


def test_a_visitor_is_sent_to_sign_in_and_a_company_user_may_not_read_staff_mail(page: Page, url: Url):
    # when (signed out)
    page.goto(url(routes.INBOX))

    # then
    page.wait_for_url(url(routes.LOGIN))

    # when (a company user at staff's page)
    signed_in(page, url, role=Role.company, email="cleo@company.example")
    page.goto(url(routes.ADMIN_EMAILS))

    # then
    page.wait_for_url(url(routes.COMPANY_HOME))
