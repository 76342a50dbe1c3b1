"""The four tiers on a completed (paid) request, with the clock frozen: tier 0 ruling final
after 48 h without appeal; appeal → peer jury (majority of 3) → final; a jury that does not
vote is replaced once and then escalated; specialist (staff, appealable) → board (final);
silent specialist → board; silent board → the last ruling stands.

Refunds come back from the worker's frozen `pending` and from platform revenue, once
(`dispute:<id>:refund`); a dismissed dispute unfreezes the earning, which the settlement sweep
then releases as usual."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace_app.core import clock
from marketplace_app.disputes.service import add_business_days
from marketplace_app.earnings.models import EarningStatus
from marketplace_app.work import timers
from tests.disputes import helpers as d
from tests.support import assert_error
from tests.work import helpers as w

PAID = {"company": d.FUNDED - d.PRICE, "pending": d.REWARD, "revenue": d.FEE}
REFUNDED = {"company": d.FUNDED, "pending": 0, "revenue": 0}
# An 8.00 EUR split of 20.00: 8.00 × 1640/2000 = 6.56 back from the reward, 1.44 from the fee.
SPLIT = {"company": d.FUNDED - d.PRICE + 800, "pending": d.REWARD - 656, "revenue": d.FEE - 144}


# ------------------------------------------------------------------------------------------ tier 0 final

def test_an_unappealed_ruling_for_the_company_becomes_a_full_refund_after_48_hours(api, agent, worker):
    # given tier 0 ruled for the company an hour after completion
    request_id, body = d.disputed(api, agent, worker, upheld=True)

    # when the sweep runs a minute before the appeal window closes, nothing happens
    clock.advance(d.APPEAL_WINDOW - timedelta(minutes=1))
    assert d.sweep() == 0
    assert d.shown(api, agent, request_id)["status"] == "awaiting_appeal"
    d.assert_books(agent, worker, **PAID)

    # when it runs at the deadline
    clock.advance(timedelta(minutes=1))
    assert d.sweep() == 1

    # then the ruling is final: the whole price comes back, from the reward and the fee
    state = d.shown(api, agent, request_id)
    assert (state["status"], state["resolution"], state["refund_amount"]) == ("resolved", "full_refund", "20.00EUR")
    assert state["appeal_instructions"] is None and state["resolved_at"] == "2026-03-04T10:00:00Z"
    d.assert_books(agent, worker, **REFUNDED)
    assert d.dispute_transfers(request_id)["dispute_refund"] == 1
    earning = d.earning(request_id)
    assert (earning.amount_cents, earning.status) == (0, EarningStatus.clawed_back)
    assert d.dispute_events(request_id) == ["dispute.opened", "dispute.ruling", "dispute.resolved"]
    assert d.step_kinds(body["dispute_id"]) == ["opened", "ruling", "resolved"]

    # and a later sweep or appeal changes nothing
    clock.advance(d.APPEAL_WINDOW)
    assert d.sweep() == 0
    before = w.snapshot()
    assert_error(d.appeal_as_company(api, agent, request_id), status=409, code="invalid_state")
    w.assert_nothing_changed(before)


def test_an_unappealed_ruling_for_the_operator_is_dismissed_and_the_earning_released_after_7_days(
        api, agent, worker):
    # given tier 0 ruled for the operator; the reward is frozen
    request_id, _ = d.disputed(api, agent, worker)
    assert d.earning(request_id).frozen is True

    # when the ruling becomes final after 48 h
    clock.advance(d.APPEAL_WINDOW)
    assert d.sweep() == 1

    # then dismissed: no money moves, the earning is unfrozen but still within its 7-day hold
    state = d.shown(api, agent, request_id)
    assert (state["status"], state["resolution"], state["refund_amount"]) == ("resolved", "dismissed", "0.00EUR")
    d.assert_books(agent, worker, **PAID)
    assert "dispute_refund" not in d.dispute_transfers(request_id)
    earning = d.earning(request_id)
    assert (earning.amount_cents, earning.frozen, earning.status) == (d.REWARD, False, EarningStatus.pending)
    assert d.release_earnings() == 0

    # when the settlement hold (7 days after completion) is over
    clock.freeze(w.T0 + timedelta(days=7))
    assert d.release_earnings() == 1

    # then the reward is available
    assert (w.pending_cents(worker.user_id), w.available_cents(worker.user_id)) == (0, d.REWARD)
    assert d.earning(request_id).status == EarningStatus.available
    d.assert_books(agent, worker, company=d.FUNDED - d.PRICE, pending=0, revenue=d.FEE)


def test_a_frozen_earning_is_not_released_while_its_dispute_runs(api, agent, worker):
    # given a dispute appealed to a specialist (no jurors exist) that nobody rules on for 8 days
    request_id, _body = d.disputed(api, agent, worker)
    d.ok(d.appeal_as_company(api, agent, request_id))
    clock.freeze(w.T0 + timedelta(days=8))

    # when the settlement sweep runs after the 7-day hold
    assert d.release_earnings() == 0

    # then the reward stays in pending
    assert d.earning(request_id).status == EarningStatus.pending
    d.assert_books(agent, worker, **PAID)
    assert w.available_cents(worker.user_id) == 0


# ------------------------------------------------------------------------------------------ jury

@pytest.mark.parametrize(("votes", "result", "resolution", "balances"), [
    (["for_company", "for_operator", "for_company"], "for_company", "full_refund", REFUNDED),
    (["for_operator", "for_company", "for_operator"], "for_operator", "dismissed", PAID),
], ids=["2-1-for-the-company", "2-1-for-the-operator"])
def test_an_appeal_goes_to_a_jury_whose_majority_rules_and_becomes_final(api, agent, worker, votes, result,
                                                                          resolution, balances):
    # given a tier 0 ruling for the operator, and three other verified operators with the skill
    jurors = w.make_operators(count=3)
    request_id, body = d.disputed(api, agent, worker)
    dispute_id = body["dispute_id"]

    # when the company appeals
    clock.advance(d.HOUR)
    appealed = d.ok(d.appeal_as_company(api, agent, request_id, "The answer never checks compliance"))

    # then the jury sits: exactly the three, never the worker
    assert (appealed["status"], appealed["current_tier"], appealed["appeal_instructions"]) == (
        "jury_review", 1, None)
    assert appealed["deadline_at"] == "2026-03-04T11:00:00Z"
    assert d.seated(dispute_id) == {juror.user_id: "active" for juror in jurors}
    (escalation,) = appealed["escalation_history"]
    assert escalation == {"from_tier": 0, "to_tier": 1, "requested_by_type": "company",
                          "reason": "The answer never checks compliance", "created_at": "2026-03-02T11:00:00Z"}

    # when the jurors vote (each sees the case without the parties' names)
    case = d.ok(api.get("/v1/operator/jury", headers=jurors[0].headers()))["data"]
    assert [(item["dispute_id"], item["status"], item["my_vote"]) for item in case] == [
        (dispute_id, "jury_review", None)]
    assert "company_id" not in case[0] and "operator_id" not in case[0]
    for juror, choice in zip(jurors[:2], votes[:2], strict=True):
        assert d.ok(d.vote(api, juror, dispute_id, choice, "Read it twice"))["status"] == "jury_review"
    third = d.ok(d.vote(api, jurors[2], dispute_id, votes[2]))

    # then the majority rules and the ruling awaits appeal for 48 h
    assert third["status"] == "awaiting_appeal"
    state = d.shown(api, agent, request_id)
    assert (state["jury_result"], state["ruling"], state["current_tier"], state["ai_ruling"]) == (
        result, result, 1, "for_operator")
    assert state["appeal_instructions"] and state["deadline_at"] == "2026-03-04T11:00:00Z"
    d.assert_books(agent, worker, **PAID)

    # when nobody appeals within 48 h
    clock.advance(d.APPEAL_WINDOW)
    assert d.sweep() == 1

    # then the jury's ruling is final
    state = d.shown(api, agent, request_id)
    assert (state["status"], state["resolution"]) == ("resolved", resolution)
    d.assert_books(agent, worker, **balances)
    assert d.dispute_events(request_id) == ["dispute.opened", "dispute.ruling", "dispute.appealed",
                                            "dispute.ruling", "dispute.resolved"]


def test_the_jury_excludes_the_worker_anyone_assigned_and_unverified_operators(api, agent):
    # given operator A took the request and timed out; B then did the work
    first, worker = w.make_operator(), w.make_operator()
    w.make_operator(verified=False)
    w.make_operator(verified=False, skills=("translation",))
    eligible = [w.make_operator(skills=("translation",)), *w.make_operators(count=2)]
    request_id = w.create(agent)["id"]
    w.accept(first, request_id)
    clock.advance(timedelta(minutes=23))
    assert w.in_unit(timers.enforce_work_window) == 1
    w.accept(worker, request_id)
    assert w.submit(worker, request_id)["status"] == "completed"
    clock.advance(d.HOUR)
    body = d.open_dispute(api, agent, request_id)

    # when appealed to a jury
    d.ok(d.appeal_as_company(api, agent, request_id))

    # then only the three verified, uninvolved operators sit (two with the skill, one without)
    assert set(d.seated(body["dispute_id"])) == {juror.user_id for juror in eligible}


def test_too_few_eligible_jurors_sends_the_appeal_straight_to_a_specialist(api, agent, worker):
    # given only two other verified operators
    w.make_operators(count=2)
    request_id, body = d.disputed(api, agent, worker)

    # when appealed
    state = d.ok(d.appeal_as_company(api, agent, request_id))

    # then a specialist has it (72 h), and the history says why
    assert (state["status"], state["current_tier"]) == ("specialist_review", 2)
    assert state["deadline_at"] == "2026-03-05T10:00:00Z"
    assert [(item["from_tier"], item["to_tier"], item["requested_by_type"]) for item in
            state["escalation_history"]] == [(0, 1, "company"), (1, 2, "system")]
    assert state["escalation_history"][1]["reason"] == "fewer than 3 verified operators uninvolved in the request"
    assert d.seated(body["dispute_id"]) == {}
    d.assert_books(agent, worker, **PAID)


def test_a_jury_that_does_not_vote_is_replaced_once_then_escalated_to_a_specialist(api, agent, worker):
    # given six eligible operators; three sit on the jury and one votes
    pool = w.make_operators(count=6)
    request_id, body = d.disputed(api, agent, worker)
    dispute_id = body["dispute_id"]
    d.ok(d.appeal_as_company(api, agent, request_id))
    first = d.active_jurors(dispute_id, pool)
    d.ok(d.vote(api, first[0], dispute_id, "for_company"))

    # when the 48 h vote window passes
    clock.advance(d.JURY_WINDOW)
    assert d.sweep() == 1

    # then the two who did not vote are replaced, the voter keeps the seat, 48 h more
    seats = d.seated(dispute_id)
    assert [seats[juror.user_id] for juror in first] == ["active", "replaced", "replaced"]
    second = d.active_jurors(dispute_id, pool)
    assert len(second) == 3 and first[0] in second
    state = d.shown(api, agent, request_id)
    assert (state["status"], state["deadline_at"]) == ("jury_review", "2026-03-06T10:00:00Z")
    assert d.step_kinds(dispute_id)[-1] == "jurors_replaced"
    # a replaced juror can no longer vote
    before = w.snapshot()
    assert_error(d.vote(api, first[1], dispute_id, "for_operator"), status=404, code="not_found")
    w.assert_nothing_changed(before)

    # when the replacements do not vote either
    clock.advance(d.JURY_WINDOW)
    assert d.sweep() == 1

    # then a specialist takes it (72 h) and no juror is replaced a second time
    state = d.shown(api, agent, request_id)
    assert (state["status"], state["current_tier"], state["deadline_at"]) == (
        "specialist_review", 2, "2026-03-09T10:00:00Z")
    assert [(item["from_tier"], item["to_tier"], item["requested_by_type"], item["reason"])
            for item in state["escalation_history"]] == [
        (0, 1, "company", "Please look again"), (1, 2, "system", "the jury did not complete its vote")]
    assert sorted(d.seated(dispute_id).values()) == ["active"] * 3 + ["replaced"] * 2
    d.assert_books(agent, worker, **PAID)


def test_replacement_jurors_who_vote_complete_the_ruling(api, agent, worker):
    # given a jury whose three members did not vote in 48 h, replaced by three others
    pool = w.make_operators(count=6)
    request_id, body = d.disputed(api, agent, worker)
    dispute_id = body["dispute_id"]
    d.ok(d.appeal_as_company(api, agent, request_id))
    first = d.active_jurors(dispute_id, pool)
    clock.advance(d.JURY_WINDOW)
    assert d.sweep() == 1
    second = d.active_jurors(dispute_id, pool)
    assert set(second).isdisjoint(first) and len(second) == 3

    # when the replacements vote 2:1 for the company
    for juror, choice in zip(second, ["for_company", "for_operator", "for_company"], strict=True):
        d.ok(d.vote(api, juror, dispute_id, choice))

    # then the jury has ruled, and the ruling becomes final 48 h later
    state = d.shown(api, agent, request_id)
    assert (state["status"], state["jury_result"], state["current_tier"]) == ("awaiting_appeal", "for_company", 1)
    clock.advance(d.APPEAL_WINDOW)
    assert d.sweep() == 1
    assert d.shown(api, agent, request_id)["resolution"] == "full_refund"
    d.assert_books(agent, worker, **REFUNDED)


def test_a_late_jury_with_no_one_left_to_replace_it_goes_to_a_specialist_at_once(api, agent, worker):
    # given exactly three eligible operators, none of whom votes
    w.make_operators(count=3)
    request_id, _ = d.disputed(api, agent, worker)
    d.ok(d.appeal_as_company(api, agent, request_id))

    # when the vote window passes
    clock.advance(d.JURY_WINDOW)
    assert d.sweep() == 1

    # then there is nobody to seat: a specialist has it
    assert d.shown(api, agent, request_id)["status"] == "specialist_review"
    d.assert_books(agent, worker, **PAID)


# ------------------------------------------------------------------------------------------ staff

def _at_specialist(api, agent, worker) -> tuple[str, str]:
    """A dispute appealed by the company with no jurors available: a specialist has it."""
    request_id, body = d.disputed(api, agent, worker)
    assert d.ok(d.appeal_as_company(api, agent, request_id))["status"] == "specialist_review"
    return request_id, body["dispute_id"]


def test_a_specialist_split_appealed_to_the_board_whose_ruling_is_final(api, agent, worker):
    # given a dispute at the specialist; staff see it in their tier-2 queue
    request_id, dispute_id = _at_specialist(api, agent, worker)
    staff = w.staff_headers()
    queue = d.ok(api.get("/v1/admin/disputes?tier=2", headers=staff))["data"]
    assert [item["dispute_id"] for item in queue] == [dispute_id]
    assert d.ok(api.get("/v1/admin/disputes?tier=3", headers=staff))["data"] == []

    # when the specialist rules a split of 8.00 EUR
    clock.advance(d.HOUR)
    ruled = d.ok(d.staff_rule(api, staff, dispute_id, "split", "8.00EUR", "Half the clauses were checked"))

    # then it awaits appeal for 48 h; no money has moved yet
    assert (ruled["status"], ruled["ruling"], ruled["ruling_refund_amount"], ruled["current_tier"]) == (
        "awaiting_appeal", "split", "8.00EUR", 2)
    d.assert_books(agent, worker, **PAID)

    # when the operator appeals, the board has it for 5 business days (Monday 11:00 → next Monday)
    board = d.ok(d.appeal_as_operator(api, worker, dispute_id, "All clauses were checked"))
    assert (board["status"], board["current_tier"], board["deadline_at"]) == (
        "board_review", 3, "2026-03-09T11:00:00Z")
    assert [item["dispute_id"] for item in d.ok(api.get("/v1/admin/disputes?tier=3", headers=staff))["data"]] == [
        dispute_id]

    # when the board rules the same split
    final = d.ok(d.staff_rule(api, staff, dispute_id, "split", "8.00EUR", "Upheld"))

    # then resolved at once, refund from the reward and the fee in proportion
    assert (final["status"], final["resolution"], final["refund_amount"], final["appeal_instructions"]) == (
        "resolved", "split", "8.00EUR", None)
    d.assert_books(agent, worker, **SPLIT)
    earning = d.earning(request_id)
    assert (earning.amount_cents, earning.frozen, earning.status) == (d.REWARD - 656, False, EarningStatus.pending)
    assert [(item["from_tier"], item["to_tier"], item["requested_by_type"]) for item in
            final["escalation_history"]] == [(0, 1, "company"), (1, 2, "system"), (2, 3, "operator")]
    assert d.dispute_events(request_id) == [
        "dispute.opened", "dispute.ruling", "dispute.appealed", "dispute.ruling", "dispute.appealed",
        "dispute.ruling", "dispute.resolved"]

    # and nothing can appeal, rule or sweep it again
    before = w.snapshot()
    assert_error(d.appeal_as_company(api, agent, request_id), status=409, code="invalid_state")
    assert_error(d.appeal_as_operator(api, worker, dispute_id), status=409, code="invalid_state")
    assert_error(d.staff_rule(api, staff, dispute_id, "for_company"), status=409, code="invalid_state")
    clock.advance(timedelta(days=30))
    assert d.sweep() == 0
    w.assert_nothing_changed(before)


@pytest.mark.parametrize(("ruling", "refund", "resolution", "balances"), [
    ("for_company", None, "full_refund", REFUNDED), ("for_operator", None, "dismissed", PAID),
])
def test_a_board_ruling_for_one_side_is_final(api, agent, worker, ruling, refund, resolution, balances):
    _request_id, dispute_id = _at_specialist(api, agent, worker)
    staff = w.staff_headers()
    d.ok(d.staff_rule(api, staff, dispute_id, "split", "8.00EUR"))
    d.ok(d.appeal_as_operator(api, worker, dispute_id))

    final = d.ok(d.staff_rule(api, staff, dispute_id, ruling, refund))

    assert (final["status"], final["resolution"]) == ("resolved", resolution)
    d.assert_books(agent, worker, **balances)


def test_an_unappealed_specialist_split_becomes_final(api, agent, worker):
    request_id, dispute_id = _at_specialist(api, agent, worker)
    d.ok(d.staff_rule(api, w.staff_headers(), dispute_id, "split", "8.00EUR"))

    clock.advance(d.APPEAL_WINDOW)
    assert d.sweep() == 1

    assert d.shown(api, agent, request_id)["resolution"] == "split"
    d.assert_books(agent, worker, **SPLIT)


def test_a_silent_specialist_escalates_to_the_board_and_a_silent_board_lets_the_last_ruling_stand(
        api, agent, worker):
    # given a dispute at the specialist since Monday 10:00 (tier 0 ruled for the operator)
    request_id, _dispute_id = _at_specialist(api, agent, worker)

    # when 72 h pass without a ruling
    clock.advance(d.SPECIALIST_WINDOW - timedelta(seconds=1))
    assert d.sweep() == 0
    clock.advance(timedelta(seconds=1))
    assert d.sweep() == 1

    # then the board has it: Thursday 10:00 + 5 business days = the next Thursday
    state = d.shown(api, agent, request_id)
    assert (state["status"], state["current_tier"], state["deadline_at"]) == (
        "board_review", 3, "2026-03-12T10:00:00Z")
    assert state["escalation_history"][-1]["reason"] == "the specialist did not rule within 72 hours"

    # when the board is silent for 5 business days
    clock.freeze(datetime(2026, 3, 12, 10, 0, tzinfo=UTC))
    assert d.sweep() == 1

    # then tier 0's ruling (for the operator) stands: dismissed
    state = d.shown(api, agent, request_id)
    assert (state["status"], state["resolution"]) == ("resolved", "dismissed")
    d.assert_books(agent, worker, **PAID)


def test_a_silent_board_lets_the_specialists_split_stand(api, agent, worker):
    request_id, dispute_id = _at_specialist(api, agent, worker)
    d.ok(d.staff_rule(api, w.staff_headers(), dispute_id, "split", "8.00EUR"))
    d.ok(d.appeal_as_company(api, agent, request_id))

    clock.advance(timedelta(days=7))
    assert d.sweep() == 1

    state = d.shown(api, agent, request_id)
    assert (state["resolution"], state["refund_amount"]) == ("split", "8.00EUR")
    d.assert_books(agent, worker, **SPLIT)


@pytest.mark.parametrize(("start", "end"), [
    (datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 9, 9, tzinfo=UTC)),  # Monday → Monday
    (datetime(2026, 3, 6, 9, tzinfo=UTC), datetime(2026, 3, 13, 9, tzinfo=UTC)),  # Friday → Friday
    (datetime(2026, 3, 7, 9, tzinfo=UTC), datetime(2026, 3, 13, 9, tzinfo=UTC)),  # Saturday → Friday
    (datetime(2026, 3, 8, 9, tzinfo=UTC), datetime(2026, 3, 13, 9, tzinfo=UTC)),  # Sunday → Friday
])
def test_five_business_days_skip_the_weekend(start, end):
    assert add_business_days(start, 5) == end


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"ruling": "split", "reasoning": "no amount"}, 422, "validation_error"),
    ({"ruling": "split", "refund": "20.00EUR", "reasoning": "the whole price"}, 422, "validation_error"),
    ({"ruling": "split", "refund": "0.00EUR", "reasoning": "nothing"}, 422, "validation_error"),
    ({"ruling": "split", "refund": "8.00USD", "reasoning": "wrong currency"}, 422, "validation_error"),
    ({"ruling": "half", "reasoning": "?"}, 422, "validation_error"),
    ({"ruling": "for_company"}, 422, "validation_error"),
    ({"ruling": "for_company", "reasoning": "x" * 1001}, 422, "validation_error"),
], ids=["split-without-amount", "split-of-all", "split-of-nothing", "currency", "unknown-ruling",
        "no-reasoning", "long-reasoning"])
def test_a_bad_staff_ruling_is_refused_and_changes_nothing(api, agent, worker, body, status, code):
    _request_id, dispute_id = _at_specialist(api, agent, worker)
    staff = w.staff_headers()
    before = w.snapshot()

    response = api.post(f"/v1/admin/disputes/{dispute_id}/ruling", json=body, headers=staff)

    assert_error(response, status=status, code=code)
    assert d.row(dispute_id)["status"] == "specialist_review"
    w.assert_nothing_changed(before)


def test_an_appeal_after_the_48_hour_window_is_refused(api, agent, worker):
    request_id, body = d.disputed(api, agent, worker)
    clock.advance(d.APPEAL_WINDOW)
    before = w.snapshot()

    assert_error(d.appeal_as_company(api, agent, request_id), status=409, code="invalid_state")
    assert_error(d.appeal_as_operator(api, worker, body["dispute_id"]), status=409, code="invalid_state")
    w.assert_nothing_changed(before)


def test_the_operators_statement_is_shown_to_the_jury(api, agent, worker):
    jurors = w.make_operators(count=3)
    request_id, body = d.disputed(api, agent, worker)
    stated = d.ok(api.post(f"/v1/operator/disputes/{body['dispute_id']}/statement",
                           json={"reason": "I checked clause 4.2 against the Estatuto"}, headers=worker.headers()))
    assert stated["operator_statement"] == "I checked clause 4.2 against the Estatuto"

    d.ok(d.appeal_as_company(api, agent, request_id))

    (case,) = d.ok(api.get("/v1/operator/jury", headers=jurors[0].headers()))["data"]
    assert case["operator_statement"] == "I checked clause 4.2 against the Estatuto"
    assert case["company_statement"] == d.OVERRULED
