"""Cost of whole requests through the ASGI apps in process (no socket, no client): the
middleware, FastAPI's parsing and validation, the threadpool hops and the route together.
Subtracting the route functions' own cost (see `phases`) leaves the HTTP/FastAPI layer."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import time
from collections.abc import Callable
from typing import Any

from bench.fixtures import SEED_BODY, Tenant
from bench.loadgen import Call

ASGI_CALLS = 1000
ASGI_WARMUP_CALLS = 100


async def asgi_call(app: Any, call: Call) -> int:
    """Send one request straight into `app`; return the status."""
    body = call.content or b""
    headers = [(name.lower().encode(), value.encode()) for name, value in call.headers.items()]
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": call.method,
             "scheme": "http", "path": call.path, "raw_path": call.path.encode(), "query_string": b"",
             "root_path": "", "headers": [*headers, (b"host", b"bench"), (b"content-length", str(len(body)).encode())],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 2)}
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    status = 0

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.sleep(3600)  # the client never disconnects
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _timed(app: Any, next_call: Callable[[], Call]) -> tuple[float, float, int]:
    for _ in range(ASGI_WARMUP_CALLS):
        await asgi_call(app, next_call())
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(ASGI_CALLS):
        status = await asgi_call(app, next_call())
    return (time.perf_counter() - wall) / ASGI_CALLS, (time.process_time() - cpu) / ASGI_CALLS, status


def measure(tenant: Tenant, request_ids: list[str]) -> dict[str, tuple[float, float, int]]:
    """Wall and process CPU seconds per request, and the last status, for each endpoint."""
    from bench.reference import create_app
    from marketplace_app.api.app import create_api

    os.environ["BENCH_REF_PROJECT_ID"] = tenant.project_id
    handoff, reference = create_api(), create_app()
    body, numbers, cycle = json.dumps(SEED_BODY).encode(), itertools.count(), itertools.cycle(request_ids)
    json_type = {"Content-Type": "application/json"}

    def create() -> Call:
        return Call("POST", "/v1/requests", {**tenant.headers, **json_type, "Idempotency-Key": f"asgi-{next(numbers)}"},
                    body)

    cases = {
        "reference POST /ref/echo": (reference, lambda: Call("POST", "/ref/echo", json_type, body)),
        "reference POST /ref/requests": (reference, lambda: Call("POST", "/ref/requests", json_type, body)),
        "Handoff POST /v1/requests": (handoff, create),
        "reference GET /ref/requests/{id}": (reference, lambda: Call("GET", f"/ref/requests/{next(cycle)}")),
        "Handoff GET /v1/requests/{id}": (handoff, lambda: Call("GET", f"/v1/requests/{next(cycle)}", tenant.headers)),
    }

    async def run_all() -> dict[str, tuple[float, float, int]]:
        return {label: await _timed(app, next_call) for label, (app, next_call) in cases.items()}

    return asyncio.run(run_all())
