"""Negotiated settlements: either party offers a refund to the company; the other party accepts the
standing offer by repeating its amount, and the dispute is resolved at once at any tier. Accepting
your own offer is 403; accepting an amount that is not the standing offer is 409."""

from __future__ import annotations

import pytest

from marketplace_app.core import clock
from marketplace_app.earnings.models import EarningStatus
from tests.disputes import helpers as d
from tests.support import assert_error
from tests.work import helpers as w


def company_offer(api, agent, request_id: str, refund: str):
    return api.post(f"/v1/requests/{request_id}/dispute/settlement", json={"refund": refund},
                    headers=agent.headers())


def company_accept(api, agent, request_id: str, refund: str):
    return api.post(f"/v1/requests/{request_id}/dispute/settlement/accept", json={"refund": refund},
                    headers=agent.headers())


def operator_offer(api, worker, dispute_id: str, refund: str):
    return api.post(f"/v1/operator/disputes/{dispute_id}/settlement", json={"refund": refund},
                    headers=worker.headers())


def operator_accept(api, worker, dispute_id: str, refund: str):
    return api.post(f"/v1/operator/disputes/{dispute_id}/settlement/accept", json={"refund": refund},
                    headers=worker.headers())


def test_the_company_offers_a_split_and_the_operator_accepts(api, agent, worker):
    # given a dispute awaiting appeal at tier 0
    request_id, body = d.disputed(api, agent, worker)
    dispute_id = body["dispute_id"]

    # when the company offers to settle for 8.00 EUR back
    offered = d.ok(company_offer(api, agent, request_id, "8.00EUR"))
    assert offered["settlement_offer"] == {"refund_amount": "8.00EUR", "refund_amount_cents": 800,
                                           "offered_by": "company"}
    assert offered["status"] == "awaiting_appeal"
    mine = d.ok(api.get(f"/v1/operator/disputes/{dispute_id}", headers=worker.headers()))
    assert mine["settlement_offer"]["offered_by"] == "company"

    # and the operator accepts that amount
    clock.advance(d.HOUR)
    settled = d.ok(operator_accept(api, worker, dispute_id, "8.00EUR"))

    # then resolved as a split: 6.56 back from the reward, 1.44 from the fee
    assert (settled["status"], settled["resolution"], settled["refund_amount"]) == ("resolved", "split", "8.00EUR")
    d.assert_books(agent, worker, company=d.FUNDED - d.PRICE + 800, pending=d.REWARD - 656, revenue=d.FEE - 144)
    assert d.dispute_transfers(request_id)["dispute_refund"] == 1
    earning = d.earning(request_id)
    assert (earning.amount_cents, earning.frozen) == (d.REWARD - 656, False)
    assert d.step_kinds(dispute_id) == ["opened", "ruling", "offer", "settled", "resolved"]
    assert d.dispute_events(request_id)[-1] == "dispute.resolved"
    # and no sweep finalizes the old ruling afterwards
    clock.advance(d.APPEAL_WINDOW)
    assert d.sweep() == 0


def test_the_operator_offers_and_the_company_accepts_during_jury_review(api, agent, worker):
    # given a dispute before the jury
    w.make_operators(count=3)
    request_id, body = d.disputed(api, agent, worker)
    dispute_id = body["dispute_id"]
    assert d.ok(d.appeal_as_company(api, agent, request_id))["status"] == "jury_review"

    # when the operator offers 5.00 EUR and the company accepts it
    assert d.ok(operator_offer(api, worker, dispute_id, "5.00EUR"))["settlement_offer"]["offered_by"] == "operator"
    settled = d.ok(company_accept(api, agent, request_id, "5.00EUR"))

    # then resolved: 5.00 × 1640/2000 = 4.10 from the reward, 0.90 from the fee
    assert (settled["status"], settled["resolution"], settled["refund_amount_cents"]) == ("resolved", "split", 500)
    d.assert_books(agent, worker, company=d.FUNDED - d.PRICE + 500, pending=d.REWARD - 410, revenue=d.FEE - 90)


@pytest.mark.parametrize(("refund", "resolution", "company", "pending", "revenue"), [
    ("0.00EUR", "dismissed", d.FUNDED - d.PRICE, d.REWARD, d.FEE),
    ("20.00EUR", "full_refund", d.FUNDED, 0, 0),
    ("0.01EUR", "split", d.FUNDED - d.PRICE + 1, d.REWARD - 1, d.FEE),  # shares 0.82 / 0.18: the reward's cent
    ("19.99EUR", "split", d.FUNDED - 1, 1, 0),  # shares 1639.18 / 359.82: the fee's cent
])
def test_settling_for_nothing_everything_or_a_cent_moves_exactly_that(api, agent, worker, refund, resolution,
                                                                     company, pending, revenue):
    request_id, body = d.disputed(api, agent, worker)
    d.ok(operator_offer(api, worker, body["dispute_id"], refund))

    settled = d.ok(company_accept(api, agent, request_id, refund))

    assert settled["resolution"] == resolution
    d.assert_books(agent, worker, company=company, pending=pending, revenue=revenue)
    earning = d.earning(request_id)
    assert earning.amount_cents == pending
    assert earning.status == (EarningStatus.clawed_back if pending == 0 else EarningStatus.pending)


def test_accepting_your_own_offer_is_403_and_changes_nothing(api, agent, worker):
    request_id, body = d.disputed(api, agent, worker)
    d.ok(company_offer(api, agent, request_id, "8.00EUR"))
    d.ok(operator_offer(api, worker, body["dispute_id"], "4.00EUR"))
    before = w.snapshot()

    assert_error(operator_accept(api, worker, body["dispute_id"], "4.00EUR"), status=403, code="forbidden")

    w.assert_nothing_changed(before)
    assert d.row(body["dispute_id"])["status"] == "awaiting_appeal"


def test_the_company_accepting_its_own_offer_is_403(api, agent, worker):
    request_id, _ = d.disputed(api, agent, worker)
    d.ok(company_offer(api, agent, request_id, "8.00EUR"))
    before = w.snapshot()

    assert_error(company_accept(api, agent, request_id, "8.00EUR"), status=403, code="forbidden")

    w.assert_nothing_changed(before)


def test_accepting_an_amount_that_is_not_the_standing_offer_is_409(api, agent, worker):
    # given the company offered 8.00 EUR, then changed it to 6.00 EUR
    request_id, body = d.disputed(api, agent, worker)
    d.ok(company_offer(api, agent, request_id, "8.00EUR"))
    d.ok(company_offer(api, agent, request_id, "6.00EUR"))
    before = w.snapshot()

    # when the operator accepts the amount it read first
    response = operator_accept(api, worker, body["dispute_id"], "8.00EUR")

    # then refused: it must read the offer again
    assert "changed" in assert_error(response, status=409, code="invalid_state")
    w.assert_nothing_changed(before)
    d.ok(operator_accept(api, worker, body["dispute_id"], "6.00EUR"))


def test_accepting_with_no_offer_standing_is_409(api, agent, worker):
    request_id, _ = d.disputed(api, agent, worker)
    before = w.snapshot()

    assert_error(company_accept(api, agent, request_id, "0.00EUR"), status=409, code="invalid_state")

    w.assert_nothing_changed(before)


def test_an_appeal_withdraws_the_standing_offer(api, agent, worker):
    request_id, body = d.disputed(api, agent, worker)
    d.ok(operator_offer(api, worker, body["dispute_id"], "3.00EUR"))

    appealed = d.ok(d.appeal_as_company(api, agent, request_id))

    assert appealed["settlement_offer"] is None
    assert_error(company_accept(api, agent, request_id, "3.00EUR"), status=409, code="invalid_state")


@pytest.mark.parametrize("refund", ["20.01EUR", "-1.00EUR", "8.00USD", "eight", "8.001EUR", ""])
def test_a_bad_offer_is_422_and_changes_nothing(api, agent, worker, refund):
    request_id, _ = d.disputed(api, agent, worker)
    before = w.snapshot()

    assert_error(company_offer(api, agent, request_id, refund), status=422, code="validation_error")

    w.assert_nothing_changed(before)


def test_offers_on_a_resolved_dispute_are_409(api, agent, worker):
    request_id, body = d.disputed(api, agent, worker)
    clock.advance(d.APPEAL_WINDOW)
    assert d.sweep() == 1
    before = w.snapshot()

    assert_error(company_offer(api, agent, request_id, "1.00EUR"), status=409, code="invalid_state")
    assert_error(operator_offer(api, worker, body["dispute_id"], "1.00EUR"), status=409, code="invalid_state")

    w.assert_nothing_changed(before)
