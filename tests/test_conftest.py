"""The per-test database of `tests/conftest.py`: what one test wrote is gone for the next, ids start again."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Integer, func, select

from marketplace_app.core.db import metadata, unit_of_work
from tests import factories
from tests.conftest import REFERENCE_TABLES, fresh_database


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
