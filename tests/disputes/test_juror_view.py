"""What a juror sees (`GET /v1/operator/jury`): a juror is never the request's assignee, so the
brief follows the information policy in every agent text field, and the result and statements,
which can quote the brief, are masked the same way (quotes of sandboxed words withheld)."""

from __future__ import annotations

import json

import pytest

from marketplace_app.disputes import views
from marketplace_app.settings import get_settings
from tests.disputes import helpers as d
from tests.requests import agent_text as text
from tests.work import helpers as w

ANSWER = f"Wrote to {text.EMAIL} about it"
STATEMENT = f"I mailed {text.EMAIL} as the brief asked"
# How the automated verification reason quotes the first proof requirement, per policy (the
# closing quote is left out: a URL's mask runs to the next space).
QUOTED_PROOF = {"open": f"proof 'Photo of {text.SENSITIVE}", "redacted": f"proof 'Photo of {text.MASKED}",
                "sandboxed": "proof '[withheld]"}


def juror_case(api, worker, policy: str, *, file_ids: tuple[str, ...] = ()) -> dict:
    """A request that failed verification, appealed by its worker to a jury; the first juror's case."""
    jurors = w.make_operators(count=3)
    agent = w.make_agent(terms=text.TERMS, policy=policy)
    request_id = w.create(agent, **text.request_fields(policy))["id"]
    w.accept(worker, request_id)
    assert w.submit(worker, request_id, answer=(ANSWER, "high"), file_ids=file_ids)["status"] == "disputed"
    dispute_id = d.shown(api, agent, request_id)["dispute_id"]
    d.ok(api.post(f"/v1/operator/disputes/{dispute_id}/statement", json={"reason": STATEMENT},
                  headers=worker.headers()))
    assert d.ok(d.appeal_as_operator(api, worker, dispute_id))["status"] == "jury_review"
    (case,) = d.ok(api.get("/v1/operator/jury", headers=jurors[0].headers()))["data"]
    return case


@pytest.mark.parametrize("policy", text.POLICIES)
def test_a_juror_sees_the_brief_as_any_unassigned_operator_would(api, worker, policy):
    # when a juror reads a case whose request carries personal data in every text field
    case = juror_case(api, worker, policy)

    # then open shows, redacted masks and sandboxed hides each field; never the callback
    assert text.agent_text(case) == text.BEFORE_ACCEPT[policy]
    assert ("Sandboxed" in (case["notice"] or "")) == (policy == "sandboxed")
    assert text.CALLBACK not in json.dumps(case)


@pytest.mark.parametrize("policy", text.POLICIES)
def test_the_result_and_statements_a_juror_reads_are_masked_like_the_brief(api, worker, policy):
    # when a juror reads the case
    case = juror_case(api, worker, policy)

    # then the verification reason quotes the proof requirement as the policy allows, and the
    # answer and the operator's statement are masked unless the policy is open
    assert QUOTED_PROOF[policy] in case["company_statement"]
    masked = policy != "open"
    assert case["result"]["answer"] == ("Wrote to [email redacted] about it" if masked else ANSWER)
    assert case["operator_statement"] == ("I mailed [email redacted] as the brief asked" if masked else STATEMENT)
    if masked:
        assert not any(secret in json.dumps(case) for secret in text.SECRETS)


@pytest.mark.parametrize("policy", text.POLICIES)
def test_a_juror_opens_the_proof_photo_unless_the_request_is_sandboxed(api, worker, policy, monkeypatch, tmp_path):
    # given a disputed request whose proof photo is named with the project's redaction term
    w.use_tmp_storage(monkeypatch, tmp_path)
    photo = w.upload(worker, data=w.PNG, filename=f"{text.TERMS[0]} meter.png")

    # when a juror reads the case
    (entry,) = juror_case(api, worker, policy, file_ids=(photo,))["result"]["files"]

    # then under sandboxed the file is only counted; otherwise its name is masked like the brief,
    # it says the picture is the operator's proof as uploaded, and its link opens it
    if policy == "sandboxed":
        assert entry == {"withheld": True, "notice": views.SANDBOXED_FILES_NOTICE}
        return
    assert entry["name"] == ("Falcon meter.png" if policy == "open" else "[name redacted] meter.png")
    assert entry["notice"] == views.JUROR_FILE_NOTICE
    opened = api.get(entry["url"].removeprefix(get_settings().api_url.rstrip("/")))
    assert (opened.status_code, opened.content) == (200, w.PNG)
