"""The staff KYC queue (`/v1/admin/kyc`): oldest first, approve or reject (with a reason) exactly
once, unknown ids 404."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace_app.core import clock
from marketplace_app.kyc import service as kyc
from tests.requests import helpers as rh
from tests.support import assert_error
from tests.work import helpers as w


@pytest.fixture(autouse=True)
def storage(monkeypatch, tmp_path):
    return w.use_tmp_storage(monkeypatch, tmp_path)


@pytest.fixture
def staff():
    return w.staff_headers()


def pending_submission(operator) -> str:
    document = w.upload(operator, purpose="kyc_document")
    return w.in_unit(lambda session: kyc.submit(session, user_id=operator.user_id, legal_name="Ana García",
                                                country="ES", date_of_birth=w.T0.date().replace(year=1990),
                                                document_upload_id=document)).id


def test_the_queue_is_oldest_first_and_holds_only_pending(client, staff):
    # given three submissions a minute apart, the middle one already approved
    clock.freeze(w.T0)
    first, second, third = w.make_operators(count=3, verified=False)
    ids = []
    for operator in (first, second, third):
        ids.append(pending_submission(operator))
        clock.advance(timedelta(minutes=1))
    client.post(f"/v1/admin/kyc/{ids[1]}/approve", headers=staff)

    # when
    queue = client.get("/v1/admin/kyc", headers=staff).json()["data"]

    # then
    assert [item["id"] for item in queue] == [ids[0], ids[2]]
    assert queue[0]["submitted_at"] == clock.isoformat(w.T0)


def test_a_decision_is_taken_once(client, staff):
    # given
    submission = pending_submission(w.make_operator(verified=False))
    assert client.post(f"/v1/admin/kyc/{submission}/reject", headers=staff,
                       json={"reason": "Blurred"}).status_code == 200
    before = w.snapshot()

    # when / then
    assert_error(client.post(f"/v1/admin/kyc/{submission}/approve", headers=staff), status=409, code="invalid_state")
    assert_error(client.post(f"/v1/admin/kyc/{submission}/reject", headers=staff, json={"reason": "again"}),
                 status=409, code="invalid_state")
    w.assert_nothing_changed(before)


def test_concurrent_approvals_decide_once(staff):
    submission = pending_submission(w.make_operator(verified=False))
    result = rh.burst([("POST", f"/v1/admin/kyc/{submission}/approve", staff, None)] * 10)
    assert result.codes() == {(200, None): 1, (409, "invalid_state"): 9}, result.codes()


def test_an_unknown_submission_is_404(client, staff):
    before = w.snapshot()
    assert_error(client.post("/v1/admin/kyc/kyc_0123456789ab/approve", headers=staff), status=404, code="not_found")
    assert_error(client.post("/v1/admin/kyc/kyc_0123456789ab/reject", headers=staff, json={"reason": "x"}),
                 status=404, code="not_found")
    w.assert_nothing_changed(before)
