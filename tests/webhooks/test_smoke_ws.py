"""Smoke: a pk_test_ key streams its request's events; a bad token is refused."""

from __future__ import annotations

import threading
import time

from marketplace_app.companies.models import KeyMode
from marketplace_app.core.db import unit_of_work
from marketplace_app.requests import simulator
from tests.requests.helpers import REQUESTS_PATH, make_agent, request_body


def test_ws_streams_a_test_mode_lifecycle(client):
    agent = make_agent(funded_cents=10_000, mode=KeyMode.test)
    stop = threading.Event()

    def simulate():
        while not stop.is_set():
            with unit_of_work() as session:
                simulator.simulate(session)
            time.sleep(0.3)

    with client.websocket_connect(f"/v1/ws?token={agent.key}") as ws:
        thread = threading.Thread(target=simulate, daemon=True)
        thread.start()
        created = client.post(REQUESTS_PATH, json=request_body(), headers=agent.headers())
        assert created.status_code == 201
        seen = []
        while "request.completed" not in seen:
            frame = ws.receive_json()
            seen.append(frame["type"])
        stop.set()
    assert seen == ["request.matching", "request.in_progress", "request.completed"]


def test_ws_refuses_a_bad_token(client):
    with client.websocket_connect("/v1/ws?token=pk_test_nope") as ws:
        frame = ws.receive_json()
        assert frame["error"]["code"] == "unauthorized"
