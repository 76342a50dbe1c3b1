"""Webhook tests run against real loopback receivers with the development localhost setting on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marketplace_app.api.app import create_api
from marketplace_app.settings import get_settings
from tests.webhooks.receiver import Receiver


@pytest.fixture
def allow_localhost(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOCALHOST", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def receiver(allow_localhost: None) -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_api(), raise_server_exceptions=False) as test_client:
        yield test_client
