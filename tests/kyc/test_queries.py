"""The document a KYC submission was sent with, for staff."""

from __future__ import annotations

from datetime import date

import pytest

from marketplace_app.kyc import queries
from marketplace_app.kyc import service as kyc
from tests.work import helpers as w


@pytest.fixture(autouse=True)
def storage(monkeypatch, tmp_path):
    return w.use_tmp_storage(monkeypatch, tmp_path)


def test_a_submission_leads_to_its_document_and_an_unknown_one_to_none():
    # given
    newcomer = w.make_operator(verified=False, available=False)
    upload_id = w.upload(newcomer, purpose="kyc_document", data=w.JPEG, filename="id.jpg")
    submission = w.in_unit(lambda session: kyc.submit(session, user_id=newcomer.user_id, legal_name="Ana García",
                                                      country="ES", date_of_birth=date(1990, 5, 17),
                                                      document_upload_id=upload_id))

    # when
    document = w.in_unit(lambda session: queries.document_of(session, submission_id=submission.id))
    unknown = w.in_unit(lambda session: queries.document_of(session, submission_id="kyc_000000000000000000000000"))

    # then
    assert (document.id, document.filename, document.path.read_bytes()) == (upload_id, "id.jpg", w.JPEG)
    assert unknown is None
