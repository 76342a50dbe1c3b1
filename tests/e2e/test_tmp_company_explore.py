"""TEMPORARY exploration with screenshots (deleted before handing back)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from marketplace_app.api.app import create_api
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role
from marketplace_app.ui import routes
from tests import factories
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.e2e
OUT = Path("/tmp/company-shots")


def seed() -> None:
    with unit_of_work() as session:
        user = factories.make_user(session, role=Role.company, email="eve@explore.example",
                                   display_name="Eve Explorer", company_name="Explore Ltd")
        company = session.exec(factories.companies_for(user.id)).one()
        factories.fund(session, company=company, cents=50_000)
        p1 = factories.make_project(session, company=company, name="Research bot")
        p2 = factories.make_project(session, company=company, name="Forms agent")
        k1 = factories.make_key(session, project=p1)
        k2 = factories.make_key(session, project=p2)
    api = TestClient(create_api())
    start = clock.now().replace(day=1, hour=10)
    skills = ["legal_review", "translation", "research", "form_filling"]
    for index in range(26):
        clock.freeze(start + timedelta(days=index % 20, minutes=index))
        body = {"skill": skills[index % 4], "urgency": "30min", "duration": "15min",
                "context": f"Task number {index}: check the document and report", "max_price": f"{3 + index % 7}.50EUR"}
        if index % 3 == 0:
            body["title"] = f"Titled task {index}"
        response = api.post("/v1/requests", json=body, headers={"Authorization": f"Bearer {k1 if index % 2 else k2}"})
        assert response.status_code == 201, response.text
        if index % 5:
            from marketplace_app.requests import status as machine
            from marketplace_app.requests.models import RequestStatus
            with unit_of_work() as session:
                machine.transition(session, request_id=response.json()["request_id"], to=RequestStatus.in_progress,
                                   sources=[RequestStatus.matching], actor=machine.SYSTEM,
                                   values={"accepted_at": clock.now()}, note="accepted by hand")
    clock.unfreeze()


def test_explore(page: Page, phone: Page, url):
    OUT.mkdir(exist_ok=True)
    seed()
    sign_in(page, url, email="eve@explore.example")
    page.wait_for_url(url(routes.COMPANY_HOME))
    expect(page.locator("#recent-requests")).to_be_visible()
    page.wait_for_timeout(800)
    page.screenshot(path=str(OUT / "x-overview-with-spend.png"), full_page=True)
    page.locator("#spend-chart .recharts-bar-rectangle").nth(3).hover()
    page.wait_for_timeout(400)
    page.screenshot(path=str(OUT / "x-overview-tooltip.png"))

    page.goto(url(routes.COMPANY_REQUESTS))
    expect(page.locator("#requests-table [data-request]")).to_have_count(20)
    page.locator("#requests-pager-next").click()
    expect(page.locator("#requests-table [data-request]")).to_have_count(6)
    expect(page.locator("#requests-pager-page")).to_have_text("Page 2")
    page.locator("#requests-pager-previous").click()
    expect(page.locator("#requests-table [data-request]")).to_have_count(20)
    page.locator("#filter-skill").click()
    page.get_by_role("option", name="Translation").click()
    expect(page.locator("#requests-table [data-request]")).to_have_count(7)
    page.locator("#filter-project").click()
    page.get_by_role("option", name="Forms agent").click()
    page.wait_for_timeout(500)
    print("translation+forms", page.locator("#requests-table [data-request]").count())
    page.screenshot(path=str(OUT / "x-requests-filtered.png"), full_page=True)

    page.goto(url(routes.COMPANY_HOME))
    page.get_by_text("View open requests").click()
    page.wait_for_url("**/company/requests?status=open")
    expect(page.locator("#filter-status")).to_contain_text("Open")
    page.wait_for_timeout(800)
    print("open rows", page.locator("#requests-table [data-request]").count())
    page.screenshot(path=str(OUT / "x-requests-open-empty.png"), full_page=True)

    page.goto(url(routes.COMPANY_CREDITS))
    expect(page.locator("#ledger-table tbody tr")).to_have_count(25)
    page.locator("#ledger-pager-next").click()
    expect(page.locator("#ledger-pager-page")).to_have_text("Page 2")
    page.locator("#ledger-pager-next").click()
    expect(page.locator("#ledger-pager-page")).to_have_text("Page 3")
    print("ledger page 3 rows", page.locator("#ledger-table tbody tr").count())
    page.locator("#amount").fill("abc")
    page.locator("#deposit-submit").click()
    expect(page.locator("#deposit-error")).to_be_visible()
    print("deposit error:", page.locator("#deposit-error").inner_text())
    page.screenshot(path=str(OUT / "x-credits-error.png"), full_page=True)

    page.goto(url(routes.COMPANY_PROJECTS))
    page.locator("[data-project='Research bot']").get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("#name")).to_have_value("Research bot")
    dialog.locator("[data-skill=research]").click()
    dialog.locator("[data-skill=translation]").click()
    dialog.locator("#redaction_terms").fill("ACME Corp\nJohn Smith")
    dialog.locator("#webhook_url").fill("http://insecure.example")
    dialog.locator("#rate_limit_per_hour").fill("abc")
    dialog.locator("#project-save").click()
    expect(dialog.locator("#project-error")).to_be_visible()
    print("project error:", dialog.locator("#project-error").inner_text())
    dialog.locator("#rate_limit_per_hour").fill("120")
    dialog.locator("#project-save").click()
    expect(dialog.locator("#project-error")).to_contain_text("webhook_url")
    print("project error 2:", dialog.locator("#project-error").inner_text())
    page.screenshot(path=str(OUT / "x-project-dialog-error.png"), full_page=True)
    dialog.locator("#webhook_url").fill("https://hooks.explore.example/handoff")
    dialog.locator("#budget_monthly").fill("300")
    dialog.locator("#project-save").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    row = page.locator("[data-project='Research bot']")
    expect(row.locator("[data-column=skills]")).to_contain_text("Research")
    print("row:", row.inner_text())
    row.get_by_role("button", name="Edit").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("#rate_limit_per_hour")).to_have_value("120")
    expect(dialog.locator("#budget_monthly")).to_have_value("300.00")
    page.screenshot(path=str(OUT / "x-project-dialog-edit.png"), full_page=True)
    page.keyboard.press("Escape")

    page.goto(url(routes.COMPANY_KEYS))
    page.locator("[data-key=test]").first.get_by_role("button", name="Rotate").click()
    page.locator("#confirm-action").click()
    expect(page.locator("#new-secret")).to_have_text(__import__("re").compile("^pk_live_"))
    print("rotate note:", page.locator("#secret-note").inner_text())
    page.screenshot(path=str(OUT / "x-key-rotated.png"), full_page=True)
    page.locator("#secret-done").click()
    page.wait_for_timeout(500)
    page.screenshot(path=str(OUT / "x-keys-after-rotate.png"), full_page=True)
    page.locator("#new-key").click()
    page.locator("#key-project").click()
    page.get_by_role("option", name="Forms agent").click()
    page.get_by_role("dialog").locator("#name").fill("tester")
    page.locator("#mode-test").click()
    page.locator("#expires_in_days").fill("99999")
    page.locator("#key-save").click()
    expect(page.locator("#key-error")).to_be_visible()
    print("key error:", page.locator("#key-error").inner_text())
    page.locator("#expires_in_days").fill("30")
    page.locator("#key-save").click()
    expect(page.locator("#new-secret")).to_have_text(__import__("re").compile("^pk_test_"))
    page.locator("#secret-done").click()
    page.screenshot(path=str(OUT / "x-keys-final.png"), full_page=True)

    sign_in(phone, url, email="eve@explore.example")
    phone.wait_for_url(url(routes.COMPANY_HOME))
    expect(phone.locator("#recent-requests")).to_be_visible()
    phone.wait_for_timeout(2500)
    phone.screenshot(path=str(OUT / "phone-overview.png"), full_page=True)
    for name, route in (("keys", routes.COMPANY_KEYS), ("credits", routes.COMPANY_CREDITS),
                        ("requests", routes.COMPANY_REQUESTS), ("projects", routes.COMPANY_PROJECTS)):
        phone.goto(url(route))
        phone.wait_for_timeout(1500)
        phone.screenshot(path=str(OUT / f"phone-{name}.png"), full_page=True)
    phone.locator("#new-project").click()
    phone.wait_for_timeout(800)
    phone.screenshot(path=str(OUT / "phone-project-dialog.png"))
    phone.keyboard.press("Escape")
    phone.goto(url(routes.COMPANY_REQUESTS))
    first = phone.locator("#requests-table [data-request]").first
    first.get_by_role("link").click()
    phone.wait_for_timeout(1500)
    phone.screenshot(path=str(OUT / "phone-request-detail.png"), full_page=True)
