"""Uploads: the type is judged by the file's first bytes (JPEG, PNG, WebP, PDF), never by its
name; at most 10 MiB; stored by content hash; only the owner can use an upload, for its purpose."""

from __future__ import annotations

import hashlib

import pytest

from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import NotFound, PayloadTooLarge, ValidationFailed
from marketplace_app.uploads import service as uploads
from marketplace_app.uploads.models import Upload
from tests.work import helpers as w

WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(32)
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(64)


@pytest.fixture(autouse=True)
def storage(monkeypatch, tmp_path):
    return w.use_tmp_storage(monkeypatch, tmp_path)


@pytest.mark.parametrize(("data", "content_type"), [
    (w.PNG, "image/png"), (w.JPEG, "image/jpeg"), (w.PDF, "application/pdf"), (WEBP, "image/webp"),
    (EXE, None), (b"just text, named photo.png", None), (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None), (b"GIF89a" + bytes(16), None),
])
def test_the_type_comes_from_the_first_bytes(data, content_type):
    assert uploads.sniff_content_type(data) == content_type


def test_an_accepted_file_is_stored_by_hash_with_a_safe_name(storage):
    # given
    operator = w.make_operator()

    # when
    upload_id = w.upload(operator, data=w.PDF, filename="../../etc/passwd<script>.pdf", purpose="kyc_document")

    # then
    with unit_of_work(read_only=True) as session:
        saved = session.get_one(Upload, upload_id)
    digest = hashlib.sha256(w.PDF).hexdigest()
    assert (saved.content_type, saved.size_bytes, saved.sha256, saved.purpose) == (
        "application/pdf", len(w.PDF), digest, "kyc_document")
    assert "/" not in saved.filename and "<" not in saved.filename
    assert uploads.path_of(saved) == storage / digest[:2] / digest
    assert uploads.path_of(saved).read_bytes() == w.PDF


@pytest.mark.parametrize(("data", "filename", "error"), [
    (EXE, "setup.exe", ValidationFailed),
    (b"plain text pretending to be an image", "photo.png", ValidationFailed),
    (b"", "empty.png", ValidationFailed),
    (w.PNG + bytes(10 * 1024 * 1024), "huge.png", PayloadTooLarge),
])
def test_refused_files_write_nothing(storage, data, filename, error):
    # given
    operator = w.make_operator()
    before = w.snapshot()

    # when / then
    with pytest.raises(error):
        w.upload(operator, data=data, filename=filename)
    w.assert_nothing_changed(before)
    assert not storage.exists() or not any(storage.rglob("*"))


def test_exactly_10_mib_is_accepted():
    operator = w.make_operator()
    data = w.PNG + bytes(uploads.MAX_UPLOAD_BYTES - len(w.PNG))
    assert w.upload(operator, data=data)


def test_an_unknown_purpose_is_refused():
    with pytest.raises(ValidationFailed, match="purpose"):
        w.upload(w.make_operator(), purpose="avatar")


def test_only_the_owner_may_use_an_upload_and_only_for_its_purpose():
    # given
    owner, other = w.make_operators(count=2)
    proof = w.upload(owner, purpose="proof")

    def owned(user_id: str, purpose: str):
        return w.in_unit(lambda session: uploads.owned_uploads(session, owner_user_id=user_id, upload_ids=[proof],
                                                              purpose=purpose))

    # when / then
    assert [upload.id for upload in owned(owner.user_id, "proof")] == [proof]
    for user_id, purpose in ((other.user_id, "proof"), (owner.user_id, "kyc_document")):
        with pytest.raises(NotFound):
            owned(user_id, purpose)
    with pytest.raises(NotFound):
        w.in_unit(lambda session: uploads.owned_uploads(session, owner_user_id=owner.user_id,
                                                        upload_ids=["upl_missing"], purpose="proof"))
