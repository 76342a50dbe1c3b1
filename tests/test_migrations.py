"""Migrations and models agree, and the migration chain runs down and up again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.command import downgrade, upgrade
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import BigInteger, Column, MetaData, create_engine, inspect, text
from sqlalchemy.engine import make_url

import marketplace_app.models  # noqa: F401  (registers every table)
from marketplace_app.core.db import make_engine, metadata, normalize_url
from marketplace_app.demo.seed import seed
from marketplace_app.settings import PROJECT_ROOT
from tests.conftest import DATABASE_URL, ON_POSTGRES, migrate


def alembic_config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    return config


def schema_differences(url: str, models: MetaData = metadata) -> list:
    """What autogenerate would write to bring the database at `url` to `models`."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "compare_server_default": True, "render_as_batch": True})
            return compare_metadata(context, models)
    finally:
        engine.dispose()


def user_tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


@pytest.fixture
def scratch_database(tmp_path) -> Iterator[str]:
    """An empty database of the kind under test, dropped afterwards."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    server = make_url(normalize_url(DATABASE_URL))
    name = f"handoff_scratch_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_migrated_schema_matches_the_models(database):
    # when
    differences = schema_differences(database)

    # then
    assert differences == []


def test_the_comparison_notices_a_model_change_without_a_migration(database):
    # given
    changed = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["user_account"].append_column(Column("credit_limit_cents", BigInteger, nullable=True))

    # when
    differences = schema_differences(database, changed)

    # then
    assert [(kind, column.name) for kind, _schema, _table, column in differences] == [
        ("add_column", "credit_limit_cents")]


def test_the_migration_chain_is_linear():
    # given
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))

    # then
    assert len(scripts.get_heads()) == 1
    assert len(scripts.get_bases()) == 1


def test_downgrade_to_base_then_upgrade_to_head_works(scratch_database):
    # given
    migrate(scratch_database)
    config = alembic_config(scratch_database)
    tables = user_tables(scratch_database)

    # when
    downgrade(config, "base")
    after_downgrade = user_tables(scratch_database)
    upgrade(config, "head")

    # then
    assert tables == {table.name for table in metadata.sorted_tables}
    assert after_downgrade == set()
    assert user_tables(scratch_database) == tables
    assert schema_differences(scratch_database) == []


def test_every_migration_step_downgrades_and_upgrades_one_at_a_time(scratch_database):
    # given
    config = alembic_config(scratch_database)
    revisions = list(reversed(list(ScriptDirectory.from_config(config).walk_revisions())))

    # when / then
    for revision in revisions:
        upgrade(config, revision.revision)
        downgrade(config, "-1")
        upgrade(config, revision.revision)
    assert schema_differences(scratch_database) == []


def test_a_database_with_data_migrates_down_and_up_again(database):
    # given the demo data (companies, projects, keys, members, ledger rows that reference each other)
    assert seed() is not None
    before = user_row_counts(database)

    # when the schema goes back before webhooks and disputes, and forward again (SQLite rebuilds tables)
    downgrade(alembic_config(database), "0003")
    upgrade(alembic_config(database), "head")

    # then every row is still there, and the schema matches the models
    assert user_row_counts(database) == before
    assert schema_differences(database) == []


def user_row_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {name: connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                    for name in ("user_account", "company", "project", "api_key", "company_member", "ledger_entry")}
    finally:
        engine.dispose()
