"""The API served for real on a loopback port (uvicorn in a thread), for MCP clients to call."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from tests.support import shared_api

STARTUP_SECONDS = 10.0


@pytest.fixture
def live_api(database: str) -> Iterator[str]:
    """The base URL of the API app listening on 127.0.0.1 (a free port), for this test's database."""
    server = uvicorn.Server(uvicorn.Config(shared_api(), host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="off", ws="none"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        assert time.monotonic() < deadline, "the API server did not start"
        assert thread.is_alive(), "the API server stopped while starting"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
