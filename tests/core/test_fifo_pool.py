"""SQLite's one connection goes to waiting threads in the order they asked (`core/fifo_pool.py`)."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import exc

from marketplace_app.core.db import make_engine
from marketplace_app.core.fifo_pool import FifoGate, FifoQueuePool
from tests.conftest import ON_POSTGRES


def wait_until(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def in_line(gate: FifoGate, count: int) -> bool:
    return len(gate._waiters) == count  # the only way to know a thread is in line


def test_waiters_get_the_gate_in_the_order_they_asked():
    # given a held gate and five threads that queue one after another
    gate, served = FifoGate(), []
    assert gate.acquire(timeout=1)

    def waiter(name: str) -> None:
        assert gate.acquire(timeout=5)
        served.append(name)
        gate.release()

    threads = []
    for number in range(5):
        threads.append(threading.Thread(target=waiter, args=(f"w{number}",)))
        threads[-1].start()
        wait_until(lambda n=number: in_line(gate, n + 1))

    # when the holder lets go
    gate.release()
    for thread in threads:
        thread.join(5)

    # then they were served first come, first served
    assert served == ["w0", "w1", "w2", "w3", "w4"]


def test_a_thread_that_gives_the_gate_back_queues_behind_those_already_waiting():
    gate = FifoGate()
    assert gate.acquire(timeout=1)
    got_it = threading.Event()
    waiter = threading.Thread(target=lambda: gate.acquire(timeout=5) and got_it.set())
    waiter.start()
    wait_until(lambda: in_line(gate, 1))

    gate.release()

    assert not gate.acquire(timeout=0.05)  # handed to the waiter, not taken back
    waiter.join(5)
    assert got_it.is_set()
    gate.release()
    assert gate.acquire(timeout=0.05)


def test_a_waiter_that_times_out_leaves_the_line_and_the_gate_opens_later():
    gate = FifoGate()
    assert gate.acquire(timeout=1)

    assert not gate.acquire(timeout=0.05)

    assert in_line(gate, 0)
    gate.release()
    assert gate.acquire(timeout=0.05)


def test_the_pool_refuses_after_its_timeout_and_serves_again_once_the_connection_is_back():
    pool = FifoQueuePool(lambda: sqlite3.connect(":memory:", check_same_thread=False), timeout=0.1)
    first = pool.connect()
    failures = []
    asker = threading.Thread(target=lambda: _connect_or_record(pool, failures))
    asker.start()
    asker.join(5)
    assert len(failures) == 1 and isinstance(failures[0], exc.TimeoutError)

    first.close()
    pool.connect().close()
    pool.dispose()


def _connect_or_record(pool: FifoQueuePool, failures: list[BaseException]) -> None:
    try:
        pool.connect().close()
    except exc.TimeoutError as error:
        failures.append(error)


@pytest.mark.skipif(ON_POSTGRES, reason="PostgreSQL pools many connections; SQLite has one per process")
def test_the_sqlite_engine_serves_a_waiting_thread_before_one_that_asks_again(database):
    # given the engine's one connection in use and a second thread waiting for it
    engine = make_engine(database)
    order: list[str] = []
    held = engine.connect()

    def waiter() -> None:
        with engine.connect():
            order.append("waiter")

    thread = threading.Thread(target=waiter)
    thread.start()
    time.sleep(0.3)  # for the waiter to block inside the pool (any pool class: this test also ran on the old one)

    # when the holder gives the connection back and at once asks again
    held.close()
    with engine.connect():
        order.append("holder again")
    thread.join(5)
    engine.dispose()

    # then the thread that was already waiting went first
    assert order == ["waiter", "holder again"]
