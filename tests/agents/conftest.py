"""An HTTP client for the JSON API, fresh for every test (over the run's one app)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.support import api_client


@pytest.fixture
def client() -> Iterator[TestClient]:
    """A client that sees server errors as responses (as a real caller would)."""
    with api_client() as test_client:
        yield test_client
