"""Who sits on a peer jury: verified operators uninvolved in the request, those with the request's
skill first, the other seats filled from verified operators without it; no jury (a specialist
instead) only when fewer verified uninvolved operators exist than the jury has seats."""

from __future__ import annotations

from marketplace_app.core import clock
from marketplace_app.settings import get_settings
from tests.disputes import helpers as d
from tests.work import helpers as w

PAID = {"company": d.FUNDED - d.PRICE, "pending": d.REWARD, "revenue": d.FEE}
OTHER_SKILL = ("translation",)


def test_a_jury_fills_its_last_seat_from_a_verified_operator_without_the_skill(api, agent, worker):
    # given two verified operators with the request's skill, one without it, and one unverified
    skilled = w.make_operators(count=2)
    unskilled = w.make_operator(skills=OTHER_SKILL)
    w.make_operator(verified=False)
    request_id, body = d.disputed(api, agent, worker)

    # when the company appeals
    state = d.ok(d.appeal_as_company(api, agent, request_id))

    # then the jury sits: both skilled operators and the unskilled one, never the worker
    assert (state["status"], state["current_tier"]) == ("jury_review", 1)
    assert d.seated(body["dispute_id"]) == {juror.user_id: "active" for juror in [*skilled, unskilled]}
    d.assert_books(agent, worker, **PAID)


def test_a_jury_seats_only_skilled_operators_when_enough_exist(api, agent, worker):
    # given five skilled and three unskilled verified operators
    skilled = w.make_operators(count=5)
    w.make_operators(count=3, skills=OTHER_SKILL)
    request_id, body = d.disputed(api, agent, worker)

    # when the company appeals
    d.ok(d.appeal_as_company(api, agent, request_id))

    # then all three seats go to operators with the skill
    seats = d.seated(body["dispute_id"])
    assert len(seats) == get_settings().jury_size
    assert set(seats) <= {juror.user_id for juror in skilled}


def test_two_verified_uninvolved_operators_are_too_few_for_a_jury(api, agent, worker):
    # given one skilled and one unskilled verified operator (and unverified ones, who never count)
    w.make_operator()
    w.make_operator(skills=OTHER_SKILL)
    w.make_operators(count=2, verified=False)
    request_id, body = d.disputed(api, agent, worker)

    # when the company appeals
    state = d.ok(d.appeal_as_company(api, agent, request_id))

    # then a specialist has it, and the history says why in words from the settings
    assert (state["status"], state["current_tier"]) == ("specialist_review", 2)
    assert state["escalation_history"][1]["reason"] == (
        f"fewer than {get_settings().jury_size} verified operators uninvolved in the request")
    assert d.seated(body["dispute_id"]) == {}
    d.assert_books(agent, worker, **PAID)


def test_jurors_who_do_not_vote_are_replaced_by_unskilled_operators_when_no_skilled_one_is_left(
        api, agent, worker):
    # given three skilled and three unskilled verified operators; the skilled ones sit
    skilled = w.make_operators(count=3)
    unskilled = w.make_operators(count=3, skills=OTHER_SKILL)
    request_id, body = d.disputed(api, agent, worker)
    dispute_id = body["dispute_id"]
    d.ok(d.appeal_as_company(api, agent, request_id))
    assert set(d.seated(dispute_id)) == {juror.user_id for juror in skilled}

    # when none of them votes within the window
    clock.advance(d.JURY_WINDOW)
    assert d.sweep() == 1

    # then the unskilled operators replace them, and their votes rule
    assert d.active_jurors(dispute_id, skilled + unskilled) == unskilled
    for juror, choice in zip(unskilled, ["for_operator", "for_operator", "for_company"], strict=True):
        d.ok(d.vote(api, juror, dispute_id, choice))
    assert d.shown(api, agent, request_id)["jury_result"] == "for_operator"
    d.assert_books(agent, worker, **PAID)
