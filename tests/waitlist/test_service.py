"""Joining the waitlist: one entry per (type, e-mail), validated input, safe under concurrency."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import ValidationFailed
from marketplace_app.waitlist import service as waitlist
from marketplace_app.waitlist.models import WaitlistEntry
from tests.ledger.helpers import race

DOMAIN = "example.com"


def email(local: str) -> str:
    return f"{local}@{DOMAIN}"


def entries() -> int:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(func.count()).select_from(WaitlistEntry)).scalar_one()


def test_joining_creates_one_normalised_entry():
    with unit_of_work() as session:
        # when
        joined = waitlist.join_waitlist(session, type="company", email=f"Ada@{DOMAIN.upper()}", name="  Acme ",
                                        use_case="Agent quality assurance\nand more")

    # then
    assert joined.created
    entry = joined.entry
    assert entry.id.startswith("wl_")
    assert (entry.type, entry.email, entry.name, entry.use_case) == (
        "company", email("ada"), "Acme", "Agent quality assurance\nand more")


def test_joining_again_returns_the_first_entry_unchanged():
    # given
    with unit_of_work() as session:
        first = waitlist.join_waitlist(session, type="operator", email=email("bo"), name="Bo")

    # when
    with unit_of_work() as session:
        again = waitlist.join_waitlist(session, type="operator", email=email("BO"), name="Someone else",
                                       use_case="different")

    # then
    assert not again.created
    assert (again.entry.id, again.entry.name, again.entry.use_case) == (first.entry.id, "Bo", None)
    assert entries() == 1


def test_the_same_email_may_join_as_another_type():
    with unit_of_work() as session:
        waitlist.join_waitlist(session, type="operator", email=email("cy"), name="Cy")
        other = waitlist.join_waitlist(session, type="patxer", email=email("cy"), name="Cy")

    assert other.created and entries() == 2


def test_concurrent_duplicate_sign_ups_make_one_entry(database):
    # when
    result = race(database, contenders=6, action=lambda session, _i: waitlist.join_waitlist(
        session, type="agent_owner", email=email("dee"), name="Dee").created)

    # then
    assert sorted(result.outcomes) == [False] * 5 + [True]
    assert entries() == 1


@pytest.mark.parametrize(("fields", "needle"), [
    ({"type": "investor"}, "type"), ({"email": "not-an-email"}, "email"), ({"email": "a\x00@example.com"}, "email"),
    ({"name": "   "}, "name"), ({"name": "x" * 121}, "name"), ({"name": "tab\tname"}, "control"),
    ({"use_case": "x" * 1001}, "use_case"), ({"use_case": "nul\x00"}, "control"),
])
def test_bad_input_is_refused_and_writes_nothing(fields, needle):
    # given
    values = {"type": "company", "email": email("e"), "name": "E", **fields}

    # when / then
    with unit_of_work() as session, pytest.raises(ValidationFailed, match=needle):
        waitlist.join_waitlist(session, **values)
    assert entries() == 0


def test_a_blank_use_case_is_stored_as_none():
    with unit_of_work() as session:
        joined = waitlist.join_waitlist(session, type="company", email=email("f"), name="F", use_case="   ")

    assert joined.entry.use_case is None
