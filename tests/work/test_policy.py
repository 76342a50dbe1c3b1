"""The information policy in every field an operator reads through the work service (the functions
the API and the dashboard both call): the feed, one request before and after accepting, "my work"
and a dispute's headline. Sandboxed details reach the assignee only, and each time is logged."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import NotFound
from marketplace_app.work import service as work
from marketplace_app.work import timers
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import agent_text as text
from tests.work import helpers as w


def feed(operator) -> list[dict]:
    with unit_of_work(read_only=True) as session:
        return work.feed(session, operator_id=operator.user_id)


def view(operator, request_id: str) -> dict:
    return w.in_unit(lambda session: work.view(session, operator_id=operator.user_id, request_id=request_id))


def my_work(operator) -> list[dict]:
    return w.in_unit(lambda session: work.my_work(session, operator_id=operator.user_id))


def create(policy: str) -> str:
    agent = w.make_agent(terms=text.TERMS, policy=policy)
    return w.create(agent, **text.request_fields(policy))["id"]


def assert_no_callback(body: dict) -> None:
    assert "callback_url" not in body and text.CALLBACK not in json.dumps(body)


@pytest.mark.parametrize("policy", text.POLICIES)
def test_before_accepting_the_feed_and_the_request_follow_the_policy_in_every_field(policy):
    # given a request whose every text field carries personal data and a redaction term
    operator = w.make_operator()
    request_id = create(policy)

    # when an operator with the skill reads the feed and the request
    (item,) = feed(operator)
    shown = view(operator, request_id)

    # then open shows, redacted masks and sandboxed hides title, location, each proof requirement,
    # the schema and the context alike; the callback never shows; nothing is logged
    assert text.agent_text(item) == text.agent_text(shown) == text.BEFORE_ACCEPT[policy]
    assert (item["request_id"], item["skill"], item["reward_cents"]) == (request_id, "legal_review", w.REWARD_CENTS)
    assert ("notice" in item) == (policy == "sandboxed")
    assert_no_callback(item)
    assert_no_callback(shown)
    assert text.context_views(request_id) == 0


@pytest.mark.parametrize("policy", text.POLICIES)
def test_after_accepting_only_the_assignee_sees_every_field_and_sandboxed_views_are_logged(policy):
    # given a request accepted by one operator, and another operator with the skill
    assignee, other = w.make_operators(count=2)
    request_id = create(policy)
    w.accept(assignee, request_id)

    # when the assignee reads the request and their work
    shown = view(assignee, request_id)
    (item,) = my_work(assignee)

    # then they see the agent's words as the policy shows them to the assignee (redacted stays
    # masked), and each sandboxed view is logged
    assert text.agent_text(shown) == text.agent_text(item) == text.AFTER_ACCEPT[policy]
    assert "notice" not in shown
    assert_no_callback(shown)
    assert_no_callback(item)
    assert text.context_views(request_id) == (2 if policy == "sandboxed" else 0)

    # and the other operator sees none of it
    assert feed(other) == []
    with pytest.raises(NotFound):
        view(other, request_id)
    assert my_work(other) == []


@pytest.mark.parametrize("policy", text.POLICIES)
def test_an_operator_who_timed_out_sees_the_request_as_any_other_operator_again(policy):
    # given a request whose operator let the work window pass, so it is matching again
    clock.freeze(w.T0)
    former = w.make_operator()
    request_id = create(policy)
    w.accept(former, request_id)
    clock.advance(timedelta(hours=1))
    assert w.in_unit(timers.enforce_work_window) == 1

    # when they read their work and the request
    (item,) = my_work(former)
    shown = view(former, request_id)

    # then the policy applies to them as to anyone who is not assigned; nothing more is logged
    assert item["outcome"] == "timed_out"
    assert text.agent_text(item) == text.agent_text(shown) == text.BEFORE_ACCEPT[policy]
    assert text.context_views(request_id) == 0
    assert_ledger_balanced()


@pytest.mark.parametrize("policy", text.POLICIES)
def test_briefs_name_a_request_for_its_assignee_only(policy):
    # given an accepted request and an operator who never took it
    assignee, stranger = w.make_operators(count=2)
    request_id = create(policy)
    w.accept(assignee, request_id)

    # when each asks for the brief of the request (as their dispute list does)
    def briefs(operator) -> dict:
        return w.in_unit(lambda session: work.briefs(session, operator_id=operator.user_id, request_ids=[request_id]))

    mine, theirs = briefs(assignee), briefs(stranger)

    # then the assignee sees the words (logged when sandboxed); anyone else gets nothing
    assert text.agent_text(mine[request_id]) == text.AFTER_ACCEPT[policy]
    assert theirs == {}
    assert text.context_views(request_id) == (1 if policy == "sandboxed" else 0)
