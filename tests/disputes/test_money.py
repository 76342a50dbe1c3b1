"""What a split resolution takes from the reward and from the fee (PRODUCT §3: largest remainder).

A refund is divided between the worker's reward and the platform fee in proportion to the two;
the cent the exact shares leave over goes to the larger remainder, never by truncating one side.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace_app.disputes.money import refund_shares, small_claim_refund
from tests.core.helpers import hamilton
from tests.disputes import helpers as d
from tests.ledger.helpers import hold_state
from tests.requests import helpers as rh
from tests.work import helpers as w

PROPERTY = settings(derandomize=True, deadline=None, max_examples=2_000,
                    suppress_health_check=[HealthCheck.too_slow])
# 8.00 EUR is under the 2.00 EUR minimum fee's 18 % threshold: reward 6.00, fee 2.00.
SMALL_PRICE = "8.00EUR"
SMALL_FEE = 200
SMALL_REWARD = 600
REFUND = "3.33EUR"
# Exact shares of 3.33: 3.33 × 6/8 = 2.4975 and 3.33 × 2/8 = 0.8325 → 2.50 and 0.83.
FROM_REWARD = 250
FROM_FEE = 83


def settle_by_agreement(api, agent, worker, request_id: str, dispute_id: str) -> dict:
    """The company offers `REFUND` and the worker accepts it: resolved as a split at once."""
    offered = api.post(f"/v1/requests/{request_id}/dispute/settlement", json={"refund": REFUND},
                       headers=agent.headers())
    d.ok(offered)
    return d.ok(api.post(f"/v1/operator/disputes/{dispute_id}/settlement/accept", json={"refund": REFUND},
                         headers=worker.headers()))


def test_a_split_of_a_completed_request_takes_each_share_by_largest_remainder(api, agent, worker):
    # given a completed 8.00 EUR request (reward 6.00, fee 2.00) under dispute
    request_id, body = d.disputed(api, agent, worker, max_price=SMALL_PRICE)
    assert rh.request_row(request_id)["fee_cents"] == SMALL_FEE

    # when the parties settle for 3.33 EUR back
    settled = settle_by_agreement(api, agent, worker, request_id, body["dispute_id"])

    # then 2.50 comes back from the reward and 0.83 from the fee, and the ledger is healthy
    assert (settled["resolution"], settled["refund_amount_cents"]) == ("split", 333)
    d.assert_books(agent, worker, company=d.FUNDED - 800 + 333, pending=SMALL_REWARD - FROM_REWARD,
                   revenue=SMALL_FEE - FROM_FEE)
    assert d.earning(request_id).amount_cents == SMALL_REWARD - FROM_REWARD


def test_a_split_of_a_held_escrow_pays_each_side_by_largest_remainder(api, agent, worker):
    # given an 8.00 EUR request whose blank answer failed verification: the escrow is still held
    request_id = w.create(agent, max_price=SMALL_PRICE)["id"]
    w.accept(worker, request_id)
    assert w.submit(worker, request_id, answer=w.BAD)["status"] == "disputed"
    dispute_id = d.shown(api, agent, request_id)["dispute_id"]

    # when the parties settle for 3.33 EUR back
    settle_by_agreement(api, agent, worker, request_id, dispute_id)

    # then the hold posts 6.00 − 2.50 to the worker and 2.00 − 0.83 to revenue; 3.33 goes back
    assert hold_state(rh.request_row(request_id)["hold_id"]) == "posted"
    d.assert_books(agent, worker, company=d.FUNDED - 800 + 333, pending=SMALL_REWARD - FROM_REWARD,
                   revenue=SMALL_FEE - FROM_FEE)
    assert d.earning(request_id).amount_cents == SMALL_REWARD - FROM_REWARD


@pytest.mark.parametrize(("refund", "reward", "fee", "shares"), [
    (333, 600, 200, (250, 83)),   # 2.4975 / 0.8325
    (1, 1, 1, (1, 0)),            # an exact tie: the reward, listed first, gives the cent
    (0, 0, 0, (0, 0)),            # a free request refunds nothing
    (2000, 1640, 360, (1640, 360)),
])
def test_refund_shares_examples(refund, reward, fee, shares):
    assert refund_shares(refund, reward_cents=reward, fee_cents=fee) == shares


@PROPERTY
@given(data=st.data(), reward=st.integers(min_value=0, max_value=10**9), fee=st.integers(min_value=0, max_value=10**9))
def test_refund_shares_match_the_exact_fraction_oracle(data, reward, fee):
    # given any refund from nothing to the whole price
    price = reward + fee
    refund = data.draw(st.integers(min_value=0, max_value=price))

    # when it is divided
    from_reward, from_fee = refund_shares(refund, reward_cents=reward, fee_cents=fee)

    # then it is the largest-remainder split, whole, and never more than either part holds
    assert from_reward + from_fee == refund
    assert 0 <= from_reward <= reward and 0 <= from_fee <= fee
    if price:
        assert [from_reward, from_fee] == hamilton(refund, [reward, fee])
        assert abs(from_reward - Fraction(refund * reward, price)) < 1


@pytest.mark.parametrize(("price", "refund"), [(499, 249), (498, 249), (1, 0), (0, 0)])
def test_a_small_claim_refunds_half_and_the_work_side_keeps_an_odd_cent(price, refund):
    assert small_claim_refund(price) == refund
