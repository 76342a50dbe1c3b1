"""On a 390 px phone the company's tables (projects, keys, credits, requests) are cards that show every
field, and no page is wider than the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from marketplace_app.ui import routes
from tests.e2e.helpers import Url, company_with_a_request, sign_in

pytestmark = pytest.mark.e2e

TABLES = ((routes.COMPANY_PROJECTS, "projects-table"), (routes.COMPANY_KEYS, "keys-table"),
          (routes.COMPANY_CREDITS, "ledger-table"), (routes.COMPANY_REQUESTS, "requests-table"))


def test_on_a_phone_every_company_table_is_cards_and_no_page_scrolls_sideways(phone: Page, url: Url):
    request_id = company_with_a_request(email="pia@phones.example")
    sign_in(phone, url, email="pia@phones.example")
    phone.wait_for_url(url(routes.COMPANY_HOME))
    assert phone.evaluate("window.innerWidth") == 390

    for route, table_id in TABLES:
        phone.goto(url(route))
        cards = phone.locator(f"#{table_id}-cards")
        expect(cards.locator(".rt-Card").first).to_be_visible()
        expect(phone.locator(f"#{table_id}")).to_be_hidden()
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), route

    card = phone.locator(f"#requests-table-cards [data-request-card={request_id}]")
    expect(card.get_by_role("link")).to_have_attribute("href", routes.company_request(request_id))
    expect(card).to_contain_text("Max price")
    expect(card).to_contain_text("8.00 EUR")
