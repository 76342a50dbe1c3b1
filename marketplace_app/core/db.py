"""Engine, SQLite tuning and the unit of work: the only place that commits.

SQLite runs in WAL mode with `busy_timeout`, `foreign_keys=ON`, one connection
per process and `BEGIN IMMEDIATE` for every write transaction, so concurrent
writers queue instead of failing with "database is locked" or losing updates.
Writers from different processes (app, scheduler, scripts) wait in a kernel
queue — an exclusive `flock` on `<database>-writer.lock` taken before `BEGIN
IMMEDIATE` and let go when the connection goes back to the pool — because
SQLite's own busy handler polls with sleeps of up to 100 ms: under a burst of
200 writers some lost that lottery for longer than any sane timeout.
PostgreSQL runs at READ COMMITTED; money code relies on conditional updates and
row locks, never on read-then-write.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Engine, MetaData, Result, Table, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel

from marketplace_app.core.errors import HandoffError
from marketplace_app.core.fifo_pool import FifoQueuePool
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
AFTER_REFUSAL_KEY = "after_refusal"
READ_ONLY_OPTION = "handoff_read_only"

T = TypeVar("T")

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
            poolclass=FifoQueuePool, pool_size=1, max_overflow=0, pool_timeout=120,
        )
        _tune_sqlite(engine, writer_lock_path=_writer_lock_path(url))
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, pool_timeout=60)


def _writer_lock_path(url: str) -> str | None:
    """The sidecar lock file for a file-backed SQLite database (none in memory)."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database) + "-writer.lock"


def _tune_sqlite(engine: Engine, *, writer_lock_path: str | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # Take transaction control from the driver so BEGIN is ours to issue.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}", "foreign_keys=ON",
                       "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()
        if writer_lock_path is not None:
            record.info[_WRITER_LOCK] = _WriterLock(writer_lock_path)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        if not read_only and (lock := connection.connection.info.get(_WRITER_LOCK)):
            lock.acquire()
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if lock := record.info.get(_WRITER_LOCK):
            lock.release()

    @event.listens_for(engine, "close")
    def _on_close(_dbapi_connection: Any, record: Any) -> None:
        if lock := record.info.pop(_WRITER_LOCK, None):
            lock.close()


_WRITER_LOCK = "handoff_writer_lock"


class _WriterLock:
    """One connection's place in the cross-process queue of SQLite writers.

    `flock` blocks in the kernel (the GIL is released) and is freed by the
    kernel if the process dies, so a crashed writer never wedges the others.
    Locks belong to the open file, so two connections of one process queue too.
    """

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self._held = False

    def acquire(self) -> None:
        if not self._held:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            self._held = True

    def release(self) -> None:
        if self._held:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._held = False

    def close(self) -> None:
        os.close(self._fd)
        self._held = False


def configure(url: str | None = None, *, reuse: bool = False) -> Engine:
    """(Re)create the process engine for `url` (default: settings), disposing the old one.

    With `reuse`, an engine already pointing at `url` is kept (its pool emptied, not rebuilt).
    """
    global _engine
    url = url or get_settings().database_url
    with _engine_lock:
        if _engine is not None:
            _engine.dispose()
            if reuse and _engine.url == make_url(normalize_url(url)):
                return _engine
        _engine = make_engine(url)
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
    transaction is durable (e.g. waking the webhook dispatcher). Writes registered
    with `after_refusal` run in a transaction of their own when the unit ends in a
    refusal. A read-only unit ends without commit; closing the session keeps loaded
    objects readable.
    """
    session = Session(get_engine(), expire_on_commit=False, autoflush=False)
    try:
        with session:
            if read_only:
                session.connection(execution_options={READ_ONLY_OPTION: True})
            try:
                yield session
                if not read_only:
                    session.commit()
            except BaseException:
                session.rollback()
                raise
    except HandoffError:
        _write_again_after_refusal(session)
        raise
    for callback in session.info.get(AFTER_COMMIT_KEY, ()):
        callback()


@contextmanager
def read_only_connection() -> Iterator[Connection]:
    """A Core connection in a read-only transaction (a plain `BEGIN` on SQLite: no writer lock),
    rolled back at the end: for a hot path's one prebuilt read, where an ORM session costs more
    than the read (an agent's key on every call)."""
    with get_engine().connect() as connection:
        yield connection.execution_options(**{READ_ONLY_OPTION: True})


def after_refusal(session: Session, write: Callable[[Session], object]) -> None:
    """Run `write` in a transaction of its own once this unit of work has ended in a refusal
    (a `HandoffError`) and rolled back: for what a refused call must leave behind, such as a
    failed sign-in."""
    session.info.setdefault(AFTER_REFUSAL_KEY, []).append(write)


def keep_if_refused(session: Session, write: Callable[[Session], T]) -> T:
    """Run `write(session)` now, and again after a refusal (`after_refusal`) should this unit of
    work end in one: the unit of work commits the first run or the second run is committed,
    so the write lands exactly once (a counted sign-up attempt, refused or not)."""
    after_refusal(session, write)
    return write(session)


def _write_again_after_refusal(session: Session) -> None:
    writes = session.info.get(AFTER_REFUSAL_KEY)
    if writes:
        # The refused transaction has ended and given its connection (and SQLite's writer lock) back.
        with unit_of_work() as again:
            for write in writes:
                write(again)


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` after the session's unit of work commits (never if it rolls back)."""
    session.info.setdefault(AFTER_COMMIT_KEY, []).append(callback)


_BUILT: dict[tuple[str, Hashable], Any] = {}


def built_once(session: Session, key: Hashable, build: Callable[[Callable[[Table], Any]], Any]) -> Any:
    """The statement `build` makes with this database's `insert` (ON CONFLICT differs by dialect),
    built once per database kind and `key`: on a hot path building costs more than running."""
    dialect = session.get_bind().dialect.name
    statement = _BUILT.get((dialect, key))
    if statement is None:
        statement = _BUILT[(dialect, key)] = build(pg_insert if dialect == "postgresql" else sqlite_insert)
    return statement


def insert_ignore(session: Session, table: Table, values: Mapping[str, Any], *, conflict: list[str],
                  returning: Sequence[ColumnElement[Any]] = ()) -> Result[Any]:
    """Insert a row unless one with the same `conflict` columns exists.

    The result holds the `returning` columns of the inserted row, and no row when one existed.
    """
    dialect = session.get_bind().dialect.name
    builder = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = builder(table).values(**values).on_conflict_do_nothing(index_elements=conflict)
    if returning:
        statement = statement.returning(*returning)
    return session.execute(statement)


def is_postgres(session: Session) -> bool:
    """Whether the session talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"
