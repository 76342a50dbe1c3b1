"""TEMPORARY (not committed): screenshots of every page at 1280 and 390 px for review."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from marketplace_app.identity.models import Role
from marketplace_app.ui import routes
from tests.e2e.conftest import NAVIGATION_TIMEOUT_MS
from tests.e2e.helpers import Url, company_with_a_request, make_user, sign_in
from tests.e2e.test_accessibility import DESKTOP, PHONE, pages_by_role, visit

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_shots(browser: Browser, url: Url, device: dict):
    request_id = company_with_a_request(email="company@a11y.example")
    for email, (role, _) in pages_by_role(request_id).items():
        if role != Role.company:
            make_user(role=role, email=email)
    width = device["viewport"]["width"]
    for email, (role, pages) in pages_by_role(request_id).items():
        context = browser.new_context(**device)
        context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
        page = context.new_page()
        sign_in(page, url, email=email)
        page.wait_for_url(url(routes.home_for_role(role)))
        for route in pages:
            visit(page, url, route)
            name = route.strip("/").replace("/", "_") or "root"
            page.screenshot(path=f"/tmp/door-vocab-shots/{width}-{name}.png", full_page=True)
        context.close()
