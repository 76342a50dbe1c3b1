"""Exactly one scheduler per deployment.

PostgreSQL: a session-level advisory lock held on a dedicated connection (it
vanishes with the process). Any database, SQLite included: a lease row renewed
on every tick and taken over only after it expires.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from sqlalchemy import Connection, select, text, update

from marketplace_app.core.clock import EPOCH, now
from marketplace_app.core.db import get_engine, insert_ignore, unit_of_work
from marketplace_app.scheduler.models import SchedulerLease

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
LEASE_TTL = timedelta(seconds=30)
RENEW_EVERY = timedelta(seconds=10)
ADVISORY_LOCK_KEY = 0x48414E44  # "HAND"
LEASES = SchedulerLease.__table__


def holder_name() -> str:
    """A name for this process that staff can recognise."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Leadership:
    """Tracks whether this process may run the jobs right now."""

    def __init__(self, holder: str | None = None) -> None:
        self.holder = holder or holder_name()
        self._lock_connection: Connection | None = None
        self._renewed_at: datetime | None = None
        self._released = False
        # APScheduler ticks run in a thread pool; they share this object and its connection.
        self._mutex = threading.Lock()

    def hold(self) -> bool:
        """Acquire or renew leadership; return whether this process leads.

        A lease renewed less than `RENEW_EVERY` ago is trusted without a database
        round trip (it stays valid for `LEASE_TTL`, three times as long).
        """
        with self._mutex:
            if self._released:
                return False
            if self._renewed_at is not None and now() - self._renewed_at < RENEW_EVERY:
                return True
            if get_engine().dialect.name == "postgresql" and not self._hold_advisory_lock():
                self._renewed_at = None
                return False
            leads = self._renew_lease()
            self._renewed_at = now() if leads else None
            return leads

    def release(self) -> None:
        """Give leadership up at shutdown so another instance takes over at once.

        A released leadership stays released: ticks still queued when the scheduler
        stopped cannot take the lease back.
        """
        with self._mutex:
            self._released = True
            self._renewed_at = None
            with unit_of_work() as session:
                session.execute(update(LEASES).where(LEASES.c.name == LEASE_NAME, LEASES.c.holder == self.holder)
                                .values(expires_at=EPOCH))
            self._drop_advisory_lock()

    def _drop_advisory_lock(self) -> None:
        connection, self._lock_connection = self._lock_connection, None
        if connection is None:
            return
        try:
            # close() alone would return the connection to the pool with the lock still held.
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
            connection.commit()
        except Exception:  # a broken connection: closing it for real frees the lock
            log.exception("scheduler advisory lock could not be unlocked")
            connection.invalidate()
        finally:
            connection.close()

    def _hold_advisory_lock(self) -> bool:
        try:
            if self._lock_connection is None:
                connection = get_engine().connect()
                locked = connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                            {"key": ADVISORY_LOCK_KEY}).scalar_one()
                connection.commit()
                if not locked:
                    connection.close()
                    return False
                self._lock_connection = connection
            self._lock_connection.execute(text("SELECT 1"))
            self._lock_connection.commit()
            return True
        except Exception:  # a dropped connection loses the lock; try again next tick
            log.exception("scheduler advisory lock lost")
            if self._lock_connection is not None:
                self._lock_connection.invalidate()  # never back to the pool: it may still hold the lock
                self._lock_connection.close()
            self._lock_connection = None
            return False

    def _renew_lease(self) -> bool:
        moment = now()
        with unit_of_work() as session:
            insert_ignore(session, LEASES, {"name": LEASE_NAME, "holder": "", "acquired_at": moment,
                                            "renewed_at": moment, "expires_at": EPOCH},
                          conflict=["name"])
            current = session.execute(select(LEASES.c.holder).where(LEASES.c.name == LEASE_NAME)).scalar_one()
            values = {"holder": self.holder, "renewed_at": moment, "expires_at": moment + LEASE_TTL}
            if current != self.holder:
                values["acquired_at"] = moment
            won = session.execute(update(LEASES).where(
                LEASES.c.name == LEASE_NAME,
                (LEASES.c.holder == self.holder) | (LEASES.c.expires_at < moment),
            ).values(**values)).rowcount
        return won == 1
