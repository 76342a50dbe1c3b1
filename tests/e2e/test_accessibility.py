"""Every page of every role, at desktop and phone width, passes axe-core's WCAG 2.1 AA rules with no
serious or critical violation (and so do the signed-out pages and the 404 page)."""

from __future__ import annotations

import contextlib

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from marketplace_app.identity.models import Role
from marketplace_app.ui import routes
from tests.e2e.a11y import accessibility_violations
from tests.e2e.conftest import NAVIGATION_TIMEOUT_MS
from tests.e2e.helpers import Url, company_with_a_request, make_user, sign_in

pytestmark = pytest.mark.e2e

DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
WAITING_TEXTS = ("Checking your session…", "Loading…")
MISSING_ROUTE = "/no-such-page"
TITLE_TIMEOUT_MS = 5_000


def pages_by_role(request_id: str) -> dict[str, tuple[Role, tuple[str, ...]]]:
    """Each role's e-mail, role and every page it can open (the detail pages on the seeded request)."""
    return {
        "company@a11y.example": (Role.company, (
            routes.COMPANY_HOME, routes.COMPANY_PROJECTS, routes.COMPANY_KEYS, routes.COMPANY_CREDITS,
            routes.COMPANY_REQUESTS, routes.company_request(request_id), routes.COMPANY_REVIEW,
            routes.COMPANY_DISPUTES, routes.COMPANY_WEBHOOKS, MISSING_ROUTE)),
        "operator@a11y.example": (Role.operator, (
            routes.OPERATOR_HOME, routes.OPERATOR_PROFILE, routes.OPERATOR_FEED, routes.OPERATOR_WORK,
            routes.operator_task(request_id), routes.OPERATOR_EARNINGS, routes.OPERATOR_DISPUTES,
            routes.OPERATOR_JURY)),
        "admin@a11y.example": (Role.admin, (
            routes.ADMIN_HOME, routes.ADMIN_SCHEDULER, routes.ADMIN_LEDGER, routes.ADMIN_KYC, routes.ADMIN_PAYOUTS,
            routes.ADMIN_DISPUTES, routes.ADMIN_WEBHOOKS, routes.ADMIN_CREDITS, routes.ADMIN_AUDIT,
            routes.ADMIN_AGENTS)),
        "owner@a11y.example": (Role.agent_owner, (routes.AGENT_OWNER_HOME,)),
    }


def visit(page: Page, url: Url, route: str) -> list[str]:
    """Open `route`, wait until it has read its data, and return its blocking violations."""
    page.goto(url(route))
    for text in WAITING_TEXTS:
        expect(page.get_by_text(text)).to_have_count(0)
    # The router sets the tab title just after the first render; a page that never gets one fails below.
    _wait_for_title(page)
    return [f"{route}: {line}" for line in accessibility_violations(page)]


def _wait_for_title(page: Page) -> None:
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function("document.title !== ''", timeout=TITLE_TIMEOUT_MS)


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_page_of_every_role_has_no_serious_accessibility_violation(browser: Browser, url: Url,
                                                                          device: dict):
    request_id = company_with_a_request(email="company@a11y.example")
    for email, (role, _) in pages_by_role(request_id).items():
        if role != Role.company:
            make_user(role=role, email=email)
    violations: list[str] = []

    signed_out = browser.new_context(**device)
    signed_out.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    for route in (routes.LOGIN, routes.SIGNUP, MISSING_ROUTE, "/auth/magic/lt_unknown"):
        violations += visit(signed_out.new_page(), url, route)
    signed_out.close()
    for email, (role, pages) in pages_by_role(request_id).items():
        context = browser.new_context(**device)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        page = context.new_page()
        sign_in(page, url, email=email)
        page.wait_for_url(url(routes.home_for_role(role)))
        for route in pages:
            violations += visit(page, url, route)
        context.close()

    assert not violations, "\n".join(violations)
