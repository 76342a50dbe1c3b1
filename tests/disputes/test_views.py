"""How a dispute panel words a ruling's refund (`disputes.views.refund_words`)."""

from __future__ import annotations

from marketplace_app.disputes import views


def test_a_ruling_for_the_operator_says_no_refund_instead_of_zero() -> None:
    # when a ruling refunds nothing (the operator's favour)
    words = views.refund_words(0)

    # then the panel says so in words, never "refund 0.00 EUR"
    assert words == "no refund: the operator keeps the payment"
    assert "0.00" not in words


def test_a_refund_is_worded_with_its_amount_and_who_gets_it() -> None:
    # when a ruling refunds 5.00 EUR, or no ruling has been made yet
    # then the first reads with the amount and the second reads as nothing
    assert views.refund_words(500) == "refund 5.00 EUR to the company"
    assert views.refund_words(None) == ""
