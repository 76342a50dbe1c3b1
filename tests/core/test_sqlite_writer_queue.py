"""SQLite writers of different connections and processes queue on `<database>-writer.lock`."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from marketplace_app.core.db import READ_ONLY_OPTION, make_engine
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(ON_POSTGRES, reason="the writer queue exists only for SQLite")


def _lock_is_free(path: str) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def _lock_path(url: str) -> str:
    return os.path.abspath(url.removeprefix("sqlite:///")) + "-writer.lock"


def test_a_write_transaction_holds_the_writer_lock_until_its_connection_is_returned(database):
    engine = make_engine(database)
    lock = _lock_path(database)
    try:
        with engine.connect() as connection:
            connection.execution_options(**{READ_ONLY_OPTION: True})
            with connection.begin():
                connection.execute(text("SELECT 1"))
                assert _lock_is_free(lock), "a read-only transaction must not queue behind writers"
        with engine.connect() as connection, connection.begin():
            connection.execute(text("UPDATE skill SET name = name"))
            assert not _lock_is_free(lock)
        assert _lock_is_free(lock)
    finally:
        engine.dispose()


def test_a_writer_killed_mid_transaction_does_not_wedge_the_others(database):
    # Given another process inside a write transaction
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from sqlalchemy import text; from marketplace_app.core.db import make_engine\n"
         "with make_engine(sys.argv[1]).connect() as c, c.begin():\n"
         "    c.execute(text('UPDATE skill SET name = name')); print('in', flush=True); time.sleep(60)\n",
         database], stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    try:
        assert holder.stdout.readline().strip() == "in"
        assert not _lock_is_free(_lock_path(database))

        # When it is killed
        holder.kill()
        holder.wait(timeout=10)
    finally:
        if holder.poll() is None:
            holder.kill()

    # Then the next writer gets in at once
    engine = make_engine(database)
    try:
        started = time.monotonic()
        with engine.connect() as connection, connection.begin():
            connection.execute(text("UPDATE skill SET name = name"))
        assert time.monotonic() - started < 5
    finally:
        engine.dispose()
