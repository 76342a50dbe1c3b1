"""Credit in a real browser: outside a sandbox a company is told to send a bank transfer (no test
credit form); staff credit that transfer from the console with a confirmation step, and the
company reads it on its statement."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role
from marketplace_app.settings import get_settings
from marketplace_app.ui import routes
from tests import factories
from tests.e2e.conftest import NAVIGATION_TIMEOUT_MS
from tests.e2e.helpers import Url, make_user, sign_in
from tests.ledger.helpers import assert_ledger_balanced, transfer_count

pytestmark = pytest.mark.e2e


@pytest.fixture
def not_a_sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This deployment holds real money (as production does)."""
    monkeypatch.setenv("SANDBOX", "false")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("SANDBOX")
    get_settings.cache_clear()


def company() -> tuple[str, str]:
    """A company owner; returns (e-mail, company id)."""
    with unit_of_work() as session:
        owner = factories.make_user(session, role=Role.company, company_name="Bankwire Ltd")
        return owner.email, session.exec(factories.companies_for(owner.id)).one().id


def test_outside_a_sandbox_the_credits_page_explains_the_bank_transfer_and_offers_no_test_credit(
        not_a_sandbox, page: Page, url: Url):
    email, company_id = company()
    sign_in(page, url, email=email)
    page.wait_for_url(url(routes.COMPANY_HOME))

    page.goto(url(routes.COMPANY_CREDITS))

    card = page.locator("#bank-transfer")
    expect(card).to_contain_text("Card top-ups are coming; until then, send a bank transfer")
    expect(card).to_contain_text("Handoff staff credit your account")
    expect(page.locator("#bank-reference")).to_have_text(company_id)
    expect(page.locator("#test-credit")).to_have_count(0)
    expect(page.locator("#deposit-submit")).to_have_count(0)


def test_staff_credit_a_bank_transfer_after_confirming_and_the_company_reads_it(
        not_a_sandbox, page: Page, browser: Browser, url: Url):
    email, company_id = company()
    sign_in(page, url, email=make_user(role=Role.admin, display_name="Ada Admin"))
    page.wait_for_url(url(routes.ADMIN_HOME))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Credits", exact=True).click()
    page.wait_for_url(url(routes.ADMIN_CREDITS))

    page.locator("#credit-company_id").fill(company_id)
    page.locator("#amount").fill("250.00")
    page.locator("#credit-reference").fill("SEPA-2026-0042")
    page.locator("#credit-reason").fill("Bank transfer received 7 December")
    page.locator("#credit-review").click()

    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Credit 250.00 EUR to Bankwire Ltd?")
    expect(dialog).to_contain_text("SEPA-2026-0042")
    assert transfer_count(kind="manual_credit") == 0  # nothing moves before the confirmation
    dialog.locator("#credit-confirm").click()

    expect(page.get_by_role("alertdialog")).to_have_count(0)
    row = page.locator("#manual-credits tbody tr").first
    expect(row.locator("[data-column=company]")).to_contain_text("Bankwire Ltd")
    expect(row.locator("[data-column=amount]")).to_have_text("250.00 EUR")
    expect(row.locator("[data-column=reference]")).to_have_text("SEPA-2026-0042")
    expect(row.locator("[data-column=staff]")).to_contain_text("@")
    expect(page.locator("#credit-company_id")).to_have_value("")
    assert transfer_count(kind="manual_credit") == 1
    assert_ledger_balanced()

    context = browser.new_context(viewport={"width": 1280, "height": 800})  # the company, in its own session
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    try:
        company_page = context.new_page()
        sign_in(company_page, url, email=email)
        company_page.wait_for_url(url(routes.COMPANY_HOME))
        company_page.goto(url(routes.COMPANY_CREDITS))
        expect(company_page.locator("#credits-available")).to_have_text("250.00 EUR")
        expect(company_page.locator("#ledger-table")).to_contain_text(
            "Top-up by bank transfer: Bank transfer received 7 December")
    finally:
        context.close()


def test_a_refused_credit_is_explained_in_the_form_and_nothing_opens(page: Page, url: Url):
    sign_in(page, url, email=make_user(role=Role.admin, display_name="Ada Admin"))
    page.wait_for_url(url(routes.ADMIN_HOME))
    page.goto(url(routes.ADMIN_CREDITS))

    page.locator("#credit-company_id").fill("com_0123456789abcdef01234567")
    page.locator("#amount").fill("10.00")
    page.locator("#credit-reference").fill("R-1")
    page.locator("#credit-reason").fill("Wire")
    page.locator("#credit-review").click()

    expect(page.locator("#credit-error")).to_contain_text("not found")
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    assert transfer_count(kind="manual_credit") == 0
