"""Dashboard readers tested without a browser, against a real loopback receiver where a ping is needed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from marketplace_app.settings import get_settings
from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    monkeypatch.setenv("WEBHOOKS_ALLOW_LOCALHOST", "1")
    get_settings.cache_clear()
    server = Receiver().start()
    yield server
    server.stop()
    monkeypatch.delenv("WEBHOOKS_ALLOW_LOCALHOST")
    get_settings.cache_clear()
