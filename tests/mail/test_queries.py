"""Reading the outbox: the development inbox shows a person their own mail only and does not exist in
production; every mail is for staff only, whichever door asks."""

from __future__ import annotations

import pytest

from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Forbidden, NotFound
from marketplace_app.identity.models import Role
from marketplace_app.mail import queries
from marketplace_app.mail import service as mail
from marketplace_app.settings import get_settings
from tests import factories


def user(role: Role = Role.company, email: str | None = None) -> str:
    with unit_of_work() as session:
        return factories.make_user(session, role=role, **({"email": email} if email else {})).id


def send(to: str, subject: str) -> str:
    with unit_of_work() as session:
        return mail.queue(session, to=to, subject=subject, text="Hello", kind="sign_in").id


def test_the_inbox_holds_the_viewers_own_mail_newest_first_whatever_the_case_of_the_address():
    # given
    reader = user(email="Reader@Example.com")
    first, second = send("READER@example.com", "One"), send("reader@example.com", "Two")
    send("someone.else@example.com", "Not yours")

    # when
    with unit_of_work(read_only=True) as session:
        page = queries.inbox(session, viewer_id=reader)

    # then
    assert [item.id for item in page.mails] == [second, first]
    assert not page.has_more


def test_there_is_no_inbox_in_production(monkeypatch):
    # given
    reader = user(email="reader@example.com")
    send("reader@example.com", "One")
    monkeypatch.setenv("ENVIRONMENT", "production")
    get_settings.cache_clear()

    # when / then
    with unit_of_work(read_only=True) as session, pytest.raises(NotFound):
        queries.inbox(session, viewer_id=reader)
    assert not queries.inbox_available()
    get_settings.cache_clear()


@pytest.mark.parametrize("role", [Role.company, Role.operator, Role.agent_owner])
def test_only_staff_read_every_mail(role):
    # given
    send("someone@example.com", "One")
    reader, staff = user(role), user(Role.admin)

    # when
    with unit_of_work(read_only=True) as session:
        seen = queries.all_mail(session, viewer_id=staff)
        with pytest.raises(Forbidden):
            queries.all_mail(session, viewer_id=reader)

    # then
    assert [item.subject for item in seen.mails] == ["One"]
