"""Issue 5, acceptance 1: one request end to end through the API — company funds, agent creates,
an operator sees it in the feed under the project's information policy, accepts, submits; the
escrow posts (reward pending, fee in revenue); after the settlement hold the reward is
available, is paid out and marked paid. The ledger is healthy after every step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.earnings import service as earnings
from marketplace_app.work.models import ContextView
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import helpers as rh
from tests.work import helpers as w

EMAIL = "maria.lopez@example.com"
PHONE = "+34 612 345 678"
CONTEXT = f"Check clause 4.2 of the NDA; questions to Maria Lopez at {EMAIL} or {PHONE}."


def release() -> int:
    return w.in_unit(earnings.release_due)


def _create(client, agent, **overrides) -> str:
    body = rh.request_body(max_price=w.PRICE, context=CONTEXT, information_policy=..., **overrides)
    return rh.created(client.post("/v1/requests", json=body, headers=agent.headers()))


def test_a_request_runs_from_funding_to_a_paid_payout_and_the_ledger_stays_balanced(client):
    # given a company funded through the test faucet, with a redacted project and an agent key
    clock.freeze(w.T0)
    agent = w.make_agent(funded_cents=0, policy="redacted", terms=("Maria Lopez",))
    rh.fund(agent, cents=5_000)
    assert_ledger_balanced()
    operator = w.make_operator(skills=("legal_review", "translation"))
    staff = w.staff_headers()
    revenue_before = w.revenue_cents()

    # when the agent creates a request (the project's policy applies)
    request_id = _create(client, agent)

    # then the full price is in escrow
    assert (rh.available_cents(agent), rh.escrow_cents(agent)) == (3_000, 2_000)
    assert_ledger_balanced()

    # when the operator reads the feed
    feed = client.get("/v1/operator/requests", headers=operator.headers())

    # then the request is there with the e-mail, the phone and the name masked
    assert feed.status_code == 200, feed.text
    (item,) = feed.json()["data"]
    assert item["request_id"] == request_id and item["information_policy"] == "redacted"
    assert (item["reward"], item["reward_cents"]) == ("16.40EUR", w.REWARD_CENTS)
    assert EMAIL not in item["context"] and "612" not in item["context"] and "Maria" not in item["context"]
    assert all(marker in item["context"] for marker in ("[email redacted]", "[phone redacted]", "[name redacted]"))
    assert "clause 4.2" in item["context"]

    # when they accept
    accepted = client.post(f"/v1/operator/requests/{request_id}/accept", headers=operator.headers())

    # then it is theirs, in progress, with a work deadline of duration + 50 %
    assert accepted.status_code == 200, accepted.text
    assert accepted.json() == {"request_id": request_id, "status": "in_progress",
                               "work_deadline_at": clock.isoformat(w.T0 + timedelta(minutes=15 * 1.5))}
    # (redacted stays masked for the one who does the work, too)
    assert client.get(f"/v1/operator/requests/{request_id}", headers=operator.headers()).json()["context"] == \
        item["context"]
    assert client.get("/v1/operator/requests", headers=operator.headers()).json()["data"] == []
    assert_ledger_balanced()

    # when they submit a good answer
    submitted = client.post(f"/v1/operator/requests/{request_id}/submit", headers=operator.headers(),
                            json={"answer": w.GOOD_ANSWER, "confidence": "high", "proof_notes": "Read the NDA"})

    # then verification completes it and the escrow posts: reward pending, fee in revenue, escrow 0
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "completed"
    assert submitted.json()["verification"] == {"score": 100, "reasons": []}
    assert w.pending_cents(operator.user_id) == w.REWARD_CENTS
    assert w.revenue_cents() - revenue_before == w.FEE_CENTS
    assert (rh.available_cents(agent), rh.escrow_cents(agent)) == (3_000, 0)
    assert_ledger_balanced()

    # and the agent sees the human and the result as in the seed
    shown = client.get(f"/v1/requests/{request_id}", headers=agent.headers()).json()
    assert shown["status"] == "completed"
    assert shown["human"] == {"id": operator.public_id, "avg_response_quality": None, "tasks_completed": 1}
    assert shown["result"]["answer"] == w.GOOD_ANSWER
    assert [line["status"] for line in shown["timeline"]] == ["matching", "in_progress", "submitted", "completed"]

    # and the operator's earnings show it pending until T + 7 days
    mine = client.get("/v1/operator/earnings", headers=operator.headers()).json()
    assert (mine["pending_cents"], mine["available_cents"], mine["total_cents"]) == (w.REWARD_CENTS, 0,
                                                                                     w.REWARD_CENTS)
    assert mine["items"][0]["available_on"] == clock.isoformat(w.T0 + timedelta(days=7))

    # when the settlement sweep runs one second before the hold ends, then exactly at its end
    clock.advance(timedelta(days=7) - timedelta(seconds=1))
    assert release() == 0
    assert w.available_cents(operator.user_id) == 0
    clock.advance(timedelta(seconds=1))
    assert release() == 1

    # then the reward is available
    assert (w.pending_cents(operator.user_id), w.available_cents(operator.user_id)) == (0, w.REWARD_CENTS)
    assert_ledger_balanced()

    # when the operator asks for a payout of all of it
    asked = client.post("/v1/operator/payouts", json={"amount": "16.40EUR"},
                        headers=operator.headers(Idempotency_Key="payout-1"))

    # then the money waits in the payout hold for staff
    assert asked.status_code == 201, asked.text
    payout = asked.json()
    assert (payout["status"], payout["amount_cents"], payout["provider"]) == ("requested", w.REWARD_CENTS, "manual")
    assert (w.available_cents(operator.user_id), w.in_payout_cents(operator.user_id)) == (0, w.REWARD_CENTS)
    assert [item["id"] for item in client.get("/v1/admin/payouts", headers=staff).json()["data"]] == [payout["id"]]
    assert_ledger_balanced()

    # when staff mark it paid
    paid_before = w.paid_out_cents()
    paid = client.post(f"/v1/admin/payouts/{payout['id']}/paid", headers=staff)

    # then it is paid and the money sits in the provider's external payouts account
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    assert w.paid_out_cents() - paid_before == w.REWARD_CENTS
    assert w.in_payout_cents(operator.user_id) == 0
    listed = client.get("/v1/operator/payouts", headers=operator.headers()).json()["data"]
    assert [(item["id"], item["status"], item["failure_reason"]) for item in listed] == [(payout["id"], "paid", None)]
    assert client.get("/v1/admin/payouts", headers=staff).json()["data"] == []
    assert_ledger_balanced()


@pytest.mark.parametrize(("policy", "before_accept"), [("sandboxed", None), ("open", CONTEXT)])
def test_the_feed_applies_the_projects_policy_until_the_request_is_accepted(client, policy, before_accept):
    # given a request in a project with `policy`
    agent = w.make_agent(policy=policy)
    operator = w.make_operator()
    request_id = _create(client, agent)

    # when the operator reads the feed and the request
    (item,) = client.get("/v1/operator/requests", headers=operator.headers()).json()["data"]
    shown = client.get(f"/v1/operator/requests/{request_id}", headers=operator.headers()).json()

    # then the context is hidden (sandboxed: skill, price and urgency only) or shown in full (open)
    assert item["information_policy"] == policy
    assert (item["context"], shown["context"]) == (before_accept, before_accept)
    assert (item["skill"], item["urgency"], item["reward_cents"]) == ("legal_review", "5min", w.REWARD_CENTS)
    if policy == "sandboxed":
        assert item["title"] is None and item["location"] is None and "Sandboxed" in item["notice"]

    # when they accept and read it again
    assert client.post(f"/v1/operator/requests/{request_id}/accept", headers=operator.headers()).status_code == 200
    after = client.get(f"/v1/operator/requests/{request_id}", headers=operator.headers()).json()

    # then the assigned operator sees the whole context, and sandboxed views are logged
    assert after["context"] == CONTEXT
    with unit_of_work(read_only=True) as session:
        views = session.execute(select(func.count()).select_from(ContextView)
                                .where(ContextView.request_id == request_id)).scalar_one()
    assert views == (1 if policy == "sandboxed" else 0)
    assert_ledger_balanced()


def test_a_failed_payout_returns_the_money_and_says_why(client):
    # given an operator with 25.00 available and a requested payout of 20.00
    operator = w.make_operator()
    staff = w.staff_headers()
    w.give_available(operator.user_id, cents=2_500)
    payout = client.post("/v1/operator/payouts", json={"amount": "20.00EUR"}, headers=operator.headers()).json()
    assert (w.available_cents(operator.user_id), w.in_payout_cents(operator.user_id)) == (500, 2_000)

    # when staff mark it failed with a reason
    failed = client.post(f"/v1/admin/payouts/{payout['id']}/failed", headers=staff,
                         json={"reason": "The IBAN was rejected by the bank"})

    # then the money is back in available, nothing left for the provider, and the operator sees why
    assert failed.status_code == 200, failed.text
    assert failed.json()["status"] == "failed"
    assert (w.available_cents(operator.user_id), w.in_payout_cents(operator.user_id)) == (2_500, 0)
    assert w.paid_out_cents() == 0
    (listed,) = client.get("/v1/operator/payouts", headers=operator.headers()).json()["data"]
    assert (listed["status"], listed["failure_reason"]) == ("failed", "The IBAN was rejected by the bank")
    assert listed["resolved_at"] is not None
    assert_ledger_balanced()
