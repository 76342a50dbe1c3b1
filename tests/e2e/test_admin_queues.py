"""The staff queues in a real browser: KYC review and payout settlement."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from marketplace_app.core.db import unit_of_work
from marketplace_app.earnings import accounts, payouts
from marketplace_app.identity.models import Role
from marketplace_app.kyc import service as kyc
from marketplace_app.ledger import service as ledger
from marketplace_app.operators.models import OperatorProfile
from marketplace_app.ui import routes
from marketplace_app.uploads import service as uploads
from tests import factories
from tests.e2e.helpers import Url, make_user, sign_in
from tests.e2e.work_helpers import PNG_BYTES
from tests.ledger.helpers import assert_ledger_balanced

pytestmark = pytest.mark.e2e


@pytest.fixture
def admin(page: Page, url: Url) -> Page:
    """A browser signed in as staff."""
    sign_in(page, url, email=make_user(role=Role.admin, display_name="Ada Admin"))
    page.wait_for_url(url(routes.ADMIN_HOME))
    return page


def pending_kyc() -> tuple[str, str]:
    """An operator whose KYC waits for staff; returns (user id, submission id)."""
    with unit_of_work() as session:
        operator = factories.make_user(session, role=Role.operator, display_name="Kim Pending")
        document = uploads.save_upload(session, owner_user_id=operator.id, purpose="kyc_document",
                                       filename="id-card.png", data=PNG_BYTES)
        submission = kyc.submit(session, user_id=operator.id, legal_name="Kim Example", country="PT",
                                date_of_birth=date(1991, 3, 2), document_upload_id=document.id)
        return operator.id, submission.id


def requested_payout(cents: int) -> tuple[str, str]:
    """An operator with `cents` available who asked for all of it; returns (user id, payout id)."""
    with unit_of_work() as session:
        operator = factories.make_user(session, role=Role.operator, display_name="Paula Payee")
        ledger.transfer(session, idempotency_key=f"e2e-earned:{operator.id}", kind="deposit", reason="Test earnings",
                        legs=[ledger.Leg(ledger.account_id(session, factories.FAUCET),
                                         ledger.account_id(session, accounts.operator_available(operator.id)), cents)])
        return operator.id, payouts.request_payout(session, operator_id=operator.id, amount_cents=cents).id


def test_staff_look_at_the_document_and_approve_a_kyc_submission(admin: Page, url: Url):
    operator_id, submission_id = pending_kyc()

    admin.goto(url(routes.ADMIN_KYC))
    card = admin.locator(f"[data-submission='{submission_id}']")
    expect(card).to_contain_text("Kim Example")
    expect(card).to_contain_text("1991-03-02")
    card.locator(".kyc-document").click()
    expect(admin.get_by_role("dialog").get_by_role("img", name="ID document")).to_be_visible()
    admin.get_by_role("dialog").get_by_role("button", name="Close").click()
    # Approving asks first, naming who is verified; cancelling decides nothing.
    card.locator(".kyc-approve").click()
    confirm = admin.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Approve Kim Example")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_have_count(0)
    expect(card).to_have_count(1)
    card.locator(".kyc-approve").click()
    admin.locator("#kyc-approve-confirm").click()

    expect(card).to_have_count(0)
    with unit_of_work(read_only=True) as session:
        assert session.get_one(OperatorProfile, operator_id).kyc_status == "verified"


def test_staff_mark_a_payout_failed_with_a_reason_and_the_money_returns(admin: Page, url: Url):
    operator_id, payout_id = requested_payout(2500)

    admin.goto(url(routes.ADMIN_PAYOUTS))
    admin.locator(f"[data-payout='{payout_id}'] .payout-failed").click()
    admin.locator("#payout-fail-reason").fill("The IBAN was refused by the bank")
    admin.locator("#payout-fail-confirm").click()

    expect(admin.locator("#payouts-settled")).to_contain_text("The IBAN was refused by the bank")
    expect(admin.locator(f"[data-payout='{payout_id}']")).to_have_count(0)
    with unit_of_work(read_only=True) as session:
        assert ledger.balance_cents(session, accounts.operator_available(operator_id)) == 2500
        assert_ledger_balanced(session)


def test_marking_a_payout_paid_asks_first_naming_the_operator_and_the_amount(admin: Page, url: Url):
    operator_id, payout_id = requested_payout(2500)

    admin.goto(url(routes.ADMIN_PAYOUTS))
    admin.locator(f"[data-payout='{payout_id}'] .payout-paid").click()
    confirm = admin.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Confirm you sent 25.00 EUR to Paula Payee")
    admin.locator("#payout-paid-confirm").click()

    expect(admin.locator(f"[data-payout='{payout_id}']")).to_have_count(0)
    expect(admin.locator("#payouts-settled")).to_contain_text("25.00 EUR")
    with unit_of_work(read_only=True) as session:
        assert ledger.balance_cents(session, accounts.operator_available(operator_id)) == 0
        assert_ledger_balanced(session)
