"""The staff pages: scheduler heartbeat and ledger health."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role
from marketplace_app.scheduler.jobs import JOBS
from marketplace_app.scheduler.runner import run_job
from marketplace_app.ui import routes
from tests import factories
from tests.e2e.helpers import Url, make_user, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def admin(page: Page, url: Url) -> Page:
    """A browser signed in as staff."""
    sign_in(page, url, email=make_user(role=Role.admin, display_name="Ada Admin"))
    page.wait_for_url(url(routes.ADMIN_HOME))
    return page


def test_scheduler_page_shows_the_heartbeat_of_a_job_that_ran(admin: Page, url: Url):
    run_job(JOBS[0])

    admin.goto(url(routes.ADMIN_SCHEDULER))

    row = admin.locator("#scheduler-jobs tbody tr").filter(has_text=JOBS[0].name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(JOBS[0].description)
    expect(row.locator("[data-column=status]")).to_have_text("ok")
    expect(row.locator("[data-column=runs]")).to_have_text("1")
    expect(row.locator("[data-column=failures]")).to_have_text("0")


def test_ledger_page_reports_a_balanced_ledger(admin: Page, url: Url):
    admin.goto(url(routes.ADMIN_LEDGER))

    expect(admin.locator("#ledger-status")).to_contain_text("Every invariant holds")


def test_ledger_page_lists_a_balance_that_disagrees_with_its_entries(admin: Page, url: Url):
    with unit_of_work() as session:
        factories.fund(session, company=factories.make_company(session), cents=1000)
        session.execute(text("UPDATE ledger_account SET balance_cents = balance_cents + 1 WHERE purpose = 'available'"))

    admin.goto(url(routes.ADMIN_LEDGER))

    expect(admin.locator("#ledger-status")).to_contain_text("out of balance")
    expect(admin.get_by_text("Stored balance ≠ Σ entries")).to_be_visible()


def test_the_overview_shows_numbers_at_a_glance(admin: Page, url: Url):
    # given a company funded with 10.00 EUR and a job that ran
    with unit_of_work() as session:
        factories.fund(session, company=factories.make_company(session), cents=1000)
    run_job(JOBS[0])

    # when staff open (or refresh) their home
    admin.goto(url(routes.ADMIN_HOME))

    # then the queues, today's volume, the ledger and the scheduler each show a number or a state
    for number in ("#overview-kyc", "#overview-payouts", "#overview-disputes", "#overview-webhooks",
                   "#overview-created", "#overview-completed"):
        expect(admin.locator(number)).to_have_text("0")
    expect(admin.locator("#overview-escrowed")).to_have_text("0.00 EUR")
    expect(admin.locator("#overview-ledger")).to_contain_text("Every invariant holds")
    expect(admin.locator("#overview-jobs")).to_contain_text(JOBS[0].name)
    expect(admin.get_by_text("coming soon")).to_have_count(0)
