"""`operator_view()`: the one function that turns a request row into what an operator may see now.
Every column of `request` is classified (agent text, fact, withheld), every agent text field
follows the policy, the output schema is masked at any depth, and `callback_url` never shows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from marketplace_app.requests.models import Request
from marketplace_app.requests.visibility import (
    AGENT_TEXT_FIELDS,
    FACT_FIELDS,
    SANDBOXED_NOTICE,
    WITHHELD_FIELDS,
    operator_view,
    quoted_text_mask,
    withheld_from_others,
)
from tests.requests.agent_text import (
    CALLBACK,
    EMAIL,
    MASKED,
    REDACTED,
    SECRETS,
    SENSITIVE,
    TERMS,
    WRITTEN,
    agent_text,
    hostile_schema,
)


def request_row(*, policy: str, operator_id: str | None = None) -> dict[str, Any]:
    """Every column of `request`, the agent's words carrying `SENSITIVE` in each text field."""
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    row: dict[str, Any] = dict.fromkeys(Request.__table__.columns.keys())
    row.update(id="req_0123456789ab", status="matching", skill="legal_review", urgency="5min", duration_seconds=900,
               information_policy=policy, max_price_cents=2_000, fee_cents=360, match_deadline_at=moment,
               created_at=moment, operator_id=operator_id, callback_url=CALLBACK,
               callback_secret_sealed="sealed-secret", **WRITTEN)
    return row


def written(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in AGENT_TEXT_FIELDS}


def test_every_column_of_a_request_is_classified_once():
    # given the three lists an operator's view is built from
    classified = [*AGENT_TEXT_FIELDS, *FACT_FIELDS, *WITHHELD_FIELDS]

    # then each column is in exactly one (a new agent field must be added to one of them)
    assert sorted(classified) == sorted(Request.__table__.columns.keys())
    assert {"context", "title", "location", "proof_requirements", "output_schema"} <= set(AGENT_TEXT_FIELDS)
    assert {"callback_url", "callback_secret_sealed"} <= WITHHELD_FIELDS


@pytest.mark.parametrize("policy", ["open", "redacted", "sandboxed", "unheard_of"])
@pytest.mark.parametrize("assigned", [False, True])
def test_the_callback_and_other_withheld_columns_never_reach_an_operator(policy, assigned):
    # when any operator sees a request under any policy
    body = operator_view(request_row(policy=policy), assigned=assigned, terms=TERMS)

    # then only the facts and the agent's text fields are there; never the callback
    assert CALLBACK not in json.dumps(body) and "sealed-secret" not in json.dumps(body)
    assert set(body) <= {"request_id", "status", "skill", "urgency", "duration", "information_policy", "reward",
                         "reward_cents", "expires_at", "work_deadline_at", "created_at", "notice",
                         *AGENT_TEXT_FIELDS}


def test_redacted_masks_every_agent_text_field_including_the_whole_output_schema():
    # given a redacted request with personal data and a codename in every text field
    row = request_row(policy="redacted")

    # when an operator who is not assigned sees it
    body = operator_view(row, assigned=False, terms=TERMS)

    # then each field is masked, each proof requirement on its own, the schema at every depth
    assert agent_text(body) == REDACTED
    assert body["output_schema"] == hostile_schema(MASKED, "[email redacted]")
    shown = json.dumps(body)
    assert not any(secret in shown for secret in SECRETS)


def test_an_email_three_levels_deep_in_a_schema_description_and_in_an_enum_is_masked():
    # given only a nested description and an enum value carry an e-mail address
    row = request_row(policy="redacted")
    row["output_schema"] = {"type": "object", "properties": {"a": {"type": "object", "properties": {
        "b": {"type": "object", "properties": {"c": {"type": "string", "description": f"Mail {EMAIL}",
                                                   "enum": [EMAIL, "none"]}}}}}}}

    # when
    schema = operator_view(row, assigned=False, terms=())["output_schema"]

    # then both are masked and the structure is kept
    leaf = schema["properties"]["a"]["properties"]["b"]["properties"]["c"]
    assert leaf == {"type": "string", "description": "Mail [email redacted]", "enum": ["[email redacted]", "none"]}


@pytest.mark.parametrize("policy", ["sandboxed", "unheard_of"])
def test_sandboxed_hides_every_agent_text_field_until_assigned(policy):
    # given a sandboxed request (or one whose policy this code does not know)
    row = request_row(policy=policy)

    # when an operator who is not assigned sees it
    body = operator_view(row, assigned=False, terms=TERMS)

    # then none of the agent's words, only the facts and a notice
    assert agent_text(body) == dict.fromkeys(AGENT_TEXT_FIELDS)
    assert body["notice"] == SANDBOXED_NOTICE
    assert (body["skill"], body["urgency"], body["reward_cents"]) == ("legal_review", "5min", 1_640)
    assert withheld_from_others(row)


@pytest.mark.parametrize("policy", ["open", "sandboxed"])
def test_the_assignee_sees_the_agents_words_as_written(policy):
    # given a request assigned to this operator
    row = request_row(policy=policy, operator_id="usr_1")

    # when they see it
    body = operator_view(row, assigned=True, terms=TERMS)

    # then every text field is as the agent wrote it
    assert agent_text(body) == written(row) and "notice" not in body


def test_redacted_masks_the_agents_words_for_the_assignee_too():
    # given a redacted request assigned to this operator
    row = request_row(policy="redacted", operator_id="usr_1")

    # when they see it
    body = operator_view(row, assigned=True, terms=TERMS)

    # then it reads exactly as it does to everyone else: masked "before any operator sees it"
    assert agent_text(body) == agent_text(operator_view(row, assigned=False, terms=TERMS))
    assert agent_text(body) != written(row)


def test_open_shows_the_agents_words_to_every_matching_operator():
    row = request_row(policy="open")
    body = operator_view(row, assigned=False, terms=TERMS)
    assert agent_text(body) == written(row)
    assert not withheld_from_others(row)


def test_a_quote_of_withheld_words_is_withheld_and_personal_data_masked():
    # given a sandboxed request and a verification reason quoting one of its proof requirements
    row = request_row(policy="sandboxed")
    reason = f"proof 'Photo of {SENSITIVE}' is not addressed; call +34 699 111 222"

    # when someone who is not its assignee reads the reason
    shown = quoted_text_mask(row, assigned=False, terms=TERMS)(reason)

    # then the quote is withheld and other personal data masked
    assert shown == "proof '[withheld]' is not addressed; call [phone redacted]"
