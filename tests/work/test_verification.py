"""Automated verification: the deterministic checks, the three bands (≥ 90, 50–89, < 50), proof
requirements and `output_schema` (never fetched from, never a 500, never a hung thread), and the
optional HTTP adjudicator (never on the network)."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from sqlalchemy import update

from marketplace_app.ledger.models import LedgerHold
from marketplace_app.requests.models import Request
from marketplace_app.work import adjudicator
from marketplace_app.work.verification import DeterministicOnly, Submission, Verdict, check
from tests.core.schema_host import CANARY, schema_host
from tests.ledger.helpers import assert_ledger_balanced, hold_state
from tests.requests import helpers as rh
from tests.support import api_client
from tests.work import helpers as w

SCHEMA = {"type": "object", "required": ["compliant", "clause"],
          "properties": {"compliant": {"type": "boolean"}, "clause": {"type": "string"}}}


def verdict_for(*, answer: str = w.GOOD_ANSWER, confidence: str = "high", proof_notes: str = "", files: int = 0,
                proof: list[str] | None = None, schema: dict | None = None) -> Verdict:
    request = {"proof_requirements": proof or [], "output_schema": schema}
    return check(request, Submission(answer=answer, confidence=confidence, proof_notes=proof_notes, file_count=files))


@pytest.mark.parametrize(("score", "band"), [(100, "completed"), (90, "completed"), (89, "needs_review"),
                                             (50, "needs_review"), (49, "disputed"), (0, "disputed")])
def test_the_bands_are_90_and_50(score, band):
    assert Verdict(score=score).band == band


def test_a_good_answer_with_high_confidence_scores_100_with_no_reasons():
    verdict = verdict_for()
    assert (verdict.score, verdict.reasons, verdict.band) == (100, [], "completed")


@pytest.mark.parametrize(("confidence", "score"), [("high", 100), ("medium", 95), ("low", 85)])
def test_the_operators_own_confidence_lowers_the_score(confidence, score):
    assert verdict_for(confidence=confidence).score == score


def test_a_blank_answer_is_disputed_and_a_very_short_one_needs_review():
    blank = verdict_for(answer="   ")
    short = verdict_for(answer="Looks fine")
    assert (blank.score, blank.band) == (0, "disputed")
    assert (short.score, short.band) == (65, "needs_review")
    assert "very short" in short.reasons[0]


def test_a_photo_requirement_without_files_lowers_the_score_and_with_a_file_does_not():
    # given a request that asks for a photo
    proof = ["Photo of the signed page"]

    # when it is answered without and with a file
    without = verdict_for(proof=proof, answer="I checked the signed page and it matches the clause.")
    with_file = verdict_for(proof=proof, files=1, answer="I checked the signed page and it matches the clause.")

    # then only the submission without a file loses points, and says why
    assert without.score < 90 and "asks for a file and none was attached" in without.reasons[0]
    assert (with_file.score, with_file.reasons) == (100, [])


def test_each_requirement_not_addressed_costs_points():
    proof = ["Mention the notice period", "Quote the governing law"]
    addressed = verdict_for(proof=proof, answer="Notice period is 30 days; governing law is Spanish law.")
    half = verdict_for(proof=proof, answer="Notice period is 30 days and that is lawful.")
    assert addressed.score == 100
    assert half.score == 70 and "Quote the governing law" in half.reasons[0]


def test_output_schema_valid_passes_mismatch_and_non_json_lose_points():
    valid = verdict_for(schema=SCHEMA, answer=json.dumps({"compliant": True, "clause": "4.2 notice"}))
    mismatch = verdict_for(schema=SCHEMA, answer=json.dumps({"compliant": "yes", "clause": "4.2 notice"}))
    not_json = verdict_for(schema=SCHEMA, answer="Yes, it is compliant with the law.")
    assert (valid.score, valid.reasons) == (100, [])
    assert mismatch.score == 40 and "does not match output_schema" in mismatch.reasons[0]
    assert not_json.score == 40 and "not JSON" in not_json.reasons[0]


def test_the_default_adjudicator_changes_nothing(monkeypatch):
    w.set_setting(monkeypatch, "adjudicator_url", "")
    verdict = verdict_for(confidence="low")
    assert isinstance(adjudicator.current_adjudicator(), DeterministicOnly)
    assert adjudicator.current_adjudicator().review({}, Submission("x", "low"), verdict) is verdict


def _http_adjudicator(handler) -> adjudicator.HttpAdjudicator:
    return adjudicator.HttpAdjudicator("https://adjudicator.invalid/review",
                                       client=httpx.Client(transport=httpx.MockTransport(handler)))


@pytest.mark.parametrize(("adjustment", "score"), [(-10, 75), (-500, 35), (500, 100)])
def test_the_http_adjudicator_adjustment_is_bounded(adjustment, score):
    # given an adjudicator that answers with `adjustment`
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"adjustment": adjustment, "reason": "read it"})

    # when it reviews an 85
    verdict = _http_adjudicator(handler).review({"skill": "legal_review", "context": "c"},
                                                Submission(w.GOOD_ANSWER, "low"), verdict_for(confidence="low"))

    # then the score moves by at most -50/+20 and stays in 0..100, with the reason
    assert verdict.score == score
    assert verdict.reasons[-1].startswith("adjudicator (")
    assert seen[0]["verdict"]["score"] == 85 and seen[0]["submission"]["answer"] == w.GOOD_ANSWER


@pytest.mark.parametrize("response", [httpx.Response(500), httpx.Response(200, text="not json"),
                                      httpx.Response(200, json={"no": "adjustment"})])
def test_an_adjudicator_failure_leaves_the_deterministic_verdict(response):
    verdict = _http_adjudicator(lambda _request: response).review({}, Submission(w.GOOD_ANSWER, "high"),
                                                                 verdict_for())
    assert verdict.score == 100
    assert "did not answer" in verdict.reasons[-1]


def test_through_submit_a_missing_photo_disputes_and_an_attached_one_completes(monkeypatch, tmp_path):
    # given two requests asking for a photo, and an operator with a proof upload
    w.use_tmp_storage(monkeypatch, tmp_path)
    agent = w.make_agent()
    operator = w.make_operator()
    first, second = (w.create(agent, proof_requirements=["Photo of the signed page"])["id"] for _ in range(2))
    for request_id in (first, second):
        w.accept(operator, request_id)
    photo = w.upload(operator)

    # when one is submitted without a file and one with it
    without = w.submit(operator, first, answer=("The signed page matches clause 4.2 exactly.", "high"))
    with_file = w.submit(operator, second, answer=("The signed page matches clause 4.2 exactly.", "high"),
                         file_ids=(photo,))

    # then the first is disputed with its escrow held, the second completed with the file in the result
    assert (without["status"], without["result"]["verification"]["score"]) == ("disputed", 40)
    assert hold_state(rh.request_row(first)["hold_id"]) == "pending"
    assert (with_file["status"], with_file["result"]["files"]) == ("completed", [photo])
    assert w.count(LedgerHold, LedgerHold.state == "pending") == 1
    assert_ledger_balanced()


def test_through_submit_the_output_schema_decides():
    # given two requests with an output_schema
    agent = w.make_agent()
    operator = w.make_operator()
    good, bad = (w.create(agent, output_schema=SCHEMA)["id"] for _ in range(2))
    for request_id in (good, bad):
        w.accept(operator, request_id)

    # when one answer validates and one does not
    valid = w.submit(operator, good, answer=(json.dumps({"compliant": True, "clause": "4.2 notice"}), "high"))
    invalid = w.submit(operator, bad, answer=(json.dumps({"compliant": "yes", "clause": "4.2 notice"}), "high"))

    # then
    assert valid["status"] == "completed"
    assert invalid["status"] == "disputed"
    assert "does not match output_schema" in invalid["result"]["verification"]["reasons"][0]
    assert_ledger_balanced()


def _slip_in(request_id: str, schema: object) -> None:
    """Store `schema` as the request's output_schema directly, as an old row from before the check."""
    w.in_unit(lambda session: session.execute(
        update(Request).where(Request.id == request_id).values(output_schema=schema)))


SLIPPED_IN = [
    pytest.param(lambda host: {"$ref": host.url}, id="remote-ref"),
    pytest.param(lambda host: {"properties": {"a": {"$ref": host.url}}}, id="nested-remote-ref"),
    pytest.param(lambda host: {"$ref": "file:///etc/passwd"}, id="file-ref"),
    pytest.param(lambda host: {"type": 12}, id="invalid-type"),
    pytest.param(lambda host: {"minLength": -1}, id="negative-minLength"),
    pytest.param(lambda host: {"$ref": "#"}, id="self-loop"),
    pytest.param(lambda host: {"pattern": "(?=a)"}, id="lookahead"),
]


@pytest.mark.parametrize("make_schema", SLIPPED_IN)
def test_a_schema_that_slipped_in_causes_no_fetch_and_no_500_and_the_company_reviews(make_schema):
    # given an accepted request whose stored output_schema would be refused today, and a live
    # loopback server that any fetch of it would reach
    agent = w.make_agent()
    operator = w.make_operator()
    request_id = w.create(agent)["id"]
    w.accept(operator, request_id)
    with schema_host() as host:
        _slip_in(request_id, make_schema(host))

        # when the operator submits through the API
        with api_client() as client:
            response = client.post(f"/v1/operator/requests/{request_id}/submit", headers=operator.headers(),
                                   json={"answer": json.dumps({"compliant": True, "clause": "4.2 notice"}),
                                         "confidence": "high"})

    # then nothing was fetched, nothing leaked, and the answer waits for the company's review
    assert host.paths == []
    assert response.status_code == 200, response.text
    assert CANARY not in response.text
    assert response.json()["status"] == "needs_review"
    reasons = response.json()["verification"]["reasons"]
    assert reasons[0].startswith("the answer could not be checked, so the company reviews it: output_schema")
    assert_ledger_balanced()


@pytest.mark.parametrize("length", [26, 50_000])
def test_a_backtracking_pattern_cannot_tie_up_submit(length):
    # given a request whose output_schema pattern backtracks on an answer that does not match:
    # 26 characters take Python's `re` over ten seconds, 50,000 would never end (and a thread
    # inside `re` holds the interpreter: it cannot even be timed out)
    agent = w.make_agent()
    operator = w.make_operator()
    request_id = w.create(agent, output_schema={"type": "string", "pattern": "^(a+)+$"})["id"]
    w.accept(operator, request_id)

    # when the answer is submitted
    started = time.thread_time()  # CPU time of this thread: a loaded CI machine does not count
    row = w.submit(operator, request_id, answer=(json.dumps("a" * length + "!"), "high"))

    # then it finished in well under a second, with the mismatch as the reason
    assert time.thread_time() - started < 1.0
    assert row["status"] == "disputed"
    assert "does not match output_schema" in row["result"]["verification"]["reasons"][0]
    assert_ledger_balanced()
