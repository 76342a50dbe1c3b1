"""The "what happens next" block of a dispute: one plain sentence per stage and viewer, naming
the amount, whose money it is, the deadline and the window from settings; and the same sentence
for a real dispute read from the database."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from marketplace_app.core.db import unit_of_work
from marketplace_app.disputes import outlook
from marketplace_app.disputes.models import DisputeStatus, MoneyState, Party, Ruling
from marketplace_app.settings import Settings
from tests.disputes import helpers as d

DEADLINE = datetime(2026, 12, 9, 14, 0, tzinfo=UTC)
PRICE = 800
FEE = 200


def dispute(**changes: Any) -> dict[str, Any]:
    """An 8.00 EUR (fee 2.00) dispute with its money still held in escrow, awaiting appeal of a refund."""
    row = {"status": DisputeStatus.awaiting_appeal, "current_tier": 0, "ruling": Ruling.for_company,
           "ruling_refund_cents": PRICE, "refund_cents": None, "price_cents": PRICE, "fee_cents": FEE,
           "money_state": MoneyState.held, "deadline_at": DEADLINE, "resolved_at": None}
    return {**row, **changes}


def said(row: dict[str, Any], viewer: Party, *, jurors_seated: int = 0, **settings: Any) -> str:
    return outlook.next_step(row, viewer=viewer, jurors_seated=jurors_seated, settings=Settings(**settings))


def test_a_refund_ruling_tells_the_company_when_the_money_comes_back_and_what_can_stop_it():
    text = said(dispute(), Party.company)
    assert text.startswith("8.00 EUR will be refunded to your balance on 9 Dec 14:00 UTC unless the operator "
                           "appeals.")
    assert "Until then no money moves; an appeal within the 48-hour window goes to a jury of 3 operators" in text


def test_the_operator_reads_the_same_refund_from_its_side():
    text = said(dispute(), Party.operator)
    assert text.startswith("8.00 EUR will be refunded to the company's balance on 9 Dec 14:00 UTC unless you "
                           "appeal, so you are not paid for this request.")


def test_a_ruling_for_the_operator_says_the_held_credit_is_paid_unless_the_company_appeals():
    row = dispute(ruling=Ruling.for_operator, ruling_refund_cents=0)
    assert said(row, Party.company).startswith(
        "The operator will be paid 6.00 EUR from the held credit on 9 Dec 14:00 UTC unless you appeal, and "
        "nothing is refunded.")
    assert said(row, Party.operator).startswith("6.00 EUR will be paid to your earnings on 9 Dec 14:00 UTC "
                                                "unless the company appeals.")


def test_a_split_names_both_shares_and_either_party_may_appeal():
    row = dispute(ruling=Ruling.split, ruling_refund_cents=400)
    # 4.00 of 8.00 comes back: 3.00 from the 6.00 reward and 1.00 from the 2.00 fee.
    assert said(row, Party.company).startswith(
        "4.00 EUR will be refunded to your balance on 9 Dec 14:00 UTC unless you or the operator appeal, and "
        "the operator keeps 3.00 EUR.")
    assert said(row, Party.staff).endswith(
        "unless either party appeals, and the operator keeps 3.00 EUR. Until then no money moves; an appeal "
        "within the 48-hour window goes to a jury of 3 operators (a specialist when fewer than 3 uninvolved "
        "operators are verified).")


def test_the_windows_named_come_from_settings():
    text = said(dispute(current_tier=1), Party.company, appeal_window_hours=24)
    assert "within the 24-hour window goes to a Handoff specialist" in text
    assert "within the 48-hour" not in said(dispute(), Party.company, appeal_window_hours=12)


def test_a_paid_request_disputed_after_completion_says_the_operator_keeps_it():
    row = dispute(ruling=Ruling.for_operator, ruling_refund_cents=0, money_state=MoneyState.posted)
    assert said(row, Party.company).startswith("The operator keeps the 6.00 EUR paid on 9 Dec 14:00 UTC unless "
                                               "you appeal, and nothing is refunded.")
    assert said(row, Party.operator).startswith("You keep your 6.00 EUR reward on 9 Dec 14:00 UTC unless the company "
                                                "appeals.")


def test_a_jury_review_says_who_votes_by_when_and_that_the_money_stays_held():
    row = dispute(status=DisputeStatus.jury_review, current_tier=1)
    assert said(row, Party.company, jurors_seated=3) == (
        "A jury of 3 operators votes by 9 Dec 14:00 UTC (48 hours). Until a ruling is final, the 8.00 EUR "
        "stays held in escrow. Its ruling can be appealed within 48 hours.")


def test_an_appeal_that_skipped_the_jury_says_so_on_the_dispute_itself():
    row = dispute(status=DisputeStatus.specialist_review, current_tier=2)
    assert said(row, Party.operator, jurors_seated=0).startswith(
        "The jury was skipped: fewer than 3 verified operators uninvolved in this request exist, so a Handoff "
        "specialist took the appeal. A specialist rules by 9 Dec 14:00 UTC (72 hours)")
    assert "skipped" not in said(row, Party.operator, jurors_seated=3)


def test_the_board_is_final_and_a_silent_board_leaves_the_last_ruling():
    row = dispute(status=DisputeStatus.board_review, current_tier=3)
    assert said(row, Party.company, board_business_days=5) == (
        "The board rules by 9 Dec 14:00 UTC (5 business days); its ruling is final and moves the money at once. "
        "If it does not rule by then, the last ruling stands: 8.00 EUR will be refunded to your balance.")


def test_a_resolved_dispute_says_what_moved_and_when():
    row = dispute(status=DisputeStatus.resolved, refund_cents=PRICE, deadline_at=None, resolved_at=DEADLINE)
    assert said(row, Party.company) == ("Resolved on 9 Dec 14:00 UTC: 8.00 EUR was refunded to your balance. "
                                        "The decision is final.")


def test_a_test_mode_dispute_moves_no_money():
    row = dispute(money_state=MoneyState.none)
    assert said(row, Party.company).startswith("No money moves on 9 Dec 14:00 UTC unless the operator appeals "
                                               "(a test-mode request).")


def test_automated_review_says_nothing_moves_yet():
    row = dispute(status=DisputeStatus.ai_review, ruling=None, ruling_refund_cents=None, deadline_at=None)
    assert "No money moves until it rules" in said(row, Party.company)


@pytest.mark.parametrize("viewer", [Party.company, Party.operator])
def test_a_real_tier_0_refund_ruling_reads_from_the_database(api, agent, worker, viewer):
    # given a completed 20.00 EUR request that tier 0 ruled for the company (refund awaiting appeal)
    _request_id, body = d.disputed(api, agent, worker, upheld=True)

    # when the page asks what happens next
    row = d.row(body["dispute_id"])
    with unit_of_work(read_only=True) as session:
        text = outlook.for_viewer(session, row, viewer=viewer)

    # then it names the price, whose balance and the window's end (now + 48 h)
    assert "20.00 EUR will be refunded to" in text
    assert outlook.moment_words(row["deadline_at"]) in text
    assert ("unless the operator appeals" if viewer is Party.company else "unless you appeal") in text
