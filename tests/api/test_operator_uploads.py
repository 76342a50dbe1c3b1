"""`POST /v1/operator/uploads` (multipart `file` + `purpose`): JPEG, PNG, WebP and PDF by content,
at most 10 MiB; an executable or a text file renamed .png is 422, an oversize file 413; someone
else's upload is 404 wherever an upload id is accepted (KYC, submit)."""

from __future__ import annotations

import pytest

from marketplace_app.uploads import service as uploads
from tests.ledger.helpers import assert_ledger_balanced
from tests.support import assert_error
from tests.work import helpers as w

UPLOADS = "/v1/operator/uploads"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64)


@pytest.fixture(autouse=True)
def storage(monkeypatch, tmp_path):
    return w.use_tmp_storage(monkeypatch, tmp_path)


def post_file(client, operator, data: bytes, *, filename: str = "proof.png", content_type: str = "image/png",
              purpose: str = "proof"):
    return client.post(UPLOADS, headers=operator.headers(), data={"purpose": purpose},
                       files={"file": (filename, data, content_type)})


@pytest.mark.parametrize(("data", "filename", "content_type"), [
    (w.PNG, "proof.png", "image/png"), (w.JPEG, "proof.jpeg", "image/jpeg"),
    (w.PDF, "proof.pdf", "application/pdf"), (w.PNG, "no-extension", "application/octet-stream"),
])
def test_images_and_pdfs_are_accepted_by_content(client, data, filename, content_type):
    # given
    operator = w.make_operator()

    # when
    response = post_file(client, operator, data, filename=filename, content_type=content_type)

    # then the stored type is what the bytes are, whatever the name or declared type said
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["content_type"] == uploads.sniff_content_type(data)
    assert (body["size_bytes"], body["purpose"], body["filename"]) == (len(data), "proof", filename)


@pytest.mark.parametrize(("data", "filename", "content_type"), [
    (EXE, "setup.exe", "application/octet-stream"),
    (EXE, "photo.png", "image/png"),
    (b"Totally a photo of the storefront.\n", "photo.png", "image/png"),
    (b"<?php system($_GET['c']); ?>", "shell.jpg", "image/jpeg"),
    (b"", "empty.png", "image/png"),
])
def test_executables_and_renamed_text_are_422_and_nothing_is_stored(client, storage, data, filename, content_type):
    # given
    operator = w.make_operator()
    before = w.snapshot()

    # when
    response = post_file(client, operator, data, filename=filename, content_type=content_type)

    # then
    assert_error(response, status=422, code="validation_error")
    w.assert_nothing_changed(before)
    assert not storage.exists() or not any(storage.rglob("*"))


def test_a_file_over_10_mib_is_413_and_exactly_10_mib_is_accepted(client, storage):
    # given
    operator = w.make_operator()
    before = w.snapshot()
    limit = uploads.MAX_UPLOAD_BYTES

    # when / then
    too_big = post_file(client, operator, w.PNG + bytes(limit + 1 - len(w.PNG)))
    assert_error(too_big, status=413, code="payload_too_large")
    w.assert_nothing_changed(before)
    assert not storage.exists() or not any(storage.rglob("*"))
    assert post_file(client, operator, w.PNG + bytes(limit - len(w.PNG))).status_code == 201


def test_a_body_far_over_the_limit_is_refused_before_the_route(client):
    operator = w.make_operator()
    before = w.snapshot()
    response = post_file(client, operator, w.PNG + bytes(11 * 1024 * 1024))
    assert_error(response, status=413, code="payload_too_large")
    w.assert_nothing_changed(before)


@pytest.mark.parametrize(("data", "files"), [
    ({"purpose": "avatar"}, {"file": ("p.png", w.PNG, "image/png")}),
    ({}, {"file": ("p.png", w.PNG, "image/png")}),
    ({"purpose": "proof"}, None),
])
def test_a_missing_file_or_unknown_purpose_is_422(client, data, files):
    operator = w.make_operator()
    before = w.snapshot()
    response = client.post(UPLOADS, headers=operator.headers(), data=data, files=files)
    assert_error(response, status=422, code="validation_error")
    w.assert_nothing_changed(before)


def test_another_operators_upload_is_404_in_submit(client):
    # given an operator with work in progress and another operator's proof upload
    owner, other = w.make_operators(count=2)
    request_id = w.create(w.make_agent())["id"]
    w.accept(owner, request_id)
    foreign = post_file(client, other, w.PNG).json()["id"]
    before = w.snapshot()

    # when
    response = client.post(f"/v1/operator/requests/{request_id}/submit", headers=owner.headers(),
                           json={"answer": w.GOOD_ANSWER, "confidence": "high", "file_ids": [foreign]})

    # then
    assert_error(response, status=404, code="not_found")
    w.assert_nothing_changed(before)
    assert_ledger_balanced()


def test_a_proof_file_travels_with_the_submission(client):
    # given a request that asks for a photo
    operator = w.make_operator()
    request_id = w.create(w.make_agent(), proof_requirements=["Photo of the signed page"])["id"]
    w.accept(operator, request_id)
    photo = post_file(client, operator, w.JPEG, filename="page.jpg", content_type="image/jpeg").json()["id"]

    # when
    response = client.post(f"/v1/operator/requests/{request_id}/submit", headers=operator.headers(),
                           json={"answer": "The signed page carries both signatures.", "confidence": "high",
                                 "file_ids": [photo]})

    # then
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "completed"
    (item,) = client.get("/v1/operator/work", headers=operator.headers()).json()["data"]
    assert item["result"]["files"] == [photo]
    assert_ledger_balanced()
