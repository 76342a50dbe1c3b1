"""Automatic disputes: a result scoring below 50 (opened by the system) and a result the company
rejects in review (opened by the company). The escrow is still held, so resolutions settle the
hold itself: a full refund voids it; anything else posts it, with the refund returned to the
company and the rest paid as reward and fee (and the reward recorded as an earning)."""

from __future__ import annotations

from datetime import timedelta

from marketplace_app.core import clock
from marketplace_app.earnings.models import EarningStatus
from tests.disputes import helpers as d
from tests.ledger.helpers import hold_state
from tests.requests import helpers as rh
from tests.work import helpers as w

HELD = {"company": d.FUNDED - d.PRICE, "pending": 0, "revenue": 0}


def failed_verification(api, agent, worker) -> tuple[str, dict]:
    """A request whose blank answer scored 0: disputed by the system, escrow held."""
    request_id = w.create(agent)["id"]
    w.accept(worker, request_id)
    assert w.submit(worker, request_id, answer=w.BAD)["status"] == "disputed"
    return request_id, d.shown(api, agent, request_id)


def test_a_result_below_50_opens_a_dispute_with_the_escrow_held(api, agent, worker):
    # given / when
    request_id, body = failed_verification(api, agent, worker)

    # then tier 0 has ruled for the company; nothing is paid and the hold is pending
    assert (body["opened_by"], body["status"], body["current_tier"], body["ai_ruling"]) == (
        "system", "awaiting_appeal", 0, "for_company")
    assert body["reason"].startswith("Automated verification scored 0/100")
    assert "deterministic" in body["ai_ruling_reasoning"] and "no answer" in body["ai_ruling_reasoning"]
    assert hold_state(rh.request_row(request_id)["hold_id"]) == "pending"
    assert rh.escrow_cents(agent) == d.PRICE
    d.assert_books(agent, worker, **HELD)
    assert d.earning(request_id) is None
    assert d.events(request_id)[-3:] == ["request.disputed", "dispute.opened", "dispute.ruling"]
    # the worker sees it among its disputes
    mine = d.ok(api.get("/v1/operator/disputes", headers=worker.headers()))["data"]
    assert [item["dispute_id"] for item in mine] == [body["dispute_id"]]


def test_an_unappealed_full_refund_voids_the_hold(api, agent, worker):
    # given
    request_id, _ = failed_verification(api, agent, worker)

    # when the ruling becomes final
    clock.advance(d.APPEAL_WINDOW)
    assert d.sweep() == 1

    # then the whole hold goes back to the company; nothing to anybody else
    assert d.shown(api, agent, request_id)["resolution"] == "full_refund"
    assert hold_state(rh.request_row(request_id)["hold_id"]) == "voided"
    d.assert_books(agent, worker, company=d.FUNDED, pending=0, revenue=0)
    assert rh.escrow_cents(agent) == 0
    assert d.dispute_transfers(request_id) == {"escrow_hold": 1, "escrow_void": 1}
    assert d.earning(request_id) is None


def test_the_operator_appeals_and_a_jury_for_the_operator_posts_the_hold(api, agent, worker):
    # given a failed verification appealed by the operator to a jury
    jurors = w.make_operators(count=3)
    request_id, body = failed_verification(api, agent, worker)
    dispute_id = body["dispute_id"]
    d.ok(d.appeal_as_operator(api, worker, dispute_id, "The answer was in the attached file"))

    # when the jury votes 2:1 for the operator and nobody appeals
    for juror, choice in zip(jurors, ["for_operator", "for_operator", "for_company"], strict=True):
        d.ok(d.vote(api, juror, dispute_id, choice))
    clock.advance(d.APPEAL_WINDOW)
    assert d.sweep() == 1

    # then dismissed: the hold posts as on completion and the earning starts its 7-day hold now
    state = d.shown(api, agent, request_id)
    assert (state["status"], state["resolution"], state["jury_result"]) == ("resolved", "dismissed", "for_operator")
    assert hold_state(rh.request_row(request_id)["hold_id"]) == "posted"
    d.assert_books(agent, worker, company=d.FUNDED - d.PRICE, pending=d.REWARD, revenue=d.FEE)
    earning = d.earning(request_id)
    assert (earning.amount_cents, earning.frozen, earning.status) == (d.REWARD, False, EarningStatus.pending)
    assert earning.available_on == w.T0 + d.APPEAL_WINDOW + timedelta(days=7)
    clock.advance(timedelta(days=7))
    assert d.release_earnings() == 1
    assert w.available_cents(worker.user_id) == d.REWARD


def test_a_split_on_a_held_request_pays_the_rest_and_returns_the_refund(api, agent, worker):
    # given a failed verification the operator appealed (no jurors: a specialist has it)
    request_id, body = failed_verification(api, agent, worker)
    dispute_id = body["dispute_id"]
    assert d.ok(d.appeal_as_operator(api, worker, dispute_id))["status"] == "specialist_review"
    staff = w.staff_headers()

    # when the specialist splits 8.00 EUR back and the board confirms it
    d.ok(d.staff_rule(api, staff, dispute_id, "split", "8.00EUR"))
    d.ok(d.appeal_as_company(api, agent, request_id))
    final = d.ok(d.staff_rule(api, staff, dispute_id, "split", "8.00EUR"))

    # then the hold posts once: 9.84 reward, 2.16 fee, 8.00 back to the company
    assert (final["status"], final["resolution"]) == ("resolved", "split")
    assert hold_state(rh.request_row(request_id)["hold_id"]) == "posted"
    d.assert_books(agent, worker, company=d.FUNDED - d.PRICE + 800, pending=d.REWARD - 656, revenue=d.FEE - 144)
    assert rh.escrow_cents(agent) == 0
    assert d.dispute_transfers(request_id) == {"escrow_hold": 1, "escrow_post": 1}
    assert d.earning(request_id).amount_cents == d.REWARD - 656


def test_a_settlement_on_a_held_request_posts_the_hold(api, agent, worker):
    request_id, body = failed_verification(api, agent, worker)
    d.ok(api.post(f"/v1/operator/disputes/{body['dispute_id']}/settlement", json={"refund": "15.00EUR"},
                  headers=worker.headers()))

    settled = d.ok(api.post(f"/v1/requests/{request_id}/dispute/settlement/accept", json={"refund": "15.00EUR"},
                            headers=agent.headers()))

    # 15.00 × 1640/2000 = 12.30 back from the reward, 2.70 from the fee: 4.10 paid, 0.90 fee
    assert settled["resolution"] == "split"
    d.assert_books(agent, worker, company=d.FUNDED - 500, pending=410, revenue=90)
    assert d.earning(request_id).amount_cents == 410


def test_a_settlement_for_the_whole_price_on_a_held_request_voids_the_hold(api, agent, worker):
    request_id, body = failed_verification(api, agent, worker)
    d.ok(api.post(f"/v1/operator/disputes/{body['dispute_id']}/settlement", json={"refund": "20.00EUR"},
                  headers=worker.headers()))

    d.ok(api.post(f"/v1/requests/{request_id}/dispute/settlement/accept", json={"refund": "20.00EUR"},
                  headers=agent.headers()))

    assert hold_state(rh.request_row(request_id)["hold_id"]) == "voided"
    d.assert_books(agent, worker, company=d.FUNDED, pending=0, revenue=0)


def test_a_review_rejection_opens_a_company_dispute_that_tier_0_dismisses(api, agent, worker):
    # given a result in needs_review (score 85)
    request_id = w.create(agent)["id"]
    w.accept(worker, request_id)
    assert w.submit(worker, request_id, answer=w.MEDIOCRE)["status"] == "needs_review"

    # when the company rejects it
    rejected = api.post(f"/v1/requests/{request_id}/reject", headers=agent.headers(),
                        json={"reason": "The answer ignores clause 4.2"})
    assert rejected.status_code == 200, rejected.text

    # then a dispute opened by the company, with the escrow held; tier 0 finds for the operator
    body = d.shown(api, agent, request_id)
    assert (body["opened_by"], body["reason"], body["ai_ruling"], body["status"]) == (
        "company", "The answer ignores clause 4.2", "for_operator", "awaiting_appeal")
    assert "85/100" in body["ai_ruling_reasoning"]
    d.assert_books(agent, worker, **HELD)

    # when nobody appeals
    clock.advance(d.APPEAL_WINDOW)
    assert d.sweep() == 1

    # then dismissed: the hold posts and the operator is paid
    assert d.shown(api, agent, request_id)["resolution"] == "dismissed"
    assert hold_state(rh.request_row(request_id)["hold_id"]) == "posted"
    d.assert_books(agent, worker, company=d.FUNDED - d.PRICE, pending=d.REWARD, revenue=d.FEE)
    assert d.earning(request_id).amount_cents == d.REWARD


def test_a_rejected_review_appealed_by_the_company_and_upheld_by_the_jury_voids_the_hold(api, agent, worker):
    jurors = w.make_operators(count=3)
    request_id = w.create(agent)["id"]
    w.accept(worker, request_id)
    w.submit(worker, request_id, answer=w.MEDIOCRE)
    assert api.post(f"/v1/requests/{request_id}/reject", headers=agent.headers(),
                    json={"reason": "Not what we asked"}).status_code == 200
    dispute_id = d.shown(api, agent, request_id)["dispute_id"]
    d.ok(d.appeal_as_company(api, agent, request_id))

    for juror in jurors:
        d.ok(d.vote(api, juror, dispute_id, "for_company"))
    clock.advance(d.APPEAL_WINDOW)
    assert d.sweep() == 1

    assert d.shown(api, agent, request_id)["resolution"] == "full_refund"
    assert hold_state(rh.request_row(request_id)["hold_id"]) == "voided"
    d.assert_books(agent, worker, company=d.FUNDED, pending=0, revenue=0)


def test_a_test_mode_dispute_moves_no_money(api, worker):
    # given a test-key request (no escrow) completed
    agent = w.make_agent()
    test_agent = rh.add_key(agent, mode="test")
    request_id = w.create(test_agent)["id"]
    assert rh.request_row(request_id)["hold_id"] is None
    rh.complete_by_hand(request_id, operator_id=worker.user_id)
    before = d.books(agent, worker)

    # when disputed and finally refunded in full
    d.rate(api, test_agent, request_id, 1)
    d.open_dispute(api, test_agent, request_id, d.UPHELD)
    clock.advance(d.APPEAL_WINDOW)
    assert d.sweep() == 1

    # then the dispute is resolved and the books untouched
    assert d.shown(api, test_agent, request_id)["resolution"] == "full_refund"
    assert d.books(agent, worker) == before
    d.assert_books(agent, worker, company=before.company, pending=before.pending, revenue=before.revenue)
