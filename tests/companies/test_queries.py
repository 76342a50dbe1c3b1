"""Naming companies on pages."""

from __future__ import annotations

from marketplace_app.companies import queries
from tests import factories
from tests.work import helpers as w


def test_company_names_by_id_leave_unknown_ids_out():
    # given
    company = w.in_unit(lambda session: factories.make_company(session, name="Named Co"))

    # when
    names = w.in_unit(lambda session: queries.company_names(session, [company.id, "cmp_000000000000000000000000"]))

    # then
    assert names == {company.id: "Named Co"}
    assert w.in_unit(lambda session: queries.company_names(session, [])) == {}
