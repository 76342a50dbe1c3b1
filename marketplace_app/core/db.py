"""Engine, SQLite tuning and the unit of work: the only place that commits.

SQLite runs in WAL mode with `busy_timeout`, `foreign_keys=ON`, one connection
per process and `BEGIN IMMEDIATE` for every write transaction, so concurrent
writers queue instead of failing with "database is locked" or losing updates.
PostgreSQL runs at READ COMMITTED; money code relies on conditional updates and
row locks, never on read-then-write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, MetaData, Table, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, SQLModel

from marketplace_app.settings import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION
metadata: MetaData = SQLModel.metadata

SQLITE_BUSY_TIMEOUT_MS = 15_000
AFTER_COMMIT_KEY = "after_commit"
READ_ONLY_OPTION = "handoff_read_only"

_engine: Engine | None = None
_engine_lock = threading.Lock()


def normalize_url(url: str) -> str:
    """Point plain PostgreSQL URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    """Create an engine with Handoff's connection rules for `url`."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=120,
        )
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, pool_timeout=60)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours to issue.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}", "foreign_keys=ON",
                       "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def configure(url: str | None = None) -> Engine:
    """(Re)create the process engine for `url` (default: settings), disposing the old one."""
    global _engine
    with _engine_lock:
        if _engine is not None:
            _engine.dispose()
        _engine = make_engine(url or get_settings().database_url)
        return _engine


def get_engine() -> Engine:
    """Return the process engine, creating it from settings on first use."""
    if _engine is None:
        return configure()
    return _engine


@contextmanager
def unit_of_work(*, read_only: bool = False) -> Iterator[Session]:
    """Open a session, commit on success, roll back on any error.

    Services flush but never commit; front doors and jobs wrap each call in one
    unit of work. Callbacks registered with `after_commit` run only once the
    transaction is durable (e.g. waking the webhook dispatcher). A read-only
    unit ends without commit; closing the session keeps loaded objects readable.
    """
    with Session(get_engine(), expire_on_commit=False, autoflush=False) as session:
        if read_only:
            session.connection(execution_options={READ_ONLY_OPTION: True})
        try:
            yield session
            if not read_only:
                session.commit()
        except BaseException:
            session.rollback()
            raise
    for callback in session.info.get(AFTER_COMMIT_KEY, ()):
        callback()


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` after the session's unit of work commits (never if it rolls back)."""
    session.info.setdefault(AFTER_COMMIT_KEY, []).append(callback)


def insert_ignore(session: Session, table: Table, values: Mapping[str, Any], *, conflict: list[str]) -> None:
    """Insert a row unless one with the same `conflict` columns exists."""
    dialect = session.get_bind().dialect.name
    builder = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(builder(table).values(**values).on_conflict_do_nothing(index_elements=conflict))


def is_postgres(session: Session) -> bool:
    """Whether the session talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"
