"""What pages read of stored files: name, type, size and where the bytes are."""

from __future__ import annotations

import pytest

from marketplace_app.uploads import queries
from tests.work import helpers as w


@pytest.fixture(autouse=True)
def storage(monkeypatch, tmp_path):
    return w.use_tmp_storage(monkeypatch, tmp_path)


def test_documents_are_found_by_id_with_their_stored_bytes(storage):
    # given
    operator = w.make_operator()
    upload_id = w.upload(operator, purpose="proof", data=w.PDF, filename="proof.pdf")

    # when
    found = w.in_unit(lambda session: queries.documents(session, [upload_id, "upl_000000000000000000000000"]))

    # then
    document = found[upload_id]
    assert list(found) == [upload_id]
    assert (document.filename, document.content_type, document.size_bytes) == ("proof.pdf", "application/pdf",
                                                                              len(w.PDF))
    assert document.path.is_relative_to(storage) and document.path.read_bytes() == w.PDF
