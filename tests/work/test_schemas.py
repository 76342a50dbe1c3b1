"""One input schema for an operator's submission (`work/schemas.py`), checked by the service
itself: the API's body and the service the dashboard calls refuse the same input in the same words."""

from __future__ import annotations

import pytest

from marketplace_app.core.errors import ValidationFailed
from marketplace_app.ui.state.operator_work import TaskState
from marketplace_app.work import flows
from marketplace_app.work.schemas import MAX_ANSWER_CHARACTERS, MAX_PROOF_FILES, SubmissionCreate
from tests.requests import helpers as rh
from tests.support import assert_error
from tests.work import helpers as w

BAD = [
    ({"answer": "x" * (MAX_ANSWER_CHARACTERS + 1), "confidence": "high"}, "answer: String should have at most"),
    ({"answer": " \n ", "confidence": "high"}, "answer: answer must not be blank"),
    ({"answer": "ok", "confidence": "high", "file_ids": [f"upl_{n}" for n in range(MAX_PROOF_FILES + 1)]},
     "file_ids: List should have at most 10 items"),
    ({"answer": "with a \x00", "confidence": "high"}, "answer: must not contain control characters"),
]


@pytest.mark.parametrize(("body", "words"), BAD)
def test_the_api_and_the_service_refuse_the_same_submission_the_same_way(database: str, body: dict, words: str
                                                                          ) -> None:
    # given work in progress
    operator = w.make_operator()
    request_id = w.create(w.make_agent())["id"]
    w.accept(operator, request_id)

    # when the API door and the service (what the dashboard calls) each get the same input
    response = rh.client().post(f"/v1/operator/requests/{request_id}/submit", headers=operator.headers(), json=body)
    with pytest.raises(ValidationFailed) as refused:
        flows.submit_work(operator_id=operator.user_id, request_id=request_id, body=body)

    # then both refuse it, naming the same field and problem
    assert words in assert_error(response, status=422, code="validation_error")
    assert refused.value.message.startswith(words)
    assert rh.request_row(request_id)["status"] == "in_progress"


def test_a_schema_built_without_validation_is_checked_again_by_the_service(database: str) -> None:
    # given work in progress and a body that skipped the schema's checks
    operator = w.make_operator()
    request_id = w.create(w.make_agent())["id"]
    w.accept(operator, request_id)
    body = SubmissionCreate.model_construct(answer="x" * (MAX_ANSWER_CHARACTERS + 1), confidence="high",
                                            proof_notes=None, file_ids=[])

    # when it is handed in, then the service refuses it and the work stays in progress
    with pytest.raises(ValidationFailed, match="answer: String should have at most"):
        flows.submit_work(operator_id=operator.user_id, request_id=request_id, body=body)
    assert rh.request_row(request_id)["status"] == "in_progress"


def test_the_dashboard_form_gives_the_operation_s_fields() -> None:
    state = TaskState.__new__(TaskState)
    object.__setattr__(state, "__dict__", {"confidence": "high", "files": [{"id": "upl_1"}]})

    fields = TaskState._submission(state, {"answer": "  Clause 4.2 is met  ", "proof_notes": ""})

    assert SubmissionCreate(**fields) == SubmissionCreate(answer="Clause 4.2 is met", confidence="high",
                                                          file_ids=["upl_1"])
