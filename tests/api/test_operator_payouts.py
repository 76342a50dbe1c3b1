"""`POST /v1/operator/payouts` and `GET /v1/operator/payouts`, `GET /v1/operator/earnings`:
idempotent with `Idempotency-Key`, never above available (402), never below the minimum (422),
and the list says how each payout ended."""

from __future__ import annotations

import pytest

from marketplace_app.ledger.models import LedgerHold
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import helpers as rh
from tests.support import assert_error, assert_ran_once
from tests.work import helpers as w

PAYOUTS = "/v1/operator/payouts"


@pytest.fixture
def operator():
    operator = w.make_operator()
    w.give_available(operator.user_id, cents=5_000)
    return operator


def test_the_same_idempotency_key_ten_times_makes_one_payout_and_one_hold(client, operator):
    # given / when the same call is sent ten times
    responses = [client.post(PAYOUTS, json={"amount": "15.00EUR"}, headers=operator.headers(Idempotency_Key="po-1"))
                 for _ in range(10)]

    # then one payout and one hold exist, and every replay is byte-identical
    assert {response.status_code for response in responses} == {201}
    assert len({response.content for response in responses}) == 1
    assert [response.headers.get("Idempotent-Replayed") for response in responses] == [None] + ["true"] * 9
    assert len(w.payouts_of(operator.user_id)) == 1
    assert w.count(LedgerHold, LedgerHold.reference_type == "payout") == 1
    assert (w.available_cents(operator.user_id), w.in_payout_cents(operator.user_id)) == (3_500, 1_500)
    assert_ledger_balanced()


def test_twenty_concurrent_calls_with_one_key_make_one_payout(operator):
    # given / when
    calls = [("POST", PAYOUTS, operator.headers(Idempotency_Key="po-storm"), {"amount": "10.00EUR"})] * 20
    result = rh.burst(calls)

    # then one call made the payout; each other one was refused as in flight or replayed its answer
    assert_ran_once(result.answers(), status=201)
    assert len(w.payouts_of(operator.user_id)) == 1
    assert w.available_cents(operator.user_id) == 4_000
    assert_ledger_balanced()


def test_the_same_key_with_another_body_is_409_and_changes_nothing(client, operator):
    # given
    client.post(PAYOUTS, json={"amount": "15.00EUR"}, headers=operator.headers(Idempotency_Key="po-2"))
    before = w.snapshot()

    # when
    response = client.post(PAYOUTS, json={"amount": "16.00EUR"}, headers=operator.headers(Idempotency_Key="po-2"))

    # then
    assert_error(response, status=409, code="conflict")
    w.assert_nothing_changed(before)


def test_keys_are_per_operator(client, operator):
    other = w.make_operator()
    w.give_available(other.user_id, cents=5_000)
    for who in (operator, other):
        response = client.post(PAYOUTS, json={"amount": "10.00EUR"}, headers=who.headers(Idempotency_Key="same"))
        assert response.status_code == 201, response.text
    assert (len(w.payouts_of(operator.user_id)), len(w.payouts_of(other.user_id))) == (1, 1)


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"amount": "50.01EUR"}, 402, "insufficient_funds"),
    ({"amount": "9.99EUR"}, 422, "validation_error"),
    ({"amount": "0.00EUR"}, 422, "validation_error"),
    ({"amount": "-10.00EUR"}, 422, "validation_error"),
    ({"amount": "10.001EUR"}, 422, "validation_error"),
    ({"amount": "10.00USD"}, 422, "validation_error"),
    ({"amount": 10}, 422, "validation_error"),
    ({"amount": "1e3"}, 422, "validation_error"),
    ({}, 422, "validation_error"),
    ({"amount": "10.00EUR", "status": "paid"}, 422, "validation_error"),
    ({"amount": "10.00EUR", "operator_id": "usr_someone"}, 422, "validation_error"),
    ({"amount": "10.00EUR", "available_cents": 10_000_000}, 422, "validation_error"),
])
def test_bad_payouts_get_a_clear_error_and_change_nothing(client, operator, body, status, code):
    # given
    before = w.snapshot()

    # when
    response = client.post(PAYOUTS, json=body, headers=operator.headers(Idempotency_Key="bad"))

    # then
    message = assert_error(response, status=status, code=code)
    if status == 402:
        assert "50.00" in message
    w.assert_nothing_changed(before)
    assert w.available_cents(operator.user_id) == 5_000


def test_a_refused_payout_does_not_burn_its_idempotency_key(client, operator):
    # given a refusal under a key
    assert client.post(PAYOUTS, json={"amount": "60.00EUR"},
                       headers=operator.headers(Idempotency_Key="retry")).status_code == 402

    # when the operator retries with a smaller amount under the same key
    response = client.post(PAYOUTS, json={"amount": "20.00EUR"}, headers=operator.headers(Idempotency_Key="retry"))

    # then it goes through
    assert response.status_code == 201, response.text


def test_the_list_is_newest_first_with_status_and_failure_reason(client, operator):
    # given two payouts, the first failed by staff
    staff = w.staff_headers()
    first = client.post(PAYOUTS, json={"amount": "10.00EUR"}, headers=operator.headers()).json()
    client.post(f"/v1/admin/payouts/{first['id']}/failed", headers=staff, json={"reason": "Account closed"})
    second = client.post(PAYOUTS, json={"amount": "12.00EUR"}, headers=operator.headers()).json()

    # when
    listed = client.get(PAYOUTS, headers=operator.headers()).json()["data"]

    # then
    assert [(item["id"], item["status"], item["failure_reason"]) for item in listed] == [
        (second["id"], "requested", None), (first["id"], "failed", "Account closed")]
    assert client.get(PAYOUTS, headers=w.make_operator().headers()).json()["data"] == []


def test_earnings_show_pending_available_in_payout_and_total(client, operator):
    # given a completed request (pending), 50.00 available and a payout of 20.00
    w.completed_request(w.make_agent(), operator)
    client.post(PAYOUTS, json={"amount": "20.00EUR"}, headers=operator.headers())

    # when
    body = client.get("/v1/operator/earnings", headers=operator.headers()).json()

    # then
    assert (body["pending"], body["available"], body["in_payout"], body["total"]) == (
        "16.40EUR", "30.00EUR", "20.00EUR", "16.40EUR")
    (item,) = body["items"]
    assert (item["status"], item["amount_cents"], item["frozen"]) == ("pending", w.REWARD_CENTS, False)
    assert item["available_on"] is not None
