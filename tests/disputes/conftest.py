"""Every dispute test runs on a frozen clock starting at `T0` (a Monday, 09:00 UTC)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marketplace_app.core import clock
from tests.requests import helpers as rh
from tests.work import helpers as w


@pytest.fixture(autouse=True)
def frozen_clock(database: str) -> Iterator[None]:
    clock.freeze(w.T0)
    yield
    clock.unfreeze()


@pytest.fixture
def api() -> TestClient:
    return rh.client()


@pytest.fixture
def agent() -> rh.Agent:
    return w.make_agent()


@pytest.fixture
def worker() -> w.Operator:
    return w.make_operator()
