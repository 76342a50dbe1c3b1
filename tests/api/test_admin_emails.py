"""`GET /v1/admin/emails`: staff read every mail the platform wrote, newest first in keyset pages,
filtered by address and kind; nobody else may."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.mail import sender
from marketplace_app.mail import service as mail
from tests.companies.helpers import make_tenant
from tests.support import assert_error
from tests.work import helpers as w

EMAILS = "/v1/admin/emails"
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def staff():
    return w.staff_headers()


def queue_five() -> list[str]:
    """Five mails a minute apart to two people, oldest first; their ids."""
    clock.freeze(T0)
    ids = []
    for index in range(5):
        with unit_of_work() as session:
            ids.append(mail.queue(session, to=f"Person{index % 2}@Example.com", subject=f"Mail {index}",
                                  text=f"Body {index} https://handoff.test/a?b={index}",
                                  kind="sign_in" if index % 2 else "agent_key").id)
        clock.advance(timedelta(minutes=1))
    return ids


def test_staff_page_through_every_mail_newest_first_without_gaps_or_repeats(client, staff):
    # given
    ids = queue_five()

    # when
    seen, cursor, pages = [], None, 0
    while True:
        page = client.get(EMAILS, params={"limit": 2, **({"starting_after": cursor} if cursor else {})},
                          headers=staff).json()
        seen += [item["id"] for item in page["data"]]
        pages += 1
        cursor = page["next_starting_after"]
        if not page["has_more"]:
            break

    # then
    assert seen == list(reversed(ids))
    assert (pages, cursor) == (3, None)


def test_a_mail_reads_as_it_was_written_and_shows_whether_it_left(client, staff):
    # given
    ids = queue_five()
    sender.send_due()

    # when
    newest = client.get(EMAILS, params={"limit": 1}, headers=staff).json()["data"][0]

    # then
    assert newest == {"id": ids[-1], "to": "person0@example.com", "subject": "Mail 4",
                      "text": "Body 4 https://handoff.test/a?b=4", "kind": "agent_key", "status": "kept",
                      "created_at": "2026-12-07T09:04:00Z", "sent_at": "2026-12-07T09:05:00Z", "last_error": None}


def test_staff_filter_by_address_in_any_case_and_by_kind(client, staff):
    # given
    ids = queue_five()

    # when
    to_one = client.get(EMAILS, params={"to": "PERSON1@example.com"}, headers=staff).json()
    keys = client.get(EMAILS, params={"kind": "agent_key"}, headers=staff).json()
    both = client.get(EMAILS, params={"kind": "agent_key", "to": "person1@example.com"}, headers=staff).json()

    # then
    assert [item["id"] for item in to_one["data"]] == [ids[3], ids[1]]
    assert [item["id"] for item in keys["data"]] == [ids[4], ids[2], ids[0]]
    assert both["data"] == []


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"starting_after": "eml_\x00"},
                                    {"starting_after": "x" * 41}, {"kind": "Sign In"}, {"to": "a"}])
def test_bad_parameters_are_422(client, staff, params):
    # when
    response = client.get(EMAILS, params=params, headers=staff)

    # then
    assert_error(response, status=422, code="validation_error")


def test_nobody_but_staff_reads_the_mail(client):
    # given
    queue_five()
    tenant = make_tenant()

    # when
    anonymous = client.get(EMAILS)
    company = client.get(EMAILS, headers=tenant.headers())
    operator = client.get(EMAILS, headers=w.make_operator().headers())

    # then
    assert_error(anonymous, status=401, code="unauthorized")
    assert_error(company, status=403, code="forbidden")
    assert_error(operator, status=403, code="forbidden")
