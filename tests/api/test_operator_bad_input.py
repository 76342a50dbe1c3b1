"""Bad input on the operator API (issue 5 acceptance, RELIABILITY 12/13): unknown skills,
server-owned fields, someone else's request, work by an unverified or unavailable operator, and
callers who are not operators — each gets a clear error and changes nothing."""

from __future__ import annotations

import pytest

from tests.requests import helpers as rh
from tests.support import assert_error
from tests.work import helpers as w

PROFILE = "/v1/operator/profile"
REQUEST_ID = "req_0123456789ab"
OPERATOR_ROUTES = [
    ("GET", PROFILE, None), ("PATCH", PROFILE, {"available": True}),
    ("POST", "/v1/operator/kyc", {"legal_name": "Ana García", "country": "ES", "date_of_birth": "1990-01-01",
                                  "document_upload_id": "upl_x"}),
    ("GET", "/v1/operator/kyc", None), ("GET", "/v1/operator/requests", None),
    ("GET", f"/v1/operator/requests/{REQUEST_ID}", None),
    ("POST", f"/v1/operator/requests/{REQUEST_ID}/accept", None),
    ("POST", f"/v1/operator/requests/{REQUEST_ID}/submit", {"answer": "done", "confidence": "high"}),
    ("GET", "/v1/operator/work", None), ("GET", "/v1/operator/earnings", None),
    ("POST", "/v1/operator/payouts", {"amount": "10.00EUR"}), ("GET", "/v1/operator/payouts", None),
]


@pytest.fixture
def operator():
    return w.make_operator()


def profile_of(client, operator) -> dict:
    return client.get(PROFILE, headers=operator.headers()).json()


@pytest.mark.parametrize("body", [
    {"skills": ["legal_review", "brain_surgery"]}, {"skills": ["LEGAL_REVIEW"]}, {"skills": "legal_review"},
    {"skills": ["legal_review"] * 21}, {"languages": ["english"]}, {"languages": ["EN"]}, {"country": "spain"},
    {"country": "es"}, {"available": "yes"}, {"available": 1}, {"display_name": ""},
    {"display_name": "Ana\x07"}, {"display_name": "x" * 101},
])
def test_bad_profile_changes_are_422_and_change_nothing(client, operator, body):
    # given
    shown = profile_of(client, operator)
    before = w.snapshot()

    # when
    response = client.patch(PROFILE, headers=operator.headers(), json=body)

    # then
    message = assert_error(response, status=422, code="validation_error")
    if body.get("skills") == ["legal_review", "brain_surgery"]:
        assert "brain_surgery" in message and "legal_review" in message
    assert profile_of(client, operator) == shown
    w.assert_nothing_changed(before)


@pytest.mark.parametrize("field", ["kyc_status", "available_cents", "operator_id", "user_id", "id", "public_id",
                                   "role", "created_at", "status", "balance"])
def test_server_owned_fields_in_a_profile_change_are_422(client, field, operator):
    # given an operator who is not verified
    newcomer = w.make_operator(verified=False)
    shown = profile_of(client, newcomer)
    before = w.snapshot()

    # when they try to set a field the server owns, alongside a legal change
    response = client.patch(PROFILE, headers=newcomer.headers(),
                            json={"display_name": "New name", field: "verified" if field.endswith("status") else 1})

    # then nothing at all changes
    assert_error(response, status=422, code="validation_error")
    assert profile_of(client, newcomer) == shown
    w.assert_nothing_changed(before)


def test_a_good_profile_change_is_applied(client, operator):
    response = client.patch(PROFILE, headers=operator.headers(), json={
        "display_name": "Ana G.", "skills": ["translation", "legal_review", "translation"], "languages": ["es"],
        "country": "ES", "available": False})
    assert response.status_code == 200, response.text
    assert {key: response.json()[key] for key in ("display_name", "skills", "languages", "country", "available")} == {
        "display_name": "Ana G.", "skills": ["legal_review", "translation"], "languages": ["es"], "country": "ES",
        "available": False}


def test_submit_on_someone_elses_request_is_404_and_changes_nothing(client, operator):
    # given a request another operator is working on
    request_id = w.create(w.make_agent())["id"]
    w.accept(w.make_operator(), request_id)
    before = w.snapshot()

    # when
    response = client.post(f"/v1/operator/requests/{request_id}/submit", headers=operator.headers(),
                           json={"answer": w.GOOD_ANSWER, "confidence": "high"})

    # then
    assert_error(response, status=404, code="not_found")
    assert rh.request_row(request_id)["status"] == "in_progress"
    w.assert_nothing_changed(before)


@pytest.mark.parametrize("body", [
    {"answer": w.GOOD_ANSWER, "confidence": "certain"}, {"answer": "", "confidence": "high"},
    {"answer": " \n\t ", "confidence": "high"},
    {"answer": w.GOOD_ANSWER}, {"answer": "x" * 20_001, "confidence": "high"},
    {"answer": w.GOOD_ANSWER, "confidence": "high", "file_ids": [f"upl_{i}" for i in range(11)]},
    {"answer": w.GOOD_ANSWER, "confidence": "high", "status": "completed"},
    {"answer": w.GOOD_ANSWER, "confidence": "high", "verification": {"score": 100}},
    {"answer": w.GOOD_ANSWER, "confidence": "high", "operator_id": "usr_x"},
    {"answer": "answer\x00with a NUL", "confidence": "high"},
])
def test_bad_submissions_are_422_and_change_nothing(client, operator, body):
    # given work in progress
    request_id = w.create(w.make_agent())["id"]
    w.accept(operator, request_id)
    before = w.snapshot()

    # when
    response = client.post(f"/v1/operator/requests/{request_id}/submit", headers=operator.headers(), json=body)

    # then
    assert_error(response, status=422, code="validation_error")
    assert rh.request_row(request_id)["status"] == "in_progress"
    w.assert_nothing_changed(before)


@pytest.mark.parametrize(("options", "reason"), [
    ({"verified": False}, "identity verification"),
    ({"available": False}, "availability"),
    ({"skills": ("translation",)}, "legal_review"),
])
def test_accept_by_an_operator_who_may_not_take_it_is_403_with_the_reason(client, options, reason):
    # given
    request_id = w.create(w.make_agent())["id"]
    operator = w.make_operator(**options)
    before = w.snapshot()

    # when
    response = client.post(f"/v1/operator/requests/{request_id}/accept", headers=operator.headers())

    # then
    assert reason in assert_error(response, status=403, code="forbidden")
    assert rh.request_row(request_id)["status"] == "matching"
    w.assert_nothing_changed(before)


@pytest.mark.parametrize(("method", "path", "body"), OPERATOR_ROUTES, ids=lambda value: str(value)[:40])
def test_operator_routes_refuse_everyone_but_operators(client, method, path, body):
    # given an agent key, a company session and no credentials
    agent = w.make_agent()
    callers = {"no auth": ({}, 401, "unauthorized"), "agent key": (agent.headers(), 401, "unauthorized"),
               "company session": (w.company_headers(), 403, "forbidden"),
               "staff session": (w.staff_headers(), 403, "forbidden")}
    before = w.snapshot()

    # when / then each is refused and nothing changes
    for caller, (headers, status, code) in callers.items():
        response = client.request(method, path, headers=headers, json=body)
        assert response.status_code == status, (caller, response.text)
        assert_error(response, status=status, code=code)
    w.assert_nothing_changed(before)


def test_uploads_refuse_non_operators(client, monkeypatch, tmp_path):
    w.use_tmp_storage(monkeypatch, tmp_path)
    callers = (({}, 401), (w.make_agent().headers(), 401), (w.company_headers(), 403), (w.staff_headers(), 403))
    before = w.snapshot()
    for headers, status in callers:
        response = client.post("/v1/operator/uploads", headers=headers, data={"purpose": "proof"},
                               files={"file": ("p.png", w.PNG, "image/png")})
        assert response.status_code == status, response.text
    w.assert_nothing_changed(before)


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/v1/operator/requests/req%00x", None),
    ("POST", "/v1/operator/requests/req%00x/accept", None),
    ("POST", "/v1/operator/requests/req%00x/submit", {"answer": w.GOOD_ANSWER, "confidence": "high"}),
    ("POST", "/v1/operator/kyc", {"legal_name": "Ana García", "country": "ES", "date_of_birth": "1990-01-01",
                                  "document_upload_id": "upl_\u0000x"}),
], ids=["view", "accept", "submit", "kyc document"])
def test_an_id_with_a_nul_byte_names_nothing_and_is_never_a_500(client, operator, method, path, body):
    # given (PostgreSQL refuses NUL in text, so an unchecked id would fail the query)
    before = w.snapshot()

    # when
    response = client.request(method, path, headers=operator.headers(), json=body)

    # then
    assert_error(response, status=404, code="not_found")
    w.assert_nothing_changed(before)


def test_a_proof_file_id_with_a_nul_byte_is_not_found(client, operator):
    request_id = w.create(w.make_agent())["id"]
    w.accept(operator, request_id)
    before = w.snapshot()
    response = client.post(f"/v1/operator/requests/{request_id}/submit", headers=operator.headers(),
                           json={"answer": w.GOOD_ANSWER, "confidence": "high", "file_ids": ["upl_\u0000x"]})
    assert_error(response, status=404, code="not_found")
    w.assert_nothing_changed(before)
