"""One input schema per dispute operation (`disputes/schemas.py`), validated by both doors."""

from __future__ import annotations

import pytest

from marketplace_app.core.errors import ValidationFailed
from marketplace_app.disputes.schemas import MAX_REASON_LENGTH
from marketplace_app.ui.state.disputes import form_reason
from tests.support import assert_error
from tests.work import helpers as w

TOO_LONG = "x" * (MAX_REASON_LENGTH + 1)


@pytest.mark.parametrize(("reason", "words"), [(TOO_LONG, "reason: String should have at most 1000 characters"),
                                               ("", "reason: String should have at least 1 character")])
def test_the_api_and_the_dashboard_refuse_the_same_reason_the_same_way(api, agent, worker, reason, words):
    # given a completed request
    request_id = w.completed_request(agent, worker)

    # when the agent and the dashboard's form each give the same reason
    response = api.post(f"/v1/requests/{request_id}/dispute", json={"reason": reason}, headers=agent.headers())
    with pytest.raises(ValidationFailed) as refused:
        form_reason({"reason": reason})

    # then both refuse it in the same words, and nothing is disputed
    assert words in assert_error(response, status=422, code="validation_error")
    assert refused.value.message == words
    assert api.get(f"/v1/requests/{request_id}/dispute", headers=agent.headers()).status_code == 404


def test_the_dashboard_trims_a_reason_before_the_schema_reads_it():
    assert form_reason({"statement": "  The brief was ambiguous \n"}, "statement") == "The brief was ambiguous"
