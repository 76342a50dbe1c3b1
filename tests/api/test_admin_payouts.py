"""Staff settle payouts for the manual provider (`/v1/admin/payouts`): list what waits, mark paid
(money to the provider's external account) or failed with a reason (money back), exactly once
under 20 concurrent calls; the disputed-request list; staff only."""

from __future__ import annotations

import pytest

from tests.ledger.helpers import assert_ledger_balanced, transfer_count
from tests.requests import helpers as rh
from tests.support import assert_error
from tests.work import helpers as w


@pytest.fixture
def staff():
    return w.staff_headers()


@pytest.fixture
def payout(client):
    """A requested payout of 20.00 from an operator with 50.00 available."""
    operator = w.make_operator()
    w.give_available(operator.user_id, cents=5_000)
    body = client.post("/v1/operator/payouts", json={"amount": "20.00EUR"}, headers=operator.headers()).json()
    return {"operator": operator, **body}


def test_the_queue_lists_requested_payouts_with_their_operator(client, staff, payout):
    (item,) = client.get("/v1/admin/payouts", headers=staff).json()["data"]
    assert (item["id"], item["status"], item["amount"], item["operator_id"]) == (
        payout["id"], "requested", "20.00EUR", payout["operator"].user_id)


def test_mark_paid_then_any_second_decision_is_409(client, staff, payout):
    # when
    first = client.post(f"/v1/admin/payouts/{payout['id']}/paid", headers=staff)
    before = w.snapshot()
    again = client.post(f"/v1/admin/payouts/{payout['id']}/paid", headers=staff)
    failed = client.post(f"/v1/admin/payouts/{payout['id']}/failed", headers=staff, json={"reason": "oops"})

    # then
    assert first.status_code == 200 and first.json()["status"] == "paid"
    assert_error(again, status=409, code="invalid_state")
    assert_error(failed, status=409, code="invalid_state")
    w.assert_nothing_changed(before)
    assert (w.paid_out_cents(), w.available_cents(payout["operator"].user_id)) == (2_000, 3_000)


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 501},
                                  {"reason": "no", "status": "paid"}])
def test_mark_failed_needs_a_reason(client, staff, payout, body):
    before = w.snapshot()
    response = client.post(f"/v1/admin/payouts/{payout['id']}/failed", headers=staff, json=body)
    assert_error(response, status=422, code="validation_error")
    w.assert_nothing_changed(before)


def test_an_unknown_payout_is_404(client, staff):
    for action, body in (("paid", None), ("failed", {"reason": "no"})):
        assert_error(client.post(f"/v1/admin/payouts/po_0123456789ab/{action}", headers=staff, json=body),
                     status=404, code="not_found")


@pytest.mark.parametrize("action", ["paid", "failed"])
def test_20_concurrent_staff_calls_settle_once(client, staff, payout, action):
    # when
    calls = [("POST", f"/v1/admin/payouts/{payout['id']}/{action}", staff,
              {"reason": "Bank refused"} if action == "failed" else None)] * 20
    result = rh.burst(calls)

    # then
    assert result.codes() == {(200, None): 1, (409, "invalid_state"): 19}, result.codes()
    kind = "escrow_post" if action == "paid" else "escrow_void"
    assert transfer_count(kind=kind) == 1
    assert_ledger_balanced()


def test_the_disputed_list_shows_disputed_requests_only(client, staff):
    # given one disputed, one completed, one matching request
    agent = w.make_agent()
    operator = w.make_operator()
    disputed = w.create(agent)["id"]
    w.accept(operator, disputed)
    w.submit(operator, disputed, answer=w.BAD)
    w.completed_request(agent, operator)
    w.create(agent)

    # when
    listed = client.get("/v1/admin/disputed-requests", headers=staff).json()["data"]

    # then
    assert [(item["request_id"], item["status"]) for item in listed] == [(disputed, "disputed")]


ADMIN_ROUTES = [("GET", "/v1/admin/payouts", None), ("POST", "/v1/admin/payouts/{id}/paid", None),
                ("POST", "/v1/admin/payouts/{id}/failed", {"reason": "no"}), ("GET", "/v1/admin/kyc", None),
                ("POST", "/v1/admin/kyc/kyc_0123456789ab/approve", None),
                ("POST", "/v1/admin/kyc/kyc_0123456789ab/reject", {"reason": "no"}),
                ("GET", "/v1/admin/disputed-requests", None)]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES, ids=lambda value: str(value)[:40])
def test_admin_routes_refuse_everyone_but_staff(client, payout, method, path, body):
    # given an operator, a company member, an agent key and no credentials
    callers = {"no auth": ({}, 401), "agent key": (w.make_agent().headers(), 401),
               "operator session": (payout["operator"].headers(), 403), "company session": (w.company_headers(), 403)}
    before = w.snapshot()

    # when / then
    for caller, (headers, status) in callers.items():
        response = client.request(method, path.format(id=payout["id"]), headers=headers, json=body)
        assert response.status_code == status, (caller, response.text)
        assert_error(response, status=status, code="unauthorized" if status == 401 else "forbidden")
    w.assert_nothing_changed(before)
    assert w.payouts_of(payout["operator"].user_id)[0].status == "requested"


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/admin/payouts/po%00x/paid", None), ("/v1/admin/payouts/po%00x/failed", {"reason": "no"}),
    ("/v1/admin/kyc/kyc%00x/approve", None), ("/v1/admin/kyc/kyc%00x/reject", {"reason": "no"}),
], ids=["paid", "failed", "kyc approve", "kyc reject"])
def test_an_id_with_a_nul_byte_names_nothing_and_is_never_a_500(client, staff, path, body):
    before = w.snapshot()
    assert_error(client.post(path, headers=staff, json=body), status=404, code="not_found")
    w.assert_nothing_changed(before)
