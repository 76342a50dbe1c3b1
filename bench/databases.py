"""Fresh, migrated databases for one measurement each: a copied SQLite template or a
reset PostgreSQL schema. Only loopback PostgreSQL servers are accepted."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text

from marketplace_app.core import db
from marketplace_app.core.db import normalize_url
from marketplace_app.settings import PROJECT_ROOT, get_settings

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:55432/handoff_bench"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
KINDS = ("sqlite", "postgres")


def postgres_url() -> str:
    """`BENCH_DATABASE_URL`, else the benchmark database on loopback; refuses any other host."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL)
    host = urlsplit(url).hostname
    if host not in LOOPBACK_HOSTS:
        raise SystemExit(f"BENCH_DATABASE_URL must point at a loopback server, not {host!r}")
    return url


def migrate(url: str) -> None:
    """Bring the database at `url` to the newest migration."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["database_url"] = url
    config.attributes["configure_logger"] = False
    command.upgrade(config, "head")


def use(url: str) -> None:
    """Point this process (settings and engine) at `url`."""
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    db.configure(url)


def release() -> None:
    """Close this process's connections (before a server process takes over the database)."""
    db.get_engine().dispose()


@dataclass
class Databases:
    """Hands out fresh migrated databases of one kind. SQLite: files in a temporary folder.
    PostgreSQL: the `public` schema of the benchmark database for `main`, a `bench_<name>`
    schema (chosen with `search_path` in the URL) for any other name."""

    kind: str
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="handoff-bench-")))
    _template: Path | None = None
    _count: int = 0
    _schemas: set[str] = field(default_factory=set)

    def fresh(self, name: str = "main") -> str:
        """Return the URL of an empty, migrated database and point this process at it."""
        self._count += 1
        url = self._fresh_postgres(name) if self.kind == "postgres" else self._fresh_sqlite(name)
        use(url)
        return url

    def _fresh_sqlite(self, name: str) -> str:
        if self._template is None:
            self._template = self.workdir / "template.db"
            migrate(f"sqlite:///{self._template}")
        target = self.workdir / f"{name}-{self._count}.db"
        shutil.copyfile(self._template, target)
        return f"sqlite:///{target}"

    def _fresh_postgres(self, name: str) -> str:
        schema = "public" if name == "main" else f"bench_{name}"
        self._execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}")
        url = postgres_url()
        if schema != "public":
            self._schemas.add(schema)
            url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
        migrate(url)
        return url

    def _execute(self, *statements: str) -> None:
        engine = create_engine(normalize_url(postgres_url()), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))
        engine.dispose()

    def analyze(self) -> None:
        """PostgreSQL: refresh planner statistics after a bulk load, as autovacuum would a little
        later. SQLite is left as the app leaves it (Handoff never runs `ANALYZE` there)."""
        if self.kind == "postgres":
            self._execute("VACUUM ANALYZE")

    def cleanup(self) -> None:
        """Delete the SQLite files and extra schemas (PostgreSQL keeps `public` for inspection)."""
        release()
        if self.kind == "postgres" and self._schemas:
            self._execute(*(f"DROP SCHEMA IF EXISTS {schema} CASCADE" for schema in sorted(self._schemas)))
        shutil.rmtree(self.workdir, ignore_errors=True)
