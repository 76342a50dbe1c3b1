"""Alembic environment: the schema comes from `marketplace_app.models`, the URL from settings."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

import marketplace_app.models  # noqa: F401  (registers every table)
from marketplace_app.core.db import make_engine, metadata
from marketplace_app.settings import get_settings

if context.config.config_file_name is not None and context.config.attributes.get("configure_logger", True):
    fileConfig(context.config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    """The URL given by the caller (tests) or else the settings."""
    return context.config.attributes.get("database_url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=database_url(), target_metadata=metadata, literal_binds=True,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(database_url())
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a column by rebuilding the table (batch mode); with foreign keys on, the
            # DROP of a referenced table fails once it holds rows. Checked again below.
            _raw_sqlite(connection, "PRAGMA foreign_keys=OFF")
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = _raw_sqlite(connection, "PRAGMA foreign_key_check")
            _raw_sqlite(connection, "PRAGMA foreign_keys=ON")
            if broken:
                raise RuntimeError(f"migration left rows that break foreign keys: {broken[:5]}")
    engine.dispose()


def _raw_sqlite(connection, statement: str) -> list:
    """Run a PRAGMA outside any transaction (SQLite ignores foreign_keys inside one)."""
    cursor = connection.connection.driver_connection.cursor()
    try:
        return cursor.execute(statement).fetchall()
    finally:
        cursor.close()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
