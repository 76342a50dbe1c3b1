"""The per-test database of `tests/conftest.py`: what one test wrote is gone for the next, ids start again."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Integer, create_engine, func, select, text

from marketplace_app.core import db
from marketplace_app.core.db import metadata, normalize_url, unit_of_work
from tests import factories
from tests.conftest import ON_POSTGRES, REFERENCE_TABLES, _put_connections_away, fresh_database

LOCK_KEY = 424_242


def _write_a_funded_company() -> None:
    with unit_of_work() as session:
        company = factories.make_company(session)
        factories.fund(session, company=company, cents=1_000)


def _rows() -> dict[str, int]:
    """Row counts of the tables a test can write (the reference tables come back as migrated)."""
    with unit_of_work(read_only=True) as session:
        counts = {table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
                  for table in metadata.sorted_tables if table.name not in REFERENCE_TABLES}
    return {name: count for name, count in counts.items() if count}


def _newest_ids() -> dict[str, int]:
    """The largest id of every table with an integer id sequence that has rows."""
    newest: dict[str, int] = {}
    with unit_of_work(read_only=True) as session:
        for table in metadata.sorted_tables:
            key = list(table.primary_key.columns)
            if len(key) == 1 and isinstance(key[0].type, Integer):
                value = session.execute(select(func.max(key[0]))).scalar_one()
                if value is not None:
                    newest[table.name] = value
    return newest


def test_the_next_test_starts_with_empty_tables_and_ids_counting_from_the_start(schema_source: str,
                                                                                 tmp_path: Path):
    # given: a test that wrote users, a company, ledger accounts and a transfer
    _write_a_funded_company()
    first_ids = _newest_ids()
    assert len(_rows()) >= 5
    assert len(first_ids) >= 3

    # when: the next test's database is made
    next_folder = tmp_path / "next"
    next_folder.mkdir()
    fresh_database(schema_source, next_folder)

    # then: nothing is left, and the same writes get the same ids again
    assert _rows() == {}
    _write_a_funded_company()
    assert _newest_ids() == first_ids


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has no server sessions: its connections close after every test")
def test_what_a_test_leaves_on_a_pooled_connection_does_not_reach_the_next(schema_source: str, tmp_path: Path):
    # given: a connection back in the pool holding a session-level advisory lock and a session setting
    with db.get_engine().connect() as connection:
        assert connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar_one()
        connection.execute(text("SET application_name = 'left-behind'"))
        connection.commit()

    # when: this test ends and the next one's database is made
    _put_connections_away(db.get_engine())
    fresh_database(schema_source, tmp_path)

    # then: another session can take the lock, and the app's connections carry no setting of the last test
    outsider = create_engine(normalize_url(schema_source))
    try:
        with outsider.connect() as connection:
            assert connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar_one()
    finally:
        outsider.dispose()
    with db.get_engine().connect() as connection:
        assert connection.execute(text("SHOW application_name")).scalar_one() != "left-behind"
