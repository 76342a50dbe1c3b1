"""A full test-mode lifecycle reaches a real receiver, signed, once per event, in order."""

from __future__ import annotations

import json
import time

from marketplace_app.companies.models import KeyMode
from marketplace_app.core.db import unit_of_work
from marketplace_app.requests import simulator
from marketplace_app.webhooks import delivery
from marketplace_app.webhooks.signing import verify_signature
from tests.companies.helpers import make_tenant
from tests.requests.helpers import REQUESTS_PATH, Agent, add_project_agent, fund, request_body


def test_a_test_mode_lifecycle_is_delivered_signed_and_in_order(client, receiver):
    tenant = make_tenant()
    agent = add_project_agent(Agent(company_id=tenant.company_id, project_id="", key="", key_id=""),
                              mode=KeyMode.test)
    created = client.post(f"/v1/dashboard/projects/{agent.project_id}/webhooks", json={"url": receiver.url},
                          headers=tenant.headers())
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    assert len(receiver.calls) == 1 and json.loads(receiver.calls[0].body)["type"] == "webhook.ping"

    fund(agent, cents=10_000)
    response = client.post(REQUESTS_PATH, json=request_body(), headers=agent.headers())
    assert response.status_code == 201, response.text
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with unit_of_work() as session:
            simulator.simulate(session)
        delivery.deliver_due()
        types = [json.loads(call.body)["type"] for call in receiver.calls[1:]]
        if "request.completed" in types:
            break
        time.sleep(0.3)
    assert types == ["request.matching", "request.in_progress", "request.completed"]
    for call in receiver.calls[1:]:
        verify_signature(call.body, call.headers["x-handoff-signature"], secret)

