"""The operator dashboard's readers, without a browser: the feed cards, the task page, the dispute
list and the jury page show only what the work service returns under the information policy."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlalchemy import update

from marketplace_app.core.db import unit_of_work
from marketplace_app.earnings.models import Earning
from marketplace_app.ui.state import operator_disputes, operator_earnings, operator_work
from tests.requests import agent_text as text
from tests.work import helpers as w

BLANK = {"title": "", "context": "", "location": ""}


def shown_in_card(card: dict[str, str]) -> dict[str, str]:
    return {name: card[name] for name in ("title", "context", "location")}


def written_in_card(fields: dict) -> dict[str, str]:
    return {name: fields[name] or "" for name in ("title", "context", "location")}


def read_task(operator, request_id: str) -> dict:
    return w.in_unit(lambda session: operator_work.read_task(session, operator_id=operator.user_id,
                                                             request_id=request_id))


@pytest.mark.parametrize("policy", text.POLICIES)
def test_the_feed_cards_and_the_task_page_follow_the_policy_until_the_task_is_theirs(policy):
    # given a request whose every text field carries personal data and a redaction term
    operator = w.make_operator()
    request_id = w.create(w.make_agent(terms=text.TERMS, policy=policy), **text.request_fields(policy))["id"]
    before = text.BEFORE_ACCEPT[policy]

    # when the operator opens the feed and the task page
    (card,) = w.in_unit(lambda session: operator_work.read_feed(session, operator_id=operator.user_id))
    page = read_task(operator, request_id)

    # then both show what the policy allows, nothing more
    assert shown_in_card(card) == shown_in_card(page["task"]) == written_in_card(before)
    assert page["proof"] == (before["proof_requirements"] or [])
    assert card["proof_count"] == str(len(before["proof_requirements"] or []))
    if policy != "open":
        assert not any(secret in json.dumps([card, page]) for secret in text.SECRETS)

    # when they accept and hand in an answer
    w.accept(operator, request_id)
    w.submit(operator, request_id, answer=("Photo attached; signed copy checked", "high"))
    page = read_task(operator, request_id)

    # then the page shows the task as the policy shows it to the assignee, and their result
    after = text.AFTER_ACCEPT[policy]
    assert shown_in_card(page["task"]) == written_in_card(after)
    assert page["proof"] == after["proof_requirements"] and page["mine"]
    assert page["result"]["answer"] == "Photo attached; signed copy checked"
    assert text.context_views(request_id) == (1 if policy == "sandboxed" else 0)


@pytest.mark.parametrize("policy", text.POLICIES)
def test_the_dispute_list_names_the_task_for_its_worker_and_the_jury_page_follows_the_policy(policy):
    # given a request that failed verification, appealed by its worker to a jury
    worker = w.make_operator()
    jurors = w.make_operators(count=3)
    request_id = w.create(w.make_agent(terms=text.TERMS, policy=policy), **text.request_fields(policy))["id"]
    w.accept(worker, request_id)
    assert w.submit(worker, request_id, answer=w.BAD)["status"] == "disputed"
    (mine,) = w.in_unit(lambda session: operator_disputes.my_disputes(session, operator_id=worker.user_id))
    w.in_unit(lambda session: operator_disputes.act(session, operator_id=worker.user_id, dispute_id=mine.id,
                                                    action="appeal", text="The work was right"))

    # when a juror opens the jury page
    (case,) = w.in_unit(lambda session: operator_disputes.jury_cases(session, juror_id=jurors[0].user_id))

    # then the worker's list named the task (a logged view when sandboxed), and the juror sees the
    # brief as any operator who is not assigned would: the notice when it is sandboxed
    assert mine.title == text.AFTER_ACCEPT[policy]["title"]
    assert text.context_views(request_id) == (1 if policy == "sandboxed" else 0)
    before = text.BEFORE_ACCEPT[policy]
    assert case.context == (before["context"] or "Sandboxed: the task's details are shown to the operator "
                                                     "who accepts it")
    assert case.proof_requirements == ", ".join(before["proof_requirements"] or [])
    if policy != "open":
        assert not any(secret in json.dumps(dataclasses.asdict(case)) for secret in text.SECRETS)


def test_the_earnings_page_disables_the_payout_form_below_the_minimum_and_says_how_to_earn():
    # given a new operator with nothing earned
    operator = w.make_operator()

    # when the earnings page reads
    empty = w.in_unit(lambda session: operator_earnings.earnings_snapshot(session, operator_id=operator.user_id))

    # then the form is off with its reason, the chart is empty (its unit is the currency), payouts' route is said
    assert not empty["payout_allowed"] and empty["payout_refusal"].startswith("You can request a payout once")
    assert empty["chart_empty"] and empty["currency"] == "EUR"
    assert empty["payout_destination"].startswith("Handoff staff send payouts by bank transfer within 5")

    # when 10.00 EUR is available, the form is on
    w.give_available(operator.user_id, cents=1_000)
    ready = w.in_unit(lambda session: operator_earnings.earnings_snapshot(session, operator_id=operator.user_id))
    assert ready["payout_allowed"] and ready["payout_refusal"] == ""


def test_a_pending_earning_frozen_by_a_dispute_is_a_real_boolean_on_the_earnings_page():
    # given two completed tasks, one of whose earnings a dispute has frozen
    agent = w.make_agent(funded_cents=100_000)
    operator = w.make_operator()
    kept = w.completed_request(agent, operator)
    disputed = w.completed_request(agent, operator)
    with unit_of_work() as session:
        session.execute(update(Earning).where(Earning.request_id == disputed).values(frozen=True))

    # when the earnings page reads
    snapshot = w.in_unit(lambda session: operator_earnings.earnings_snapshot(session, operator_id=operator.user_id))

    # then each row says frozen or not as a boolean, not as "yes" / ""
    frozen = {item.request_id: item.frozen for item in snapshot["items"]}
    assert frozen == {kept: False, disputed: True}
