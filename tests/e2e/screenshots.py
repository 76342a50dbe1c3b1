"""Screenshots of the main pages of each role, desktop and phone, for the README.

Run with `python -m tests.e2e.screenshots` (or `make screenshots`). It migrates a throwaway SQLite
database, loads the demo accounts plus a little history (a completed request, a cancelled one, a
disputed one, one still matching, a KYC submission and a payout waiting for staff), starts the
whole app in this process as the browser tests do, signs in as the company, an operator and staff,
and saves each page at 1280×800 and 390×844 to `docs/screenshots/<role>-<page>-<desktop|phone>.png`.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800},
             "phone": {"width": 390, "height": 844, "is_mobile": True, "has_touch": True}}
# The page has settled when it shows a heading and no spinner, and its charts had time to animate.
SETTLE_MS = 2_000


def _throwaway_environment() -> Path:
    """Point every setting at a fresh database before the app is imported."""
    folder = Path(tempfile.mkdtemp(prefix="handoff-screenshots-"))
    os.environ.update({"DATABASE_URL": f"sqlite:///{folder / 'handoff.db'}", "ENVIRONMENT": "development",
                       "SECRET_KEY": secrets.token_hex(32), "SCHEDULER_ENABLED": "false"})
    return folder


@dataclass(frozen=True, slots=True)
class Shot:
    """One page to photograph: who, which page (file name part) and its route."""

    role: str
    page: str
    route: str


def main() -> int:
    """Stage the data, start the app, photograph every page at both sizes; return an exit code."""
    _throwaway_environment()
    from playwright.sync_api import sync_playwright

    from marketplace_app.core import db
    from marketplace_app.settings import get_settings
    from tests.conftest import migrate
    from tests.e2e import conftest as harness_setup

    get_settings.cache_clear()
    migrate(os.environ["DATABASE_URL"])
    db.configure(os.environ["DATABASE_URL"])
    shots = stage()
    harness = harness_setup.LocalhostHarness.create(root=Path(harness_setup.PROJECT_ROOT),
                                                    app_name="marketplace_app")
    harness.frontend_port = harness_setup._free_port()
    os.environ["ALLOWED_ORIGINS"] = f"http://localhost:{harness.frontend_port}"
    get_settings.cache_clear()
    OUT.mkdir(parents=True, exist_ok=True)
    with harness, sync_playwright() as playwright:
        os.environ["APP_URL"] = harness_setup.app_url(harness)
        get_settings.cache_clear()
        browser = harness_setup._launch(playwright)
        base = harness_setup.app_url(harness)
        for role, email in ROLES.items():
            for size, viewport in VIEWPORTS.items():
                photograph(browser, base, email, [shot for shot in shots if shot.role == role], size, viewport)
        browser.close()
    for path in sorted(OUT.glob("*.png")):
        print(f"{path.relative_to(OUT.parents[1])}  {path.stat().st_size // 1024} KB")
    return 0


ROLES = {"company": "company@example.com", "operator": "operator1@example.com", "staff": "admin@example.com",
         "owner": "owner@example.com"}


def stage() -> list[Shot]:
    """The demo accounts and a little history; returns the pages to photograph."""
    from fastapi.testclient import TestClient

    from marketplace_app.api.app import create_api
    from marketplace_app.demo import seed
    from marketplace_app.demo.agents import seed_owner_agents
    from marketplace_app.ui import routes

    key = seed.seed()
    seed_owner_agents()
    api = TestClient(create_api())
    headers = {"Authorization": f"Bearer {key}"}
    people = _people()

    def create(title: str, context: str) -> str:
        body = {"skill": "legal_review", "urgency": "5min", "duration": "15min", "max_price": "8.00EUR",
                "title": title, "context": context}
        response = api.post("/v1/requests", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return response.json()["request_id"]

    done = create("Verify address", "Check that Calle Mayor 12, Madrid is a residential address")
    _complete(done, people["operator1@example.com"])
    disputed = create("Review NDA clause 4.2", "Review NDA clause 4.2 for compliance with Spanish labour law")
    _complete(disputed, people["operator1@example.com"])
    response = api.post(f"/v1/requests/{disputed}/dispute", headers=headers,
                        json={"reason": "The answer ignores the notice period in clause 4.2"})
    assert response.status_code == 201, response.text
    cancelled = create("Check a signature", "Compare the signature on page 3 with the ID on file")
    assert api.post(f"/v1/requests/{cancelled}/cancel", headers=headers).status_code == 200
    create("Translate a notice", "Translate the two-paragraph tenancy notice from Spanish to English")
    _staff_queues(people)
    scout = _agent_id("contract-scout")
    # One agent waiting for its owner to open the activation mail (a pending card, a kept mail).
    registered = api.post("/v1/agents/register", json={"name": "Invoice Reader", "owner_email": "owner@example.com",
                                                       "category": "finance", "capabilities": ["invoices"]})
    assert registered.status_code == 201, registered.text
    return [
        Shot("company", "overview", routes.COMPANY_HOME), Shot("company", "requests", routes.COMPANY_REQUESTS),
        Shot("company", "request-disputed", routes.company_request(disputed)),
        Shot("company", "credits", routes.COMPANY_CREDITS),
        Shot("operator", "overview", routes.OPERATOR_HOME), Shot("operator", "earnings", routes.OPERATOR_EARNINGS),
        Shot("operator", "disputes", routes.OPERATOR_DISPUTES),
        Shot("staff", "overview", routes.ADMIN_HOME), Shot("staff", "kyc", routes.ADMIN_KYC),
        Shot("staff", "payouts", routes.ADMIN_PAYOUTS), Shot("staff", "agents", routes.ADMIN_AGENTS),
        Shot("staff", "emails", routes.ADMIN_EMAILS),
        Shot("owner", "agents", routes.AGENT_OWNER_HOME), Shot("owner", "agent", routes.owner_agent(scout)),
    ]


def _people() -> dict[str, str]:
    from sqlalchemy import select

    from marketplace_app.core.db import unit_of_work
    from marketplace_app.identity.models import User

    with unit_of_work(read_only=True) as session:
        return dict(session.execute(select(User.email, User.id)).all())


def _complete(request_id: str, operator_id: str) -> None:
    from marketplace_app.core.db import unit_of_work
    from marketplace_app.work import flows
    from marketplace_app.work import service as work

    with unit_of_work() as session:
        work.accept(session, operator_id=operator_id, request_id=request_id)
    flows.submit_work(operator_id=operator_id, request_id=request_id, body={
        "answer": "Confirmed on site: the address is a residential building with the named tenant's mailbox.",
        "confidence": "high"})


def _staff_queues(people: dict[str, str]) -> None:
    """A KYC submission and a payout waiting for staff, and one scheduler heartbeat."""
    from marketplace_app.core.db import unit_of_work
    from marketplace_app.earnings import accounts, payouts
    from marketplace_app.identity import service as identity
    from marketplace_app.identity.models import Role
    from marketplace_app.kyc import service as kyc
    from marketplace_app.ledger import service as ledger
    from marketplace_app.scheduler.jobs import JOBS
    from marketplace_app.scheduler.runner import run_job
    from marketplace_app.uploads import service as uploads
    from tests import factories
    from tests.e2e.work_helpers import PNG_BYTES

    with unit_of_work() as session:
        newcomer = identity.sign_up(session, identity.SignUp(
            email="newcomer@example.com", password=factories.PASSWORD, display_name="Nadia Newcomer",
            role=Role.operator))
        document = uploads.save_upload(session, owner_user_id=newcomer.id, purpose="kyc_document",
                                       filename="id-card.png", data=PNG_BYTES)
        kyc.submit(session, user_id=newcomer.id, legal_name="Nadia Example", country="PT",
                   date_of_birth=date(1992, 4, 9), document_upload_id=document.id)
        payee = people["operator2@example.com"]
        ledger.transfer(session, idempotency_key=f"screenshots-earned:{payee}", kind="deposit",
                        reason="Earnings released", legs=[ledger.Leg(
                            ledger.account_id(session, factories.FAUCET),
                            ledger.account_id(session, accounts.operator_available(payee)), 4_250)])
        payouts.request_payout(session, operator_id=payee, amount_cents=4_250)
    run_job(JOBS[0])


def _agent_id(handle: str) -> str:
    from sqlalchemy import select

    from marketplace_app.agents.models import Agent
    from marketplace_app.core.db import unit_of_work

    with unit_of_work(read_only=True) as session:
        return session.execute(select(Agent.id).where(Agent.handle == handle)).scalar_one()


def photograph(browser, base: str, email: str, shots: list[Shot], size: str, viewport: dict) -> None:
    """Sign in as `email` in a fresh context of `viewport` and save each shot."""
    from marketplace_app.demo.seed import DEMO_PASSWORD
    from tests.e2e.helpers import sign_in

    options = dict(viewport)
    context = browser.new_context(viewport={"width": options.pop("width"), "height": options.pop("height")},
                                  **options)
    context.set_default_navigation_timeout(90_000)
    page = context.new_page()
    try:
        url: Callable[[str], str] = lambda route: base + route  # noqa: E731
        sign_in(page, url, email=email, password=DEMO_PASSWORD)
        page.wait_for_url(lambda address: "/login" not in address, timeout=90_000)
        for shot in shots:
            page.goto(url(shot.route))
            settle(page)
            page.screenshot(path=str(OUT / f"{shot.role}-{shot.page}-{size}.png"))
    finally:
        context.close()


def settle(page) -> None:
    """Wait until the page has read its data (no spinner), then a moment for charts and fonts."""
    from playwright.sync_api import expect

    expect(page.locator("h1:visible").first).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Loading…")).to_have_count(0, timeout=60_000)
    expect(page.locator(".rt-Spinner")).to_have_count(0, timeout=60_000)
    page.wait_for_timeout(SETTLE_MS)


if __name__ == "__main__":
    sys.exit(main())
