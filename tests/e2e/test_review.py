"""The company's review queue in a real browser: an unsure result is approved and completes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from marketplace_app.ui import routes
from tests.e2e.helpers import Url, sign_in
from tests.e2e.work_helpers import hand_in, owner_email
from tests.requests import helpers as h

pytestmark = pytest.mark.e2e


def test_company_approves_a_result_in_review_and_the_request_completes(page: Page, url: Url):
    # given a result the checks were unsure about (short answer, low confidence: score 50)
    agent = h.make_agent(funded_cents=10_000)
    [operator_id] = h.make_operators(count=1)
    request_id = h.created(h.client().post(h.REQUESTS_PATH, json=h.SEED_BODY, headers=agent.headers()))
    assert hand_in(operator_id=operator_id, request_id=request_id, answer="Looks compliant.",
                   confidence="low") == "needs_review"
    sign_in(page, url, email=owner_email(agent.company_id))
    page.wait_for_url(url(routes.COMPANY_HOME))

    # when the owner opens the review queue and approves it
    page.goto(url(routes.COMPANY_REVIEW))
    card = page.locator(f"#review-queue [data-request='{request_id}']")
    expect(card.locator(".answer")).to_have_text("Looks compliant.")
    expect(card.locator(".score")).to_have_text("score 50/100")
    expect(card).to_contain_text("the operator reported low confidence")
    card.locator(".review-approve").click()

    # then it leaves the queue as completed, and the escrow has posted
    expect(page.locator(f"#review-decided [data-request='{request_id}']")).to_contain_text("completed")
    expect(card).to_have_count(0)
    assert h.request_row(request_id)["status"] == "completed"
