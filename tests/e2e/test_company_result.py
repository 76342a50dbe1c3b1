"""The company reads what it paid for, on a desktop and on a phone: the answer as text, the
automatic check as a sentence, and the proof photo as a thumbnail that really loads (through a
signed link to the API)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from marketplace_app.ui import routes
from tests.e2e.helpers import Url, sign_in
from tests.e2e.work_helpers import hand_in_with_photo, owner_email
from tests.requests import helpers as h
from tests.work import helpers as w

pytestmark = pytest.mark.e2e

ANSWER = "The meter reads 01234 kWh; the photo shows the display and the serial number."


@pytest.mark.parametrize("screen", ["page", "phone"])
def test_a_completed_request_shows_the_answer_and_its_proof_thumbnail(request, screen: str, url: Url,
                                                                       monkeypatch, tmp_path):
    # given a request completed with a photo of the meter
    browser_page: Page = request.getfixturevalue(screen)
    w.use_tmp_storage(monkeypatch, tmp_path)
    agent = h.make_agent(funded_cents=10_000)
    [operator_id] = h.make_operators(count=1)
    body = {**h.SEED_BODY, "proof_requirements": ["Photo of the meter"]}
    request_id = h.created(h.client().post(h.REQUESTS_PATH, json=body, headers=agent.headers()))
    assert hand_in_with_photo(operator_id=operator_id, request_id=request_id, answer=ANSWER) == "completed"
    sign_in(browser_page, url, email=owner_email(agent.company_id))
    browser_page.wait_for_url(url(routes.COMPANY_HOME))

    # when the owner opens the request
    browser_page.goto(url(routes.company_request(request_id)))

    # then the answer is plain text, the check a sentence, and the thumbnail has loaded
    expect(browser_page.locator("#request-status")).to_have_text("completed")
    expect(browser_page.locator("#request-result")).to_have_text(ANSWER)
    expect(browser_page.locator("#result-verification")).to_have_text(
        "Checked automatically: 100/100 — every proof requirement is addressed")
    expect(browser_page.locator("#result-confidence")).to_contain_text("high")
    thumbnail = browser_page.locator("#result-files img.proof-thumbnail")
    expect(thumbnail).to_have_count(1)
    thumbnail.scroll_into_view_if_needed()
    browser_page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    expect(browser_page.locator("#request-operator")).to_contain_text("Completed tasks")
    assert browser_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
