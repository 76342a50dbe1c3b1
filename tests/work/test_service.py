"""The operator's side at service level: who may work, the feed (skills, order, policy), one
request's view, accept and its refusals, submit's guards, and "my work"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace_app.companies.models import KeyMode
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Expired, Forbidden, InvalidState, NotFound
from marketplace_app.requests import expiry
from marketplace_app.requests import service as requests
from marketplace_app.work import service as work
from marketplace_app.work.models import WorkAssignment
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import helpers as rh
from tests.work import helpers as w


@pytest.fixture
def agent():
    return w.make_agent()


def feed(operator) -> list[dict]:
    with unit_of_work(read_only=True) as session:
        return work.feed(session, operator_id=operator.user_id)


def view(operator, request_id: str) -> dict:
    return w.in_unit(lambda session: work.view(session, operator_id=operator.user_id, request_id=request_id))


def my_work(operator) -> list[dict]:
    with unit_of_work(read_only=True) as session:
        return work.my_work(session, operator_id=operator.user_id)


@pytest.mark.parametrize(("options", "reason"), [
    ({"verified": False}, "Complete identity verification"),
    ({"available": False}, "Switch your availability on"),
])
def test_only_verified_available_operators_see_the_feed_or_accept(agent, options, reason):
    # given an operator who is not verified or not available, and an open request
    operator = w.make_operator(**options)
    request_id = w.create(agent)["id"]
    before = w.snapshot()

    # when / then the feed, the request and accept are refused with the reason
    for attempt in (lambda: feed(operator), lambda: view(operator, request_id),
                    lambda: w.accept(operator, request_id)):
        with pytest.raises(Forbidden, match=reason):
            attempt()
    assert rh.request_row(request_id)["status"] == "matching"
    w.assert_nothing_changed(before)


def test_the_feed_has_live_matching_requests_of_the_operators_skills_most_urgent_first(agent):
    # given requests of several skills, urgencies and states, and a test-mode one
    clock.freeze(w.T0)
    operator = w.make_operator(skills=("legal_review", "translation"))
    slow = w.create(agent, urgency="30min")["id"]
    clock.advance(timedelta(seconds=1))
    urgent = w.create(agent, urgency="1min")["id"]
    translation = w.create(agent, urgency="15min", skill="translation")["id"]
    w.create(agent, skill="research")
    taken = w.create(agent)["id"]
    w.accept(w.make_operator(), taken)
    tester = w.make_agent(company_name="Tester")
    test_key = rh.add_key(tester, mode=KeyMode.test)
    w.create(test_key)

    # when
    shown = feed(operator)

    # then only the live, matching, matching-skill requests, by match deadline
    assert [item["request_id"] for item in shown] == [urgent, translation, slow]
    assert shown[0]["expires_at"] == clock.isoformat(w.T0 + timedelta(seconds=1 + 60 + 30))


def test_an_operator_without_skills_sees_nothing(agent):
    operator = w.make_operator(skills=())
    w.create(agent)
    assert feed(operator) == []


def test_a_request_past_its_match_window_leaves_the_feed_before_the_sweep(agent):
    # given
    clock.freeze(w.T0)
    operator = w.make_operator()
    w.create(agent, urgency="1min")

    # when / then
    clock.advance(timedelta(seconds=89))
    assert len(feed(operator)) == 1
    clock.advance(timedelta(seconds=1))
    assert feed(operator) == []


def test_redaction_terms_and_personal_data_are_masked_in_the_feed():
    # given a redacted project with a codename on its list
    agent = w.make_agent(terms=("Project Falcon",))
    operator = w.make_operator()
    w.create(agent, context="Project Falcon: call +34 612 345 678, mail ana@example.es, IBAN ES91 2100 0418 4502 "
                            "0005 1332", title="Falcon NDA for ana@example.es")

    # when
    (item,) = feed(operator)

    # then
    assert item["context"] == ("[name redacted]: call [phone redacted], mail [email redacted], IBAN [iban redacted]")
    assert item["title"] == "Falcon NDA for [email redacted]"


def test_view_hides_requests_of_other_skills_and_other_operators_work(agent):
    # given a research request and a request another operator took
    operator = w.make_operator()
    research = w.create(agent, skill="research")["id"]
    taken = w.create(agent)["id"]
    w.accept(w.make_operator(), taken)

    # when / then
    for request_id in (research, taken, "req_000000000000"):
        with pytest.raises(NotFound):
            view(operator, request_id)


def test_accept_refuses_a_skill_the_operator_lacks_and_unknown_or_test_requests(agent):
    # given
    operator = w.make_operator(skills=("translation",))
    legal = w.create(agent)["id"]
    test_key = rh.add_key(agent, mode=KeyMode.test)
    simulated = w.create(test_key, skill="translation")["id"]
    before = w.snapshot()

    # when / then
    with pytest.raises(Forbidden, match="needs the skill legal_review"):
        w.accept(operator, legal)
    for request_id in (simulated, "req_000000000000"):
        with pytest.raises(NotFound):
            w.accept(operator, request_id)
    w.assert_nothing_changed(before)


def test_accept_after_the_match_window_is_410_expired_before_and_after_the_sweep(agent):
    # given a request whose window passed
    clock.freeze(w.T0)
    operator = w.make_operator()
    request_id = w.create(agent, urgency="1min")["id"]
    clock.advance(timedelta(seconds=90))
    before = w.snapshot()

    # when / then: refused as expired, and nothing written by the refusal
    with pytest.raises(Expired):
        w.accept(operator, request_id)
    w.assert_nothing_changed(before)

    # and after the sweep expired and refunded it, still 410
    assert w.in_unit(expiry.expire_unmatched) == 1
    with pytest.raises(Expired):
        w.accept(operator, request_id)
    assert rh.refunds_per_request() == {request_id: 1}
    assert_ledger_balanced()


def test_a_second_accept_is_invalid_state_409(agent):
    # given
    first, second = w.make_operators(count=2)
    request_id = w.create(agent)["id"]
    w.accept(first, request_id)

    # when / then
    for operator in (second, first):
        with pytest.raises(InvalidState) as caught:
            w.accept(operator, request_id)
        assert caught.value.status == 409
    assert w.count(WorkAssignment) == 1


def test_submit_is_only_for_the_assigned_operator_while_in_progress(agent):
    # given a request the first operator took, and one still matching
    owner, stranger = w.make_operators(count=2)
    taken = w.create(agent)["id"]
    w.accept(owner, taken)
    open_request = w.create(agent)["id"]
    before = w.snapshot()

    # when / then another operator's or an unaccepted request is not found
    for operator, request_id in ((stranger, taken), (owner, open_request), (owner, "req_000000000000")):
        with pytest.raises(NotFound):
            w.submit(operator, request_id)
    w.assert_nothing_changed(before)

    # and a second submit of finished work is refused as invalid_state
    w.submit(owner, taken)
    with pytest.raises(InvalidState):
        w.submit(owner, taken)


def test_submit_refuses_another_operators_upload(agent, monkeypatch, tmp_path):
    # given two operators, one with a proof upload, and work of the other
    w.use_tmp_storage(monkeypatch, tmp_path)
    owner, other = w.make_operators(count=2)
    request_id = w.create(agent)["id"]
    w.accept(owner, request_id)
    foreign = w.upload(other)
    kyc_file = w.upload(owner, purpose="kyc_document")
    before = w.snapshot()

    # when / then neither someone else's file nor a KYC document can be proof
    for file_id in (foreign, kyc_file):
        with pytest.raises(NotFound):
            w.submit(owner, request_id, file_ids=(file_id,))
    assert rh.request_row(request_id)["status"] == "in_progress"
    w.assert_nothing_changed(before)


def test_my_work_lists_each_assignment_and_how_it_ended(agent):
    # given one finished, one in progress
    operator = w.make_operator()
    done = w.completed_request(agent, operator)
    working = w.create(agent)["id"]
    w.accept(operator, working)

    # when
    items = {item["request_id"]: item for item in my_work(operator)}

    # then
    assert (items[done]["outcome"], items[done]["status"]) == ("submitted", "completed")
    assert items[done]["result"]["answer"] == w.GOOD_ANSWER and items[done]["ended_at"] is not None
    assert (items[working]["outcome"], items[working]["status"], items[working]["ended_at"]) == (
        "working", "in_progress", None)


def test_an_accepted_request_the_agent_cancels_in_its_grace_ends_the_assignment(agent):
    # given an accepted request
    operator = w.make_operator()
    request_id = w.create(agent)["id"]
    w.accept(operator, request_id)

    # when the agent cancels within two minutes of acceptance
    context = agent.context()
    w.in_unit(lambda session: requests.cancel_request(session, ctx=context, request_id=request_id))

    # then the money is refunded and the operator is told their assignment was cancelled
    assert rh.refunds_per_request() == {request_id: 1}
    (item,) = my_work(operator)
    assert item["status"] == "cancelled"
    assert item["outcome"] == "cancelled", "the assignment still says 'working' after the agent cancelled"
    assert_ledger_balanced()
