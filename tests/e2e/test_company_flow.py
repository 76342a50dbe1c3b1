"""A new company's first day in a real browser: sign up, project, key, test credit, a request from
the API in the table, its detail and timeline, cancel it and get the credit back.

Set `E2E_SCREENSHOTS=/some/dir` to save a PNG of each step.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from marketplace_app.api.app import create_api
from marketplace_app.ui import routes

pytestmark = pytest.mark.e2e

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")
REQUEST_BODY = {"skill": "legal_review", "urgency": "30min", "duration": "15min",
                "context": "Review NDA clause 4.2 for compliance with Spanish labor law", "max_price": "8.00EUR",
                "title": "NDA clause 4.2 review"}


def snap(page: Page, name: str) -> None:
    """Save a full-page screenshot when `E2E_SCREENSHOTS` names a directory."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def open_from_nav(page: Page, url, label: str, route: str) -> None:
    """Follow a sidebar link (a client-side navigation, quicker than loading the page again)."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True).click()
    page.wait_for_url(url(route))


def sign_up_company(page: Page, url) -> None:
    page.goto(url(routes.SIGNUP))
    page.locator("#display_name").fill("Nora Newco")
    page.locator("#company_name").fill("Newco Ltd")
    page.locator("#email").fill("nora@newco.example")
    page.locator("#password").fill("a-long-enough-password")
    page.locator("#signup-submit").click()
    page.wait_for_url(url(routes.COMPANY_HOME))
    expect(page.locator("#overview-available")).to_have_text("0.00 EUR")


def create_project(page: Page, url) -> None:
    open_from_nav(page, url, "Projects", routes.COMPANY_PROJECTS)
    page.locator("#new-project").click()
    dialog = page.get_by_role("dialog")
    dialog.locator("#name").fill("Support agent")
    dialog.locator("#policy-sandboxed").click()
    dialog.locator("[data-skill=legal_review]").click()
    dialog.locator("#budget_max_per_request").fill("50.00")
    dialog.locator("#budget_daily").fill("20.00")
    dialog.locator("#project-save").click()
    # The service's refusal stays in the dialog, in its own words.
    expect(dialog.locator("#project-error")).to_contain_text("budget.max_per_request (50.00EUR) must not be above")

    dialog.locator("#budget_daily").fill("")
    dialog.locator("#project-save").click()

    expect(page.get_by_role("dialog")).to_have_count(0)
    row = page.locator("#projects-table [data-project='Support agent']")
    expect(row.locator("[data-column=policy]")).to_have_text("sandboxed")
    expect(row.locator("[data-column=skills]")).to_have_text("Legal review")
    expect(row.locator("[data-column=max_per_request]")).to_have_text("50.00 EUR")
    snap(page, "company-projects")


def create_key(page: Page, url) -> str:
    open_from_nav(page, url, "Keys", routes.COMPANY_KEYS)
    page.locator("#new-key").click()
    page.get_by_role("dialog").locator("#name").fill("production agent")
    page.locator("#key-save").click()

    secret = page.locator("#new-secret")
    expect(secret).to_have_text(re.compile(r"^pk_live_\S{20,}$"))
    expect(page.get_by_text("This is the only time the key is shown")).to_be_visible()
    value = secret.inner_text()
    snap(page, "company-key-secret")
    page.locator("#new-secret-done").click()

    expect(page.get_by_role("dialog")).to_have_count(0)
    row = page.locator("#keys-table [data-key='production agent']")
    expect(row.locator("[data-column=key]")).to_have_text(f"{value[:12]}…{value[-4:]}")
    expect(row.locator("[data-column=status]")).to_have_text("active")
    assert value not in page.content()
    return value


def add_test_credit(page: Page, url) -> None:
    open_from_nav(page, url, "Credits", routes.COMPANY_CREDITS)
    # The test environment is a sandbox: test credit is offered, and says it is not real money.
    expect(page.get_by_text("sandbox — test credit, not real money")).to_be_visible()
    # Words are refused in plain words, saying how to type an amount; "50" as a person types it works.
    page.locator("#amount").fill("abc")
    page.locator("#deposit-submit").click()
    expect(page.locator("#deposit-error")).to_have_text("Enter an amount in euros, for example 25 or 25.50.")
    page.locator("#amount").fill("50")
    page.locator("#deposit-submit").click()
    expect(page.locator("#credits-available")).to_have_text("50.00 EUR")
    expect(page.locator("#deposit-error")).to_have_count(0)
    expect(page.locator("#ledger-table")).to_contain_text("Top-up (test credit, not real money)")


def test_a_new_company_goes_from_sign_up_to_a_cancelled_request_with_its_credit_back(page: Page, url):
    sign_up_company(page, url)
    create_project(page, url)
    secret = create_key(page, url)
    add_test_credit(page, url)

    created = TestClient(create_api()).post("/v1/requests", json=REQUEST_BODY,
                                            headers={"Authorization": f"Bearer {secret}"})
    assert created.status_code == 201, created.text
    request_id = created.json()["request_id"]

    open_from_nav(page, url, "Requests", routes.COMPANY_REQUESTS)
    row = page.locator(f"#requests-table [data-request={request_id}]")
    expect(row).to_contain_text("NDA clause 4.2 review")
    expect(row.locator("[data-column=status]")).to_have_text("matching")
    expect(row.locator("[data-column=price]")).to_have_text("8.00 EUR")
    snap(page, "company-requests")

    row.get_by_role("link").click()
    page.wait_for_url(url(routes.company_request(request_id)))
    expect(page.locator("#request-status")).to_have_text("matching")
    expect(page.locator("#request-timeline [data-status=matching]")).to_contain_text("created")
    expect(page.locator("#request-context")).to_have_text(REQUEST_BODY["context"])

    page.locator("#cancel-request").click()
    page.locator("#confirm-cancel").click()
    expect(page.locator("#request-status")).to_have_text("cancelled")
    expect(page.locator("#request-timeline [data-status=cancelled]")).to_contain_text("cancelled by the company")
    expect(page.locator("#cancel-request")).to_have_count(0)
    snap(page, "company-request-detail")

    open_from_nav(page, url, "Credits", routes.COMPANY_CREDITS)
    # One row per movement, in words, with the available balance after each.
    ledger = page.locator("#ledger-table")
    expect(ledger).to_contain_text("Refunded: request 'NDA clause 4.2 review' ended without payment")
    expect(ledger).to_contain_text("Held for request 'NDA clause 4.2 review'")
    expect(ledger.locator("tbody tr").first.locator("[data-column=balance]")).to_have_text("50.00 EUR")
    expect(ledger.locator("tbody tr").nth(1).locator("[data-column=amount]")).to_have_text("-8.00 EUR")
    expect(ledger.locator("tbody tr").nth(1).locator("[data-column=balance]")).to_have_text("42.00 EUR")
    expect(page.locator("#credits-available")).to_have_text("50.00 EUR")
    expect(page.locator("#credits-escrowed")).to_have_text("0.00 EUR")
    snap(page, "company-credits")

    open_from_nav(page, url, "Overview", routes.COMPANY_HOME)
    expect(page.locator("#overview-open-count")).to_have_text("0")
    expect(page.locator("#recent-requests")).to_contain_text("NDA clause 4.2 review")
    snap(page, "company-overview")
