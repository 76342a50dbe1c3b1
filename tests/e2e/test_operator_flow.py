"""An operator's first task in a real browser: sign up, profile, KYC with an upload, a request
from the agent API appearing in the live feed, accept, submit with a file, earning pending."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from marketplace_app.core.clock import now
from marketplace_app.identity.models import Role
from marketplace_app.settings import get_settings
from marketplace_app.ui import routes
from tests.e2e.helpers import Url, make_user, sign_in
from tests.e2e.work_helpers import png_file
from tests.requests import helpers as h

pytestmark = pytest.mark.e2e

# The feed follows the event log and reads itself again within a second of a new request; allow slack.
FEED_TIMEOUT_MS = 12_000


@pytest.fixture
def kyc_auto_approve(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The development setting that verifies every KYC submission at once (the backend runs in-process)."""
    monkeypatch.setenv("KYC_AUTO_APPROVE", "true")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("KYC_AUTO_APPROVE")
    get_settings.cache_clear()


def card_of(page: Page, control: str):
    """The tappable card (a label) around a checkbox card's control."""
    return page.locator("label").filter(has=page.locator(control))


def sign_up_as_operator(page: Page, url: Url, *, name: str, email: str) -> None:
    page.goto(url(routes.SIGNUP))
    page.locator("#role-operator").click()
    page.locator("#display_name").fill(name)
    page.locator("#email").fill(email)
    page.locator("#password").fill("a-long-enough-password")
    page.locator("#signup-submit").click()
    page.wait_for_url(url(routes.OPERATOR_HOME))


def set_up_profile(page: Page, url: Url) -> None:
    page.goto(url(routes.OPERATOR_PROFILE))
    card_of(page, "#skill-legal_review").click()
    page.locator("#languages").fill("en, es")
    page.locator("#profile-save").click()
    expect(page.locator("#profile-save")).to_have_text("Saved")
    page.locator("#available-switch").click()
    expect(page.locator("#available-switch")).to_have_attribute("data-state", "checked")


def complete_kyc(page: Page, document: Path) -> None:
    page.locator("#legal_name").fill("Olga Operator")
    page.locator("#kyc_country").fill("ES")
    page.locator("#date_of_birth").fill("1990-04-21")
    page.locator("#kyc-document input[type=file]").set_input_files(document)
    expect(page.locator("#kyc-document-name")).to_contain_text(document.name)
    page.locator("#kyc-submit").click()
    expect(page.locator("#kyc-status")).to_have_text("verified")


def test_operator_signs_up_verifies_and_earns_from_a_request_that_appears_live(
        page: Page, url: Url, tmp_path: Path, kyc_auto_approve: None):
    # given a funded agent, and an operator who signs up, sets skills and availability and passes KYC
    agent = h.make_agent(funded_cents=10_000)
    sign_up_as_operator(page, url, name="Olga Operator", email="olga@example.com")
    expect(page.locator("#step-kyc")).to_have_attribute("data-done", "false")
    set_up_profile(page, url)
    complete_kyc(page, png_file(tmp_path, "passport.png"))
    page.goto(url(routes.OPERATOR_HOME))
    for step in ("#step-skills", "#step-kyc", "#step-available"):
        expect(page.locator(step)).to_have_attribute("data-done", "true")

    # when the agent creates a request while the feed is open
    page.goto(url(routes.OPERATOR_FEED))
    expect(page.locator("#feed-empty")).to_be_visible()
    expect(page.locator("#feed-live")).to_have_attribute("data-live", "true")
    request_id = h.created(h.client().post(h.REQUESTS_PATH, json=h.SEED_BODY, headers=agent.headers()))

    # then it appears without a reload, and the operator takes and finishes it
    card = page.locator(f"#feed [data-request='{request_id}']")
    expect(card).to_be_visible(timeout=FEED_TIMEOUT_MS)
    expect(card).to_contain_text("Legal review")
    expect(card.locator(".reward")).to_have_text(re.compile(r"\d+\.\d\d EUR"))
    card.locator(".accept").click()
    page.wait_for_url(url(routes.operator_task(request_id)))
    expect(page.locator("#task-context")).to_contain_text("Review NDA clause 4.2")
    page.locator("#answer").fill("Clause 4.2 complies with the Spanish Workers' Statute; no change is needed.")
    page.locator("#confidence-high").click()
    page.locator("#proof-upload input[type=file]").set_input_files(png_file(tmp_path, "clause.png"))
    expect(page.locator(".uploaded-file")).to_contain_text("clause.png")
    page.locator("#task-submit").click()
    expect(page.locator("#verification-score")).to_have_text("100/100")
    expect(page.locator("#task-status")).to_have_text("completed")
    assert h.request_row(request_id)["result"]["files"], "the proof file was attached"

    # and the earning waits in its settlement hold
    page.goto(url(routes.OPERATOR_EARNINGS))
    earning = page.locator(".pending-earning").filter(has_text=request_id)
    expect(earning).to_have_count(1)
    release_day = (now() + timedelta(days=get_settings().settlement_hold_days)).date().isoformat()
    expect(earning.locator(".available-on")).to_have_text(f"available on {release_day}")

    # and with nothing available yet the payout form is off, saying why and where payouts go
    expect(page.locator("#payout-submit")).to_be_disabled()
    expect(page.locator("#payout-refusal")).to_contain_text("You can request a payout once at least 10.00 EUR")
    expect(page.locator("#payout-destination")).to_contain_text("Handoff staff send payouts by bank transfer")


def test_an_unverified_operator_sees_why_the_feed_is_closed(page: Page, url: Url):
    sign_in(page, url, email=make_user(role=Role.operator, display_name="Nina New"))
    page.wait_for_url(url(routes.OPERATOR_HOME))

    page.goto(url(routes.OPERATOR_FEED))

    expect(page.locator("#feed-blocked")).to_contain_text("Complete identity verification before taking work")
    expect(page.locator("#feed")).to_have_count(0)
