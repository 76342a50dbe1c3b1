"""The one keyset-pagination helper: pages newest first, ties on created_at, cursors checked in one place."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from marketplace_app.companies.models import Project
from marketplace_app.core import db
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import ValidationFailed
from marketplace_app.core.pagination import decode_cursor, find_anchor, integer_anchor, newest_first
from marketplace_app.requests import service as request_service
from tests import factories
from tests.requests import helpers as rh

COLUMNS = (Project.created_at, Project.id)
NOON = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)


def projects(created: list[datetime]) -> tuple[str, list[str]]:
    """A company with one project per moment in `created`; returns its id and the ids newest first."""
    with unit_of_work() as session:
        company = factories.make_company(session, name="Paging Co")
        made = []
        for index, moment in enumerate(created):
            project = factories.make_project(session, company=company, name=f"p{index}")
            project.created_at = moment
            made.append(project)
        session.flush()
        ordered = sorted(made, key=lambda project: (project.created_at, project.id), reverse=True)
        return company.id, [project.id for project in ordered]


def read_page(company_id: str, *, cursor: str | None, limit: int):
    """One page of the company's projects after `cursor` (an id from the previous page)."""
    with unit_of_work(read_only=True) as session:
        anchor = find_anchor(session, COLUMNS, Project.id == cursor, Project.company_id == company_id) \
            if cursor else None
        statement = select(Project).where(Project.company_id == company_id)
        page = newest_first(session, statement, columns=COLUMNS, anchor=anchor, limit=limit, scalars=True)
        return [project.id for project in page.rows], page.has_more, page.next_cursor


def every_page(company_id: str, *, limit: int) -> list[list[str]]:
    """Follow next_cursor from the top to the end."""
    pages, cursor = [], None
    while True:
        ids, has_more, cursor = read_page(company_id, cursor=cursor, limit=limit)
        pages.append(ids)
        if not has_more:
            assert cursor is None
            return pages


def test_first_next_and_last_page_follow_each_other_newest_first():
    # given
    company_id, newest_first_ids = projects([NOON + timedelta(minutes=minute) for minute in range(5)])

    # when
    first = read_page(company_id, cursor=None, limit=2)
    second = read_page(company_id, cursor=first[2], limit=2)
    last = read_page(company_id, cursor=second[2], limit=2)

    # then
    assert first == (newest_first_ids[:2], True, newest_first_ids[1])
    assert second == (newest_first_ids[2:4], True, newest_first_ids[3])
    assert last == (newest_first_ids[4:], False, None)


def test_rows_created_in_the_same_instant_are_each_listed_exactly_once():
    # given (five rows share one created_at, two more are older)
    company_id, newest_first_ids = projects([NOON] * 5 + [NOON - timedelta(seconds=1)] * 2)

    # when
    pages = every_page(company_id, limit=2)

    # then
    assert [len(page) for page in pages] == [2, 2, 2, 1]
    assert [project_id for page in pages for project_id in page] == newest_first_ids


def test_a_page_exactly_as_long_as_what_is_left_says_there_is_no_more():
    # given
    company_id, newest_first_ids = projects([NOON, NOON + timedelta(seconds=1)])

    # when
    ids, has_more, cursor = read_page(company_id, cursor=None, limit=2)

    # then
    assert (ids, has_more, cursor) == (newest_first_ids, False, None)


def test_an_empty_list_is_one_empty_page():
    # given
    company_id, _ = projects([])

    # then
    assert read_page(company_id, cursor=None, limit=20) == ([], False, None)


@pytest.mark.parametrize("cursor", ["prj_%00", "x" * 41, "prj_abc' OR 1=1", "prj/abc", "ümlaut"])
def test_a_cursor_not_shaped_like_an_id_is_a_validation_error(cursor):
    # when
    with pytest.raises(ValidationFailed) as refused:
        decode_cursor(cursor)

    # then
    assert refused.value.code == "validation_error"


@pytest.mark.parametrize("cursor", [None, ""])
def test_no_cursor_means_the_first_page(cursor):
    # then
    assert decode_cursor(cursor) is None


@pytest.mark.parametrize(("starting_after", "anchor"), [(None, None), (7, (7,)), (2**31 - 1, (2**31 - 1,)),
                                                         (2**31, None)])
def test_an_integer_cursor_beyond_the_column_range_starts_at_the_top(starting_after, anchor):
    # then (every id is older than an id the column cannot hold)
    assert integer_anchor(starting_after, max_id=2**31 - 1) == anchor


def _keyset_statement_of_a_request_page() -> tuple[str, dict]:
    """The SQL and parameters `list_requests` runs for a keyset page (`starting_after`)."""
    agent = rh.make_agent(funded_cents=3_000)
    rh.seed_matching_requests(agent, count=30, price_cents=100, deadline=NOON + timedelta(days=365))
    seen: list[tuple[str, dict]] = []
    context = agent.context()
    # The seeded requests share one created_at, so the list order is by id: anchor on the 11th of it.
    with unit_of_work(read_only=True) as session:
        anchor = request_service.list_requests(session, ctx=context, limit=30).rows[10]["id"]

    def remember(_connection, _cursor, statement, parameters, _context, _many):
        if "ORDER BY request.created_at DESC" in statement:
            seen.append((statement, parameters))

    event.listen(db.get_engine(), "before_cursor_execute", remember)
    try:
        with unit_of_work(read_only=True) as session:
            page = request_service.list_requests(session, ctx=context, limit=5, starting_after=anchor)
    finally:
        event.remove(db.get_engine(), "before_cursor_execute", remember)
    assert len(page.rows) == 5
    return seen[-1]


def test_a_deep_keyset_page_is_one_index_range_scan_starting_at_the_anchor():
    # given the statement of a keyset page of requests
    statement, parameters = _keyset_statement_of_a_request_page()

    # when the database plans it (PostgreSQL told to prefer an index, as it would at 1,000,000 rows)
    with unit_of_work(read_only=True) as session:
        connection = session.connection()
        if db.is_postgres(session):
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters))
            expected = "ROW(created_at, (id)::text) < ROW("
        else:
            plan = "\n".join(str(row[-1]) for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters))
            expected = "(created_at,id)<(?,?)"

    # then the index range itself starts at the anchor's (created_at, id), nothing is filtered after it
    assert "ix_request_project_created" in plan and expected in plan, plan
