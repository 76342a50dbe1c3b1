"""Webhook tests run against real loopback receivers with the development localhost setting on
(`allow_localhost`); the SSRF tests leave it off."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from marketplace_app.settings import get_settings
from tests.support import api_client
from tests.webhooks.receiver import Receiver


@pytest.fixture
def allow_localhost(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOCALHOST", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def make_receiver() -> Iterator[Callable[..., Receiver]]:
    """Start as many loopback receivers as a test needs; all stop afterwards."""
    started: list[Receiver] = []

    def make(**options: object) -> Receiver:
        receiver = Receiver(**options).start()  # type: ignore[arg-type]
        started.append(receiver)
        return receiver

    yield make
    for receiver in started:
        receiver.stop()


@pytest.fixture
def receiver(allow_localhost: None, make_receiver: Callable[..., Receiver]) -> Receiver:
    return make_receiver()


@pytest.fixture
def client() -> Iterator[TestClient]:
    with api_client() as test_client:
        yield test_client
