"""RELIABILITY 8 with the manual provider: a payout holds money from `available` (never more than
there is, minimum 10.00), and staff settle it exactly once — paid (to the provider's external
account) or failed (back to available, with the reason) — under any concurrency."""

from __future__ import annotations

import pytest

from marketplace_app.core.errors import InsufficientFunds, InvalidState, NotFound, ValidationFailed
from marketplace_app.earnings import payouts
from marketplace_app.earnings.models import Payout
from marketplace_app.earnings.providers import ManualProvider, SendResult
from marketplace_app.ledger.models import LedgerHold
from marketplace_app.settings import get_settings
from tests.ledger.helpers import assert_ledger_balanced, hold_state, race, transfer_count
from tests.work import helpers as w

STAFF_ID = "usr_staff"


@pytest.fixture
def operator():
    return w.make_operator()


def ask(operator, cents: int) -> Payout:
    return w.in_unit(lambda session: payouts.request_payout(session, operator_id=operator.user_id,
                                                            amount_cents=cents))


def paid(payout_id: str) -> Payout:
    return w.in_unit(lambda session: payouts.mark_paid(session, payout_id=payout_id, staff_id=STAFF_ID))


def failed(payout_id: str, reason: str = "Bank refused the transfer") -> Payout:
    return w.in_unit(lambda session: payouts.mark_failed(session, payout_id=payout_id, staff_id=STAFF_ID,
                                                         reason=reason))


def test_a_payout_holds_the_amount_from_available_until_staff_settle_it(operator):
    # given
    w.give_available(operator.user_id, cents=5_000)

    # when
    payout = ask(operator, 1_200)

    # then it is held, and reaches the provider only after commit, from the sending job
    assert (payout.status, payout.amount_cents, payout.provider, payout.provider_reference) == (
        "requested", 1_200, "manual", None)
    assert payouts.send_pending() == 1
    assert w.payouts_of(operator.user_id)[0].provider_reference == f"manual:{payout.id}"
    assert payouts.send_pending() == 0
    assert (w.available_cents(operator.user_id), w.in_payout_cents(operator.user_id)) == (3_800, 1_200)
    assert hold_state(f"hold_{payout.id}") == "pending"
    assert_ledger_balanced()


def test_the_provider_gets_a_deterministic_idempotency_key_per_payout(operator, monkeypatch):
    # given a provider that records what it is asked
    calls = []

    class Recording(ManualProvider):
        def send(self, **call):
            calls.append(call)
            return SendResult(state="pending", reference="rec")

    monkeypatch.setattr(payouts, "current_provider", Recording)
    w.give_available(operator.user_id, cents=5_000)

    # when
    payout = ask(operator, 1_000)
    assert calls == []  # nothing is sent inside the requesting transaction
    payouts.send_pending()

    # then
    assert calls == [{"payout_id": payout.id, "operator_id": operator.user_id, "amount_cents": 1_000,
                      "idempotency_key": f"payout:{payout.id}"}]


@pytest.mark.parametrize(("cents", "error", "message"), [
    (999, ValidationFailed, r"minimum payout is 10\.00"),
    (5_001, InsufficientFunds, r"at most 50\.00"),
])
def test_below_the_minimum_or_above_available_is_refused_and_nothing_changes(operator, cents, error, message):
    # given
    w.give_available(operator.user_id, cents=5_000)
    before = w.snapshot()

    # when / then
    with pytest.raises(error, match=message):
        ask(operator, cents)
    w.assert_nothing_changed(before)
    assert w.available_cents(operator.user_id) == 5_000


def test_the_minimum_is_a_setting(operator, monkeypatch):
    w.set_setting(monkeypatch, "payout_minimum_cents", "2500")
    w.give_available(operator.user_id, cents=5_000)
    with pytest.raises(ValidationFailed, match=r"25\.00"):
        ask(operator, 2_000)
    assert ask(operator, 2_500).status == "requested"


def test_pending_rewards_cannot_be_paid_out(operator):
    # given a reward still in its settlement hold
    w.completed_request(w.make_agent(), operator)

    # when / then
    with pytest.raises(InsufficientFunds, match=r"at most 0\.00"):
        ask(operator, 1_000)
    assert w.pending_cents(operator.user_id) == w.REWARD_CENTS


def test_20_concurrent_payouts_of_10_against_50_available_let_exactly_5_through(database, operator):
    # given 50.00 available
    w.give_available(operator.user_id, cents=5_000)

    # when 20 payouts of 10.00 are asked at once, each on its own connection
    result = race(database, contenders=20, action=lambda session, _index: payouts.request_payout(
        session, operator_id=operator.user_id, amount_cents=1_000).id)

    # then exactly five fit, the rest are refused, and available never went below zero
    assert result.kinds() == {"ok": 5, "InsufficientFunds": 15}, result.outcomes
    assert (w.available_cents(operator.user_id), w.in_payout_cents(operator.user_id)) == (0, 5_000)
    assert len(w.payouts_of(operator.user_id)) == 5
    assert w.count(LedgerHold, LedgerHold.reference_type == "payout") == 5
    assert_ledger_balanced()


def test_paid_moves_the_money_to_the_providers_external_account_once(operator):
    # given
    w.give_available(operator.user_id, cents=5_000)
    payout = ask(operator, 2_000)

    # when
    settled = paid(payout.id)

    # then
    assert (settled.status, settled.resolved_by, settled.failure_reason) == ("paid", STAFF_ID, None)
    assert settled.resolved_at is not None
    assert (w.available_cents(operator.user_id), w.in_payout_cents(operator.user_id), w.paid_out_cents()) == (
        3_000, 0, 2_000)
    assert hold_state(f"hold_{payout.id}") == "posted"

    # and it cannot be settled again either way
    before = w.snapshot()
    for again in (lambda: paid(payout.id), lambda: failed(payout.id)):
        with pytest.raises(InvalidState) as caught:
            again()
        assert caught.value.status == 409
    w.assert_nothing_changed(before)


def test_failed_returns_the_money_with_the_reason_once(operator):
    # given
    w.give_available(operator.user_id, cents=5_000)
    payout = ask(operator, 2_000)

    # when
    settled = failed(payout.id, "  IBAN closed  ")

    # then
    assert (settled.status, settled.failure_reason) == ("failed", "IBAN closed")
    assert (w.available_cents(operator.user_id), w.in_payout_cents(operator.user_id), w.paid_out_cents()) == (
        5_000, 0, 0)
    assert hold_state(f"hold_{payout.id}") == "voided"
    with pytest.raises(InvalidState):
        paid(payout.id)
    assert_ledger_balanced()


@pytest.mark.parametrize("reason", ["", "   "])
def test_failing_a_payout_needs_a_reason(operator, reason):
    w.give_available(operator.user_id, cents=5_000)
    payout = ask(operator, 2_000)
    before = w.snapshot()
    with pytest.raises(ValidationFailed):
        failed(payout.id, reason)
    w.assert_nothing_changed(before)


def test_an_unknown_payout_is_not_found():
    for settle in (paid, failed):
        with pytest.raises(NotFound):
            settle("po_000000000000")


@pytest.mark.parametrize("mix", ["all_paid", "all_failed", "half_and_half"])
def test_20_concurrent_settlements_settle_a_payout_exactly_once(database, operator, mix):
    # given a requested payout
    w.give_available(operator.user_id, cents=5_000)
    payout = ask(operator, 2_000)

    # when 20 staff calls settle it at once, each on its own connection
    def settle(session, index):
        if mix == "all_paid" or (mix == "half_and_half" and index % 2):
            return payouts.mark_paid(session, payout_id=payout.id, staff_id=STAFF_ID).status
        return payouts.mark_failed(session, payout_id=payout.id, staff_id=STAFF_ID, reason="bank said no").status

    result = race(database, contenders=20, action=settle)

    # then exactly one call won and exactly one transfer resolved the hold (paid and failed calls in
    # flight together when mixed)
    if mix == "half_and_half":
        assert {index % 2 for index in result.together} == {0, 1}, result.together
    assert result.kinds() == {"ok": 1, "StateConflict": 19}, result.outcomes
    (status,) = [outcome for outcome in result.outcomes if isinstance(outcome, str)]
    assert transfer_count(kind="escrow_post") + transfer_count(kind="escrow_void") == 1
    expected = (3_000, 2_000) if status == "paid" else (5_000, 0)
    assert (w.available_cents(operator.user_id), w.paid_out_cents()) == expected
    assert w.in_payout_cents(operator.user_id) == 0
    assert_ledger_balanced()


@pytest.mark.parametrize(("state", "status", "available"), [("paid", "paid", 3_000), ("failed", "failed", 5_000)])
def test_a_provider_that_settles_at_once_settles_the_payout_exactly_once(operator, monkeypatch, state, status,
                                                                          available):
    # given a provider that answers paid (or failed) straight away
    class Instant(ManualProvider):
        name = "instant"

        def send(self, **call):
            return SendResult(state=state, reference=f"instant:{call['payout_id']}", failure_reason="closed account")

    monkeypatch.setattr(payouts, "current_provider", Instant)
    w.give_available(operator.user_id, cents=5_000)
    payout = ask(operator, 2_000)

    # when the sending job runs twice
    assert payouts.send_pending() == 1
    assert payouts.send_pending() == 0

    # then the payout settled once, as the provider said
    settled = w.payouts_of(operator.user_id)[0]
    assert (settled.status, settled.provider_reference) == (status, f"instant:{payout.id}")
    assert w.available_cents(operator.user_id) == available
    assert w.in_payout_cents(operator.user_id) == 0
    assert_ledger_balanced()


def test_a_payout_may_be_asked_for_only_from_the_minimum_and_the_page_says_why_not(monkeypatch):
    # given the default minimum of 10.00 EUR
    # then below it the refusal names the minimum and the balance; at it there is none
    assert payouts.payout_refusal(0) == ("You can request a payout once at least 10.00 EUR is available; "
                                         "you have 0.00 EUR.")
    assert payouts.payout_refusal(999) is not None
    assert payouts.payout_refusal(1_000) is None

    # and the minimum is the setting's
    monkeypatch.setenv("PAYOUT_MINIMUM_CENTS", "2500")
    get_settings.cache_clear()
    try:
        assert payouts.payout_refusal(2_000).startswith("You can request a payout once at least 25.00 EUR")
    finally:
        monkeypatch.delenv("PAYOUT_MINIMUM_CENTS")
        get_settings.cache_clear()


def test_the_page_says_where_payouts_go_with_the_manual_provider(monkeypatch):
    assert payouts.where_payouts_go() == ("Handoff staff send payouts by bank transfer within 5 business days "
                                          "of your request.")
    monkeypatch.setenv("MANUAL_PAYOUT_BUSINESS_DAYS", "1")
    get_settings.cache_clear()
    try:
        assert payouts.where_payouts_go().endswith("within 1 business day of your request.")
    finally:
        monkeypatch.delenv("MANUAL_PAYOUT_BUSINESS_DAYS")
        get_settings.cache_clear()


def test_a_payout_settled_by_staff_is_in_the_audit_log_and_one_settled_by_the_provider_is_not(operator):
    # given two payouts and a real staff account
    from marketplace_app.audit import queries as audit
    from marketplace_app.core.db import unit_of_work
    from marketplace_app.identity.models import Role
    from tests import factories

    w.give_available(operator.user_id, cents=5_000)
    by_staff, by_provider = ask(operator, 2_000), ask(operator, 1_000)
    with unit_of_work() as session:
        staff_id = factories.make_user(session, role=Role.admin).id

    # when staff fail one from a door and the provider settles the other
    w.in_unit(lambda session: payouts.mark_failed(session, payout_id=by_staff.id, staff_id=staff_id,
                                                  reason="Bank refused the transfer", by_staff=True))
    w.in_unit(lambda session: payouts.mark_paid(session, payout_id=by_provider.id, staff_id="manual"))

    # then only the staff decision is recorded, with who made it, the amount and the reason
    with unit_of_work(read_only=True) as session:
        recorded = audit.entries(session, subject_type="payout").entries
    assert [(entry.action, entry.subject_id, entry.actor_user_id) for entry in recorded] == [
        ("payout.failed", by_staff.id, staff_id)]
    assert recorded[0].detail == {"operator_id": operator.user_id, "amount_cents": 2_000,
                                  "reason": "Bank refused the transfer"}
