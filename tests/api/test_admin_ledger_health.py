"""`GET /v1/admin/ledger/health`: staff read the ledger's invariants (the Ledger page's check) by API,
and see a corrupted balance cache reported; nobody but staff may read it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from marketplace_app.core.db import unit_of_work
from marketplace_app.ledger import service as ledger
from tests import factories
from tests.support import assert_error
from tests.work import helpers as w

URL = "/v1/admin/ledger/health"


@pytest.fixture
def staff() -> dict[str, str]:
    return w.staff_headers()


def company_with_hold() -> tuple[int, int]:
    """A company funded with 10.00 EUR and 4.00 EUR of it held in escrow; its (available, escrow) ids."""
    with unit_of_work() as session:
        company = factories.make_company(session)
        factories.fund(session, company=company, cents=1_000)
        ledger.place_hold(session, hold_id="hld_health", source=factories.companies.available_account(company.id),
                          escrow=factories.companies.escrow_account(company.id), amount_cents=400, reason="test")
        available = ledger.account_id(session, factories.companies.available_account(company.id))
        escrow = ledger.account_id(session, factories.companies.escrow_account(company.id))
    return available, escrow


def test_staff_read_a_healthy_ledger_with_its_size(client, staff):
    # given a deposit and a hold
    company_with_hold()

    # when
    response = client.get(URL, headers=staff)

    # then every invariant holds and the sizes are counted
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["ok"], body["total"], body["total_cents"]) == (True, "0.00EUR", 0)
    assert (body["transfer_count"], body["entry_count"]) == (2, 2)
    assert body["account_count"] >= 3
    assert (body["balance_mismatches"], body["negative_accounts"], body["empty_transfers"],
            body["escrow_mismatches"]) == ([], [], [], [])
    assert body["checked_at"].endswith("Z")


def test_a_corrupted_balance_cache_is_reported_unhealthy(client, staff):
    # given a healthy ledger whose cached available balance is then written 1 cent too high
    available, _escrow = company_with_hold()
    with unit_of_work() as session:
        session.execute(text("UPDATE ledger_account SET balance_cents = balance_cents + 1 WHERE id = :id"),
                        {"id": available})

    # when
    body = client.get(URL, headers=staff).json()

    # then the drift is reported against the account's entries
    assert body["ok"] is False
    assert (body["total"], body["total_cents"]) == ("0.01EUR", 1)
    assert body["balance_mismatches"] == [{"account_id": available, "stored_cents": 601, "entries_cents": 600}]


def test_an_escrow_that_disagrees_with_its_holds_is_reported(client, staff):
    # given a pending hold of 4.00 EUR marked voided without its refund
    _available, escrow = company_with_hold()
    with unit_of_work() as session:
        session.execute(text("UPDATE ledger_hold SET state = 'voided' WHERE id = 'hld_health'"))

    # when
    body = client.get(URL, headers=staff).json()

    # then
    assert body["ok"] is False
    assert body["escrow_mismatches"] == [{"account_id": escrow, "balance_cents": 400, "held_cents": 0}]


def test_only_staff_may_read_ledger_health(client):
    # given a company owner, an operator and an agent key
    people = {"company": w.company_headers(), "operator": w.make_operator().headers()}
    agent = w.make_agent().headers()

    # then people of other roles are forbidden; an agent key or no credential is not a session at all
    for headers in people.values():
        assert_error(client.get(URL, headers=headers), status=403, code="forbidden")
    assert_error(client.get(URL, headers=agent), status=401, code="unauthorized")
    assert_error(client.get(URL), status=401, code="unauthorized")


def test_the_openapi_document_shows_the_health_shape_and_staff_access(client):
    # when
    operation = client.get("/v1/openapi.json").json()["paths"]["/v1/admin/ledger/health"]["get"]

    # then
    assert operation["x-handoff-access"] == "admin"
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/LedgerHealthOut"}
