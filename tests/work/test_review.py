"""Results in `needs_review`: the company approves (completed, escrow posts, operator paid) or
rejects with a reason (disputed, escrow stays held, listed for staff); silence auto-approves after
the 48 h review window; < 50 is disputed at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace_app.companies.models import MemberRole
from marketplace_app.core import clock
from marketplace_app.core.errors import Forbidden
from marketplace_app.earnings.models import Earning
from marketplace_app.requests.service import CompanyScope
from marketplace_app.work import review
from tests.ledger.helpers import assert_ledger_balanced, hold_state, race, transfer_count
from tests.requests import helpers as rh
from tests.work import helpers as w


@pytest.fixture
def api():
    return rh.client()


@pytest.fixture
def agent():
    return w.make_agent(funded_cents=10_000)


@pytest.fixture
def operator():
    return w.make_operator()


def in_review(agent, operator) -> str:
    """A request whose result landed in needs_review."""
    request_id = w.create(agent)["id"]
    w.accept(operator, request_id)
    assert w.submit(operator, request_id, answer=w.MEDIOCRE)["status"] == "needs_review"
    return request_id


def auto_approve() -> int:
    return w.in_unit(review.auto_approve_due)


def assert_paid(agent, operator, request_id: str) -> None:
    row = rh.request_row(request_id)
    assert row["status"] == "completed"
    assert hold_state(row["hold_id"]) == "posted"
    assert w.pending_cents(operator.user_id) == w.REWARD_CENTS
    assert rh.escrow_cents(agent) == 0
    assert w.count(Earning, Earning.request_id == request_id) == 1


def test_a_mediocre_result_waits_for_review_with_escrow_held(agent, operator):
    # given / when
    clock.freeze(w.T0)
    request_id = in_review(agent, operator)

    # then the review deadline is 48 h away, nothing is paid yet and the escrow is untouched
    row = rh.request_row(request_id)
    assert row["review_deadline_at"] - row["submitted_at"] == timedelta(hours=48)
    assert row["result"]["verification"]["score"] == 85
    assert (rh.escrow_cents(agent), w.pending_cents(operator.user_id)) == (w.PRICE_CENTS, 0)
    assert_ledger_balanced()


def test_the_company_approves_with_its_key_and_the_operator_is_paid(api, agent, operator):
    # given
    request_id = in_review(agent, operator)

    # when
    response = api.post(f"/v1/requests/{request_id}/approve", headers=agent.headers())

    # then
    assert response.status_code == 200, response.text
    assert response.json() == {"request_id": request_id, "status": "completed"}
    assert_paid(agent, operator, request_id)
    assert rh.event_types(request_id)[-1] == "request.completed"
    assert_ledger_balanced()


def test_a_rejection_with_a_reason_disputes_and_keeps_the_escrow_for_staff(api, agent, operator):
    # given
    request_id = in_review(agent, operator)
    staff = w.staff_headers()

    # when
    response = api.post(f"/v1/requests/{request_id}/reject", headers=agent.headers(),
                        json={"reason": "The answer ignores clause 4.3, which the question depends on"})

    # then the request is disputed, its hold still pending, nothing paid, and staff see it
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "disputed"
    assert hold_state(rh.request_row(request_id)["hold_id"]) == "pending"
    assert (rh.escrow_cents(agent), w.pending_cents(operator.user_id)) == (w.PRICE_CENTS, 0)
    assert w.count(Earning) == 0
    listed = api.get("/v1/admin/disputed-requests", headers=staff).json()["data"]
    assert [(item["request_id"], item["status"], item["company_id"]) for item in listed] == [
        (request_id, "disputed", agent.company_id)]
    timeline = api.get(f"/v1/requests/{request_id}", headers=agent.headers()).json()["timeline"]
    assert timeline[-1]["note"].startswith("rejected: The answer ignores clause 4.3")
    assert_ledger_balanced()


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 1001},
                                  {"reason": "fine", "status": "completed"}])
def test_a_rejection_without_a_usable_reason_is_422_and_changes_nothing(api, agent, operator, body):
    # given
    request_id = in_review(agent, operator)
    before = w.snapshot()

    # when
    response = api.post(f"/v1/requests/{request_id}/reject", headers=agent.headers(), json=body)

    # then
    assert response.status_code == 422, response.text
    assert rh.request_row(request_id)["status"] == "needs_review"
    w.assert_nothing_changed(before)


def test_another_projects_key_cannot_review(api, agent, operator):
    # given a request in review and a key of another company
    request_id = in_review(agent, operator)
    stranger = w.make_agent(company_name="Other")
    before = w.snapshot()

    # when / then
    for action, body in (("approve", None), ("reject", {"reason": "no"})):
        response = api.post(f"/v1/requests/{request_id}/{action}", headers=stranger.headers(), json=body)
        assert response.status_code == 404, response.text
    assert rh.request_row(request_id)["status"] == "needs_review"
    w.assert_nothing_changed(before)


def test_silence_auto_approves_after_48_hours_and_not_a_second_before(agent, operator):
    # given a result in review at T0
    clock.freeze(w.T0)
    request_id = in_review(agent, operator)

    # when the sweep runs one second before the window ends
    clock.advance(timedelta(hours=48) - timedelta(seconds=1))
    assert auto_approve() == 0
    assert rh.request_row(request_id)["status"] == "needs_review"

    # and again at the end of the window, twice
    clock.advance(timedelta(seconds=1))
    assert (auto_approve(), auto_approve()) == (1, 0)

    # then it completed once and the operator is paid
    assert_paid(agent, operator, request_id)
    assert transfer_count(kind="escrow_post") == 1
    assert rh.request_row(request_id)["completed_at"] == w.T0 + timedelta(hours=48)
    assert_ledger_balanced()


def test_a_company_review_and_the_auto_approval_racing_at_the_deadline_post_once(database, agent, operator):
    # given a result whose review window ends now
    clock.freeze(w.T0)
    request_id = in_review(agent, operator)
    clock.advance(timedelta(hours=48))
    context = agent.context()

    # when approvals, rejections and sweeps run at once on their own connections
    def act(session, index):
        if index % 3 == 0:
            return review.auto_approve_due(session)
        if index % 3 == 1:
            return review.approve(session, ctx=context, request_id=request_id)["status"]
        return review.reject(session, ctx=context, request_id=request_id, reason="late")["status"]

    result = race(database, contenders=12, action=act)

    # then sweeps, approvals and rejections were in flight together, and the request ended exactly
    # once: one escrow post, or none and a dispute
    assert {index % 3 for index in result.together} == {0, 1, 2}, result.together
    final = rh.request_row(request_id)["status"]
    assert final in ("completed", "disputed"), result.outcomes
    assert transfer_count(kind="escrow_post") == (1 if final == "completed" else 0)
    winners = [o for o in result.outcomes if o in ("completed", "disputed") or o == 1]
    assert len(winners) == 1, result.outcomes
    assert_ledger_balanced()


def test_a_bad_result_is_disputed_at_once_with_escrow_held(agent, operator):
    # given
    request_id = w.create(agent)["id"]
    w.accept(operator, request_id)

    # when
    row = w.submit(operator, request_id, answer=w.BAD)

    # then
    assert row["status"] == "disputed"
    assert row["result"]["verification"]["score"] == 0
    assert hold_state(row["hold_id"]) == "pending"
    assert (rh.escrow_cents(agent), w.pending_cents(operator.user_id)) == (w.PRICE_CENTS, 0)
    assert rh.event_types(request_id)[-2:] == ["request.submitted", "request.disputed"]
    assert_ledger_balanced()


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_read_only_member_is_refused_by_the_review_service_itself(agent, operator, decision):
    # given a result in review and a dashboard member who may only read
    request_id = in_review(agent, operator)
    reader = CompanyScope(company_id=agent.company_id, user_id="usr_member", mode="live", role=MemberRole.member)

    # when they decide through the service (no page in between)
    with pytest.raises(Forbidden, match="owners and admins"):
        if decision == "approve":
            w.in_unit(lambda session: review.approve(session, ctx=reader, request_id=request_id))
        else:
            w.in_unit(lambda session: review.reject(session, ctx=reader, request_id=request_id, reason="Wrong"))

    # then the result still waits, its escrow held
    row = rh.request_row(request_id)
    assert row["status"] == "needs_review" and hold_state(row["hold_id"]) == "pending"
    assert_ledger_balanced()


@pytest.mark.parametrize("role", [MemberRole.owner, MemberRole.admin])
def test_owners_and_admins_approve_through_the_same_service(agent, operator, role):
    # given a result in review
    request_id = in_review(agent, operator)
    writer = CompanyScope(company_id=agent.company_id, user_id="usr_writer", mode="live", role=role)

    # when an owner or admin approves it
    w.in_unit(lambda session: review.approve(session, ctx=writer, request_id=request_id))

    # then the operator is paid
    assert_paid(agent, operator, request_id)
    assert_ledger_balanced()
