"""Messages in a real browser: one message per event, and toasts that do not cover the work.

An error a form shows inline is not toasted too; on a 390 px phone the toast that confirms an
accept sits clear of the task form's submit button (bounding boxes compared).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import FloatRect, Page, expect

from marketplace_app.ui import routes
from marketplace_app.ui.errors import TOAST_DURATION_MS
from tests.e2e.helpers import Url, sign_in
from tests.e2e.test_disputes import email_of
from tests.work import helpers as w

pytestmark = pytest.mark.e2e

TOASTS = "[data-sonner-toast]"
# Long enough for a toast to arrive after the event's answer, well inside its duration.
SETTLE_MS = 1_500


def overlap(first: FloatRect, second: FloatRect) -> bool:
    """Whether two boxes share any area."""
    return not (first["x"] + first["width"] <= second["x"] or second["x"] + second["width"] <= first["x"]
                or first["y"] + first["height"] <= second["y"] or second["y"] + second["height"] <= first["y"])


def take_a_task(page: Page, url: Url) -> str:
    """A verified operator signs in, opens the feed and accepts a live request; return its id."""
    agent, operator = w.make_agent(), w.make_operator()
    request_id = w.create(agent)["id"]
    sign_in(page, url, email=email_of(operator.user_id))
    page.wait_for_url(url(routes.OPERATOR_HOME))
    page.goto(url(routes.OPERATOR_FEED))
    page.locator(f"#feed [data-request='{request_id}'] .accept").click()
    page.wait_for_url(url(routes.operator_task(request_id)))
    return request_id


def test_a_form_error_shows_once_inline_and_not_as_a_toast_too(page: Page, url: Url):
    # given a task in progress, once the accept's confirmation has gone
    take_a_task(page, url)
    expect(page.locator(TOASTS)).to_have_count(0, timeout=TOAST_DURATION_MS + 3_000)

    # when the operator hands in an answer without saying how confident they are
    page.locator("#answer").fill("Clause 4.2 complies with the Spanish Workers' Statute; no change is needed.")
    page.locator("#task-submit").click()

    # then the form says why, and nothing else does (counted once the event has settled: a
    # retrying `expect` would wait for a second message to time out)
    expect(page.get_by_text("Choose how confident you are").first).to_be_visible()
    page.wait_for_timeout(SETTLE_MS)
    assert page.get_by_text("Choose how confident you are").count() == 1
    assert page.locator(TOASTS).count() == 0


def test_on_a_phone_the_accept_toast_stays_clear_of_the_submit_button(phone: Page, url: Url):
    # given an operator on a 390 px phone who just accepted a task (the confirmation toast is up)
    take_a_task(phone, url)
    toast = phone.locator(TOASTS).filter(has_text="Accepted")
    expect(toast).to_be_visible()

    # when the task form's submit button is brought into view
    submit = phone.locator("#task-submit")
    submit.scroll_into_view_if_needed()

    # then the toast does not cover it
    expect(toast).to_be_visible()
    toast_box, submit_box = toast.bounding_box(), submit.bounding_box()
    assert toast_box is not None and submit_box is not None
    assert not overlap(toast_box, submit_box), (toast_box, submit_box)
