"""Opening a dispute (PRODUCT.md §6): the company's agent disputes a completed request within 24 h
of completion; a small claim (under 5.00 EUR, rated ≤ 2) is refunded 50 % at once, anything else
gets tier 0's instant ruling and 48 h to appeal. Refusals change nothing. The dispute reads back
in the seed's shape, and every step writes its event."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace_app.core import clock
from marketplace_app.earnings.models import EarningStatus
from tests.disputes import helpers as d
from tests.requests import helpers as rh
from tests.support import assert_error
from tests.work import helpers as w

SMALL_PRICE = 400  # 4.00 EUR: the minimum fee (2.00) is capped at 50 % → fee 200, reward 200
SMALL_FEE = 200


# ------------------------------------------------------------------------------------------ small claims

@pytest.mark.parametrize("score", [1, 2])
def test_a_small_claim_rated_two_or_less_is_refunded_half_at_once(api, agent, worker, score):
    # given a completed 4.00 EUR request rated `score`
    request_id = w.completed_request(agent, worker, max_price="4.00EUR")
    d.rate(api, agent, request_id, score)
    d.assert_books(agent, worker, company=d.FUNDED - SMALL_PRICE, pending=SMALL_PRICE - SMALL_FEE,
                   revenue=SMALL_FEE)

    # when the company disputes it an hour later
    clock.advance(d.HOUR)
    body = d.open_dispute(api, agent, request_id, "Useless")

    # then it is resolved at once as a 50 % split: half back from the reward, half from the fee
    assert (body["status"], body["resolution"], body["small_claims"]) == ("resolved", "split", True)
    assert (body["refund_amount"], body["refund_amount_cents"], body["current_tier"]) == ("2.00EUR", 200, 0)
    assert body["ai_ruling"] is None and body["appeal_instructions"] is None and body["deadline_at"] is None
    d.assert_books(agent, worker, company=d.FUNDED - 200, pending=100, revenue=100)
    assert d.dispute_transfers(request_id) == {"escrow_hold": 1, "escrow_post": 1, "dispute_refund": 1}
    earning = d.earning(request_id)
    assert (earning.amount_cents, earning.frozen, earning.status) == (100, False, EarningStatus.pending)
    assert d.step_kinds(body["dispute_id"]) == ["opened", "small_claims", "resolved"]
    assert d.dispute_events(request_id) == ["dispute.opened", "dispute.resolved"]
    assert rh.request_row(request_id)["status"] == "disputed"


def test_a_small_claim_rated_three_goes_to_tier_0_and_moves_no_money(api, agent, worker):
    # given a completed 4.00 EUR request rated 3
    request_id = w.completed_request(agent, worker, max_price="4.00EUR")
    d.rate(api, agent, request_id, 3)

    # when disputed
    body = d.open_dispute(api, agent, request_id, "Useless")

    # then tier 0 rules and waits 48 h for an appeal; the reward is frozen, not moved
    assert (body["status"], body["current_tier"], body["small_claims"]) == ("awaiting_appeal", 0, False)
    assert body["ai_ruling"] in ("for_company", "for_operator") and body["resolution"] is None
    assert body["deadline_at"] == "2026-03-04T09:00:00Z"
    d.assert_books(agent, worker, company=d.FUNDED - SMALL_PRICE, pending=200, revenue=200)
    assert d.earning(request_id).frozen is True


def test_an_unrated_small_claim_goes_to_tier_0(api, agent, worker):
    request_id = w.completed_request(agent, worker, max_price="4.00EUR")

    body = d.open_dispute(api, agent, request_id, "Useless")

    assert (body["status"], body["small_claims"]) == ("awaiting_appeal", False)


def test_five_euros_rated_one_is_not_a_small_claim(api, agent, worker):
    # given a 5.00 EUR request (the limit is "under 5.00") rated 1
    request_id = w.completed_request(agent, worker, max_price="5.00EUR")
    d.rate(api, agent, request_id, 1)

    body = d.open_dispute(api, agent, request_id, d.UPHELD)

    assert (body["status"], body["small_claims"], body["ai_ruling"]) == ("awaiting_appeal", False, "for_company")
    assert d.books(agent, worker).pending == 300


# ------------------------------------------------------------------------------------------ tier 0

def test_tier_0_rules_at_once_with_deterministic_reasoning_and_the_full_shape(api, agent, worker):
    # given a request completed at T0
    request_id = w.completed_request(agent, worker)

    # when disputed 23 h 59 min later
    clock.advance(timedelta(hours=23, minutes=59))
    body = d.open_dispute(api, agent, request_id, d.OVERRULED)

    # then the seed's fields are there, tier 0 has ruled and says how
    assert set(body) == d.SHAPE
    assert body["dispute_id"].startswith("dis_") and body["request_id"] == request_id
    assert (body["status"], body["current_tier"], body["resolution"], body["opened_by"]) == (
        "awaiting_appeal", 0, None, "company")
    assert (body["ai_ruling"], body["ruling"], body["jury_result"]) == ("for_operator", "for_operator", None)
    assert "deterministic" in body["ai_ruling_reasoning"] and "100/100" in body["ai_ruling_reasoning"]
    assert (body["refund_amount"], body["refund_amount_cents"], body["ruling_refund_amount"]) == (
        None, None, "0.00EUR")
    assert body["reason"] == d.OVERRULED and body["settlement_offer"] is None
    assert body["escalation_history"] == []
    assert [item["kind"] for item in body["history"]] == ["opened", "ruling"]
    assert body["appeal_instructions"] and f"/v1/requests/{request_id}/dispute/appeal" in body[
        "appeal_instructions"]
    assert body["created_at"] == "2026-03-03T08:59:00Z" and body["deadline_at"] == "2026-03-05T08:59:00Z"
    # the request is disputed, the reward frozen in pending, nothing moved
    assert rh.request_row(request_id)["status"] == "disputed"
    assert d.earning(request_id).frozen is True
    d.assert_books(agent, worker, company=d.FUNDED - d.PRICE, pending=d.REWARD, revenue=d.FEE)
    assert d.dispute_events(request_id) == ["dispute.opened", "dispute.ruling"]
    assert d.events(request_id)[-3:] == ["request.disputed", "dispute.opened", "dispute.ruling"]
    assert d.shown(api, agent, request_id) == body


def test_a_request_rated_one_with_an_unmet_complaint_is_ruled_for_the_company(api, agent, worker):
    request_id = w.completed_request(agent, worker)
    d.rate(api, agent, request_id, 1)

    body = d.open_dispute(api, agent, request_id, d.UPHELD)

    assert (body["ai_ruling"], body["ruling_refund_amount"]) == ("for_company", "20.00EUR")
    assert "compliance, review" in body["ai_ruling_reasoning"] and "1/5" in body["ai_ruling_reasoning"]


def test_opening_twice_with_the_same_idempotency_key_opens_one_dispute(api, agent, worker):
    request_id = w.completed_request(agent, worker)
    headers = agent.headers(idempotency_key="dispute-once")

    first = api.post(f"/v1/requests/{request_id}/dispute", json={"reason": "x"}, headers=headers)
    again = api.post(f"/v1/requests/{request_id}/dispute", json={"reason": "x"}, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["dispute_id"] == again.json()["dispute_id"]
    assert d.dispute_events(request_id) == ["dispute.opened", "dispute.ruling"]


# ------------------------------------------------------------------------------------------ refusals

def test_a_dispute_24_hours_after_completion_is_refused_and_changes_nothing(api, agent, worker):
    # given a request completed exactly 24 h ago
    request_id = w.completed_request(agent, worker)
    clock.advance(timedelta(hours=24))
    before = w.snapshot()

    # when
    response = api.post(f"/v1/requests/{request_id}/dispute", json={"reason": "Too late?"}, headers=agent.headers())

    # then
    message = assert_error(response, status=400, code="invalid_state")
    assert "window closed" in message
    assert rh.request_row(request_id)["status"] == "completed"
    assert d.earning(request_id).frozen is False
    w.assert_nothing_changed(before)


@pytest.mark.parametrize("stage", ["matching", "in_progress", "needs_review", "cancelled"])
def test_only_a_completed_request_can_be_disputed(api, agent, worker, stage):
    # given a request that is not completed
    request_id = w.create(agent)["id"]
    if stage in ("in_progress", "needs_review"):
        w.accept(worker, request_id)
    if stage == "needs_review":
        w.submit(worker, request_id, answer=w.MEDIOCRE)
    if stage == "cancelled":
        ok = api.post(f"/v1/requests/{request_id}/cancel", headers=agent.headers())
        assert ok.status_code == 200, ok.text
    assert rh.request_row(request_id)["status"] == stage
    before = w.snapshot()

    # when
    response = api.post(f"/v1/requests/{request_id}/dispute", json={"reason": "No"}, headers=agent.headers())

    # then
    assert_error(response, status=400, code="invalid_state")
    assert rh.request_row(request_id)["status"] == stage
    w.assert_nothing_changed(before)


def test_a_second_dispute_on_the_same_request_is_409(api, agent, worker):
    request_id, _ = d.disputed(api, agent, worker)
    before = w.snapshot()

    response = api.post(f"/v1/requests/{request_id}/dispute", json={"reason": "Again"}, headers=agent.headers())

    assert_error(response, status=409, code="invalid_state")
    w.assert_nothing_changed(before)


@pytest.mark.parametrize("body", [
    {"reason": "x" * 1001}, {"reason": ""}, {}, {"reason": 42}, {"reason": None},
    {"reason": "ok", "refund": "1.00EUR"}, {"reason": "bad\x00byte"}, {"reason": "   "},
], ids=["1001-chars", "empty", "missing", "number", "null", "unknown-field", "control-char", "blank"])
def test_a_bad_reason_is_422_and_changes_nothing(api, agent, worker, body):
    request_id = w.completed_request(agent, worker)
    before = w.snapshot()

    response = api.post(f"/v1/requests/{request_id}/dispute", json=body, headers=agent.headers())

    assert_error(response, status=422, code="validation_error")
    assert rh.request_row(request_id)["status"] == "completed"
    w.assert_nothing_changed(before)


def test_a_reason_of_exactly_1000_characters_is_accepted(api, agent, worker):
    request_id = w.completed_request(agent, worker)

    body = d.open_dispute(api, agent, request_id, "y" * 1000)

    assert body["reason"] == "y" * 1000


def test_disputing_an_unknown_request_is_404(api, agent):
    before = w.snapshot()

    response = api.post("/v1/requests/req_doesnotexist/dispute", json={"reason": "?"}, headers=agent.headers())

    assert_error(response, status=404, code="not_found")
    w.assert_nothing_changed(before)


def test_reading_the_dispute_of_an_undisputed_request_is_404(api, agent, worker):
    request_id = w.completed_request(agent, worker)

    assert_error(api.get(f"/v1/requests/{request_id}/dispute", headers=agent.headers()), status=404,
                 code="not_found")
