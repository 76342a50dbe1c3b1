"""Test database per test, on the migrated schema, on SQLite or PostgreSQL.

`DATABASE_URL` chooses the database (CI runs the suite once on each). SQLite:
the schema is migrated once into a template file and copied for every test.
PostgreSQL: migrated once, then every table is emptied before each test (in one round trip; the
app's pooled connections stay open between tests, their session state discarded).
Tests really commit, so race tests see what other connections see.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0123456789")
# Agent JWT keys (agents/tokens.py): set, so the tests that run with ENVIRONMENT=production start.
os.environ.setdefault("JWT_KEYS", "test1:test-only-jwt-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("JWT_CURRENT_KID", "test1")
os.environ["SCHEDULER_ENABLED"] = "false"
# Production refuses to start without a mail server; tests that run as production name one (no
# mail leaves in the suite: only tests/mail/test_sender.py sends, to its own loopback server).
os.environ.setdefault("SMTP_HOST", "127.0.0.1")
os.environ.setdefault("MAIL_FROM", "Handoff <no-reply@handoff.test>")

import pytest
import redis
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from marketplace_app.core import clock, db
from marketplace_app.core.db import metadata, normalize_url
from marketplace_app.ratelimit import service as ratelimit
from marketplace_app.settings import PROJECT_ROOT, get_settings
from tests import redis_support

DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgres")
# Seeded by migrations: on PostgreSQL each test gets them back as the migrations left them.
REFERENCE_TABLES = frozenset({"skill"})
_reference_rows: dict[str, list[dict]] = {}
# The reset's statements, built once per session (the schema does not change during it).
_reset_sql: list[str] = []
_DISCARD_SESSION_STATE = ("CLOSE ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ALL; UNLISTEN *; "
                          "SELECT pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES")


def migrate(url: str) -> None:
    """Bring the database at `url` to the newest migration."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


@pytest.fixture(scope="session")
def schema_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database: a template file (SQLite) or the PostgreSQL URL itself."""
    if ON_POSTGRES:
        engine = create_engine(normalize_url(DATABASE_URL))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        migrate(DATABASE_URL)
        engine = create_engine(normalize_url(DATABASE_URL))
        with engine.connect() as connection:
            for name in REFERENCE_TABLES:
                _reference_rows[name] = [dict(row) for row in connection.execute(
                    metadata.tables[name].select()).mappings()]
        engine.dispose()
        return DATABASE_URL
    template = tmp_path_factory.mktemp("schema") / "template.db"
    migrate(f"sqlite:///{template}")
    return str(template)


def _empty_postgres(connection) -> None:
    """Delete every row and restart every id sequence, as TRUNCATE … RESTART IDENTITY would, but about
    ten times faster on small tables (TRUNCATE makes new files). Triggers and foreign-key checks are off
    for this transaction only (`session_replication_role`, superuser), so the append-only guards of the
    ledger do not refuse the reset. The ~55 statements go to the server as one string: one round trip
    instead of one each cut the reset from ~50 ms to ~8 ms a test, about 2 minutes of the PostgreSQL suite."""
    if not _reset_sql:
        sequences = connection.execute(text(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")).scalars()
        _reset_sql.append("; ".join([
            "SET LOCAL session_replication_role = replica",
            *(f'DELETE FROM "{table.name}"' for table in reversed(metadata.sorted_tables)),
            *(f'ALTER SEQUENCE "{sequence}" RESTART' for sequence in sequences)]))
    connection.exec_driver_sql(_reset_sql[0])


@pytest.fixture(autouse=True)
def database(schema_source: str, tmp_path: Path) -> Iterator[str]:
    """Give each test an empty migrated database and point the app at it."""
    yield fresh_database(schema_source, tmp_path)
    clock.unfreeze()
    _put_connections_away(db.get_engine())


def _put_connections_away(engine: Engine) -> None:
    """After a test, close the app's connections, except on PostgreSQL when every one of them is back in the
    pool: those stay open with their session state wiped (what `DISCARD ALL` does but for dropping prepared
    statements, which psycopg keeps track of), because a new server process spends ~30 ms a test loading the
    catalog again."""
    if not ON_POSTGRES or engine.url != make_url(normalize_url(DATABASE_URL)) or engine.pool.checkedout():
        engine.dispose()
        return
    connections = [engine.connect() for _ in range(engine.pool.checkedin())]
    try:
        for connection in connections:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(_DISCARD_SESSION_STATE)
    finally:
        for connection in connections:
            connection.close()


def fresh_database(schema_source: str, folder: Path) -> str:
    """Empty the migrated database (PostgreSQL) or copy it into `folder` (SQLite); point the app at it."""
    if ON_POSTGRES:
        engine = db.get_engine()
        if engine.url != make_url(normalize_url(schema_source)):
            engine = db.configure(schema_source)
        with engine.begin() as connection:
            _empty_postgres(connection)
            for name, rows in _reference_rows.items():
                if rows:
                    connection.execute(metadata.tables[name].insert(), rows)
        # What the app caches per database (ledger account ids, the catalogue) is gone with the rows; the
        # caches forget it when told the engine was disposed, which the kept connections no longer do.
        engine.dispatch.engine_disposed(engine)
        url = schema_source
    else:
        target = folder / "handoff.db"
        shutil.copyfile(schema_source, target)
        url = f"sqlite:///{target}"
        db.configure(url)
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    # Rate-limit counts live outside the database (in process without REDIS_URL): a new test starts at zero.
    ratelimit.forget_counts()
    return url


@pytest.fixture(scope="session")
def redis_server_url() -> Iterator[str]:
    """One throwaway `redis-server` for the session. `make test` installs the binary (`make redis`);
    a missing one fails the tests that need it rather than skipping them unnoticed."""
    if not os.path.exists(redis_support.REDIS_SERVER):
        pytest.fail(f"redis-server is not installed ({redis_support.REDIS_SERVER}): run `make redis` "
                    "(apt-get install redis-server)")
    with redis_support.redis_server() as url:
        yield url


@pytest.fixture
def redis_url(redis_server_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the app at an emptied Redis (`REDIS_URL`), as a deployment of several workers is."""
    redis.Redis.from_url(redis_server_url).flushdb()
    monkeypatch.setenv("REDIS_URL", redis_server_url)
    get_settings.cache_clear()
    ratelimit.forget_counts()
    yield redis_server_url
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    ratelimit.forget_counts()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave the nightly sizes out unless the marker expression asks for them."""
    if "nightly" in (config.option.markexpr or ""):
        return
    nightly = [item for item in items if item.get_closest_marker("nightly")]
    if nightly:
        config.hook.pytest_deselected(items=nightly)
        items[:] = [item for item in items if not item.get_closest_marker("nightly")]
