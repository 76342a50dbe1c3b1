"""Smoke: a company dispute goes tier 0 → appeal → jury 2:1 → final after 48 h; money moves once."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from marketplace_app.api.app import create_api
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.disputes import service as disputes
from marketplace_app.ledger.health import ledger_health
from tests.work import helpers as wh


def test_tier0_appeal_jury_final():
    agent = wh.make_agent()
    worker = wh.make_operator()
    jurors = wh.make_operators(count=3)
    request_id = wh.completed_request(agent, worker)
    company_before = wh.in_unit(lambda s: __import__("marketplace_app.ledger.service", fromlist=["x"]).balance_cents(
        s, __import__("marketplace_app.companies.service", fromlist=["x"]).available_account(agent.company_id)))
    client = TestClient(create_api(), raise_server_exceptions=False)
    opened = client.post(f"/v1/requests/{request_id}/dispute", json={"reason": "The answer ignores clause 4.2"},
                         headers=agent.headers())
    assert opened.status_code == 201, opened.text
    body = opened.json()
    assert body["status"] == "awaiting_appeal" and body["current_tier"] == 0 and body["ai_ruling"]
    appealed = client.post(f"/v1/operator/disputes/{body['dispute_id']}/appeal", json={"reason": "My work was fine"},
                           headers=worker.headers()) if body["ai_ruling"] == "for_company" else client.post(
        f"/v1/requests/{request_id}/dispute/appeal", json={"reason": "Not fine"}, headers=agent.headers())
    assert appealed.status_code == 200, appealed.text
    assert appealed.json()["status"] == "jury_review"
    votes = ["for_company", "for_company", "for_operator"]
    for juror, choice in zip(jurors, votes, strict=True):
        response = client.post(f"/v1/operator/jury/{body['dispute_id']}/vote", json={"vote": choice},
                               headers=juror.headers())
        assert response.status_code == 200, response.text
    state = client.get(f"/v1/requests/{request_id}/dispute", headers=agent.headers()).json()
    assert state["status"] == "awaiting_appeal" and state["jury_result"] == "for_company", state
    clock.freeze(clock.now() + timedelta(hours=49))
    try:
        with unit_of_work() as session:
            assert disputes.sweep_due(session) == 1
    finally:
        clock.unfreeze()
    state = client.get(f"/v1/requests/{request_id}/dispute", headers=agent.headers()).json()
    assert state["status"] == "resolved" and state["resolution"] == "full_refund", state
    assert state["escalation_history"][0]["from_tier"] == 0 and state["escalation_history"][0]["to_tier"] == 1
    company_after = wh.in_unit(lambda s: __import__("marketplace_app.ledger.service", fromlist=["x"]).balance_cents(
        s, __import__("marketplace_app.companies.service", fromlist=["x"]).available_account(agent.company_id)))
    assert company_after - company_before == state["refund_amount_cents"] > 0
    assert wh.pending_cents(worker.user_id) == 0
    with unit_of_work() as session:
        assert ledger_health(session).ok
