"""Onboarding through the API: an operator signs up, uploads an ID document, submits KYC
(`pending`), staff approve in the KYC queue (verified), and the operator can then work; a
rejection carries a reason and allows another submission; the auto-approve setting verifies at
once; under-18s get 422."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from marketplace_app.core import clock
from tests.support import assert_error
from tests.work import helpers as w

_emails = itertools.count(1)
ADULT = "1990-05-17"


@pytest.fixture(autouse=True)
def storage(monkeypatch, tmp_path):
    return w.use_tmp_storage(monkeypatch, tmp_path)


def sign_up(client) -> dict[str, str]:
    """Register an operator through the API; return their bearer headers."""
    response = client.post("/v1/auth/register", json={
        "email": f"operator{next(_emails)}@example.com", "password": "correct-horse-battery",
        "display_name": "Ana", "role": "operator"})
    assert response.status_code == 201, response.text
    assert response.json()["user"]["role"] == "operator"
    return {"Authorization": f"Bearer {response.json()['token']}"}


def upload_document(client, headers, *, data: bytes = w.JPEG, filename: str = "id.jpg",
                    purpose: str = "kyc_document"):
    return client.post("/v1/operator/uploads", headers=headers, data={"purpose": purpose},
                       files={"file": (filename, data, "image/jpeg")})


def submit_kyc(client, headers, document_id: str, **overrides):
    body = {"legal_name": "Ana García López", "country": "ES", "date_of_birth": ADULT,
            "document_upload_id": document_id, **overrides}
    return client.post("/v1/operator/kyc", headers=headers, json=body)


def test_sign_up_upload_submit_and_staff_approval_make_a_working_operator(client):
    # given an operator who just signed up
    headers = sign_up(client)
    staff = w.staff_headers()
    profile = client.get("/v1/operator/profile", headers=headers).json()
    assert (profile["kyc_status"], profile["available"], profile["skills"]) == ("not_started", False, [])
    assert_error(client.get("/v1/operator/requests", headers=headers), status=403, code="forbidden")

    # when they upload an ID document and submit KYC
    uploaded = upload_document(client, headers)
    assert uploaded.status_code == 201, uploaded.text
    assert (uploaded.json()["content_type"], uploaded.json()["purpose"]) == ("image/jpeg", "kyc_document")
    submitted = submit_kyc(client, headers, uploaded.json()["id"])

    # then it is pending and in the staff queue
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["status"] == "pending"
    assert client.get("/v1/operator/kyc", headers=headers).json()["kyc_status"] == "pending"
    (queued,) = client.get("/v1/admin/kyc", headers=staff).json()["data"]
    assert (queued["id"], queued["legal_name"], queued["date_of_birth"], queued["document_upload_id"]) == (
        submitted.json()["id"], "Ana García López", ADULT, uploaded.json()["id"])

    # when staff approve and the operator sets skills and availability
    approved = client.post(f"/v1/admin/kyc/{queued['id']}/approve", headers=staff)
    patched = client.patch("/v1/operator/profile", headers=headers,
                           json={"skills": ["legal_review"], "available": True, "languages": ["es", "en"]})

    # then they are verified and may read the feed
    assert approved.status_code == 200 and approved.json()["status"] == "verified"
    assert patched.status_code == 200, patched.text
    assert (patched.json()["kyc_status"], patched.json()["available"]) == ("verified", True)
    assert client.get("/v1/operator/requests", headers=headers).status_code == 200
    assert client.get("/v1/admin/kyc", headers=staff).json()["data"] == []


def test_a_rejection_shows_its_reason_and_the_operator_can_submit_again(client):
    # given a pending submission
    headers = sign_up(client)
    staff = w.staff_headers()
    document = upload_document(client, headers).json()["id"]
    submission = submit_kyc(client, headers, document).json()["id"]

    # when staff reject without a reason, then with one
    assert_error(client.post(f"/v1/admin/kyc/{submission}/reject", headers=staff, json={}),
                 status=422, code="validation_error")
    rejected = client.post(f"/v1/admin/kyc/{submission}/reject", headers=staff,
                           json={"reason": "The document has expired"})

    # then the operator sees the reason and can submit a new document
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    shown = client.get("/v1/operator/kyc", headers=headers).json()
    assert (shown["kyc_status"], shown["submission"]["reason"]) == ("rejected", "The document has expired")
    again = submit_kyc(client, headers, upload_document(client, headers, data=w.PDF, filename="id.pdf").json()["id"])
    assert again.status_code == 201 and again.json()["status"] == "pending"


def test_the_auto_approve_setting_verifies_on_submit(client, monkeypatch):
    # given
    w.set_setting(monkeypatch, "kyc_auto_approve", "true")
    headers = sign_up(client)

    # when
    response = submit_kyc(client, headers, upload_document(client, headers, data=w.PNG, filename="id.png").json()["id"])

    # then
    assert response.status_code == 201 and response.json()["status"] == "verified"
    assert client.get("/v1/operator/profile", headers=headers).json()["kyc_status"] == "verified"


def test_an_under_18_gets_422_and_nothing_changes(client):
    # given today is 2026-03-02
    clock.freeze(w.T0)
    headers = sign_up(client)
    document = upload_document(client, headers).json()["id"]
    before = w.snapshot()

    # when
    response = submit_kyc(client, headers, document, date_of_birth=date(2008, 3, 3).isoformat())

    # then
    assert "18" in assert_error(response, status=422, code="validation_error")
    w.assert_nothing_changed(before)
    assert client.get("/v1/operator/profile", headers=headers).json()["kyc_status"] == "not_started"


@pytest.mark.parametrize("overrides", [
    {"date_of_birth": "17/05/1990"}, {"date_of_birth": "2090-01-01"}, {"date_of_birth": "0001-01-01"},
    {"date_of_birth": "1850-06-01"}, {"date_of_birth": "9999-12-31"}, {"country": "Spain"}, {"legal_name": "A"},
    {"legal_name": "Ana\x00García"}, {"kyc_status": "verified"}, {"status": "verified"}, {"user_id": "usr_x"},
    {"document_upload_id": 42},
])
def test_bad_kyc_input_is_422_and_changes_nothing(client, overrides):
    # given
    headers = sign_up(client)
    document = upload_document(client, headers).json()["id"]
    before = w.snapshot()

    # when
    response = submit_kyc(client, headers, document, **overrides)

    # then
    assert_error(response, status=422, code="validation_error")
    w.assert_nothing_changed(before)


def test_another_operators_document_is_404(client):
    # given
    first, second = sign_up(client), sign_up(client)
    foreign = upload_document(client, first).json()["id"]
    before = w.snapshot()

    # when
    response = submit_kyc(client, second, foreign)

    # then
    assert_error(response, status=404, code="not_found")
    w.assert_nothing_changed(before)
