"""An HTTP client for the JSON API, built fresh for every test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marketplace_app.api.app import create_api


@pytest.fixture
def client() -> Iterator[TestClient]:
    """A client that sees server errors as responses (as a real caller would)."""
    with TestClient(create_api(), raise_server_exceptions=False) as test_client:
        yield test_client
