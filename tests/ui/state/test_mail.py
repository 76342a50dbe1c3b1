"""The mail lists' reading: a body is plain text whose http(s) addresses become links, nothing else
does, and no character of the text is lost or added."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from marketplace_app.core.db import unit_of_work
from marketplace_app.identity.models import Role
from marketplace_app.mail import service as mail
from marketplace_app.mail.queries import Mail
from marketplace_app.ui.state.mail import BodyPart, linkify, mail_row, staff_mail_page
from tests import factories


def test_web_addresses_become_links_and_sentence_punctuation_stays_text():
    # when
    parts = linkify("Activate: https://handoff.test/activate/lt_abc?x=1.\nOr http://localhost:3000/a, then reply.")

    # then
    assert parts == [BodyPart("Activate: "), BodyPart("https://handoff.test/activate/lt_abc?x=1", is_link=True),
                     BodyPart(".\nOr "), BodyPart("http://localhost:3000/a", is_link=True), BodyPart(", then reply.")]


@pytest.mark.parametrize("text", ["javascript:alert(1)", "<a href='https://evil.test'>x</a>", "ftp://files.test/x",
                                  "data:text/html,<script>", "no links at all", ""])
def test_only_http_addresses_become_links_and_the_text_is_kept_whole(text):
    # when
    parts = linkify(text)

    # then
    assert "".join(part.text for part in parts) == text
    assert all(part.text.startswith(("http://", "https://")) for part in parts if part.is_link)
    assert not any(part.is_link and ("<" in part.text or "'" in part.text) for part in parts)


def test_a_listed_mail_shows_its_kind_in_words_and_the_start_of_its_text():
    # given
    written = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    mail = Mail(id="eml_1", to="a@example.com", subject="Hi", text="word " * 100, kind="agent_key",
                status="kept", created_at=written, sent_at=None, last_error=None)

    # when
    row = mail_row(mail)

    # then
    assert (row.kind, row.created, row.sent) == ("agent key", "2026-12-07 09:00 UTC", "—")
    assert len(row.preview) == 120 and row.preview.endswith("…")


def test_staff_filter_the_page_by_address_and_by_kind_as_people_write_it():
    # given
    with unit_of_work() as session:
        staff_id = factories.make_user(session, role=Role.admin).id
        for to, kind in (("ana@example.com", "sign_in"), ("ana@example.com", "agent_key"),
                         ("bo@example.com", "sign_in")):
            mail.queue(session, to=to, subject=kind, text="Hello", kind=kind)

    # when
    with unit_of_work(read_only=True) as session:
        rows, texts, has_more = staff_mail_page(session, staff_id=staff_id, starting_after=None,
                                                to=" Ana@Example.com ", kind="Sign In")

    # then
    assert [(row.recipient, row.kind) for row in rows] == [("ana@example.com", "sign in")]
    assert list(texts.values()) == ["Hello"] and not has_more
