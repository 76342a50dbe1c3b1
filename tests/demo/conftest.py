"""The demo tests sign in through the API."""

from tests.api.conftest import client  # noqa: F401  (the fixture)
