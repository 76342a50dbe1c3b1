"""Naming people on pages: the users asked for, by id; ids that name nobody are left out."""

from __future__ import annotations

from marketplace_app.identity import queries
from marketplace_app.identity.models import Role
from tests import factories
from tests.work import helpers as w


def test_people_are_found_by_id_and_unknown_ids_are_left_out():
    # given
    user = w.in_unit(lambda session: factories.make_user(session, role=Role.operator, email="ana@example.com",
                                                         display_name="Ana"))

    # when
    found = w.in_unit(lambda session: queries.people(session, {user.id, "usr_000000000000000000000000"}))

    # then
    assert found == {user.id: queries.Person(id=user.id, email="ana@example.com", display_name="Ana")}


def test_asking_for_nobody_reads_nothing():
    # then
    assert w.in_unit(lambda session: queries.people(session, set())) == {}
