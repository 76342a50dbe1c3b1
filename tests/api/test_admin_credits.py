"""`POST /v1/admin/companies/{id}/credits`: staff credit a bank transfer by hand — one balanced
transfer, an audit entry, once per reference (also under 20 concurrent calls), staff only."""

from __future__ import annotations

import pytest

from marketplace_app.core.db import unit_of_work
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role
from tests import factories
from tests.companies.helpers import make_tenant
from tests.ledger.helpers import assert_ledger_balanced, transfer_count
from tests.requests import helpers as rh
from tests.support import assert_error, row_counts
from tests.work import helpers as w

BODY = {"amount": "100.00EUR", "reason": "Bank transfer received 2026-12-07", "reference": "SEPA-0001"}
AUDIT, LINES = "/v1/admin/audit", "/v1/credits/transactions"


def credits_path(company_id: str) -> str:
    return f"/v1/admin/companies/{company_id}/credits"


@pytest.fixture
def staff():
    return w.staff_headers()


@pytest.fixture
def tenant():
    return make_tenant()


def test_staff_credit_a_company_with_one_transfer_an_audit_entry_and_a_statement_line(client, staff, tenant):
    # when
    response = client.post(credits_path(tenant.company_id), json=BODY, headers=staff)

    # then
    assert response.status_code == 201, response.text
    body = response.json()
    assert {key: body[key] for key in ("company_id", "amount", "amount_cents", "currency", "reason", "reference",
                                       "available", "available_cents", "replayed")} == {
        "company_id": tenant.company_id, "amount": "100.00EUR", "amount_cents": 10_000, "currency": "EUR",
        "reason": BODY["reason"], "reference": "SEPA-0001", "available": "100.00EUR", "available_cents": 10_000,
        "replayed": False}
    assert transfer_count(kind="manual_credit") == 1
    (entry,) = client.get(AUDIT, headers=staff).json()["data"]
    assert (entry["id"], entry["action"], entry["subject_type"], entry["subject_id"], entry["actor_user_id"]) == (
        body["audit_id"], "company.credit", "company", tenant.company_id, body["credited_by"])
    assert entry["detail"] == {"amount_cents": 10_000, "currency": "EUR", "reason": BODY["reason"],
                               "reference": "SEPA-0001"}
    (line,) = client.get(LINES, headers=tenant.headers("member")).json()["data"]
    assert (line["reason"], line["amount"], line["kind"], line["reference_type"], line["reference_id"]) == (
        f"Credited by Handoff staff: {BODY['reason']}", "100.00EUR", "manual_credit", "bank_transfer", "SEPA-0001")
    assert_ledger_balanced()


def test_the_same_reference_twice_is_one_credit(client, staff, tenant):
    # given
    first = client.post(credits_path(tenant.company_id), json=BODY, headers=staff)

    # when
    again = client.post(credits_path(tenant.company_id), json=BODY, headers=staff)

    # then
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == {**first.json(), "replayed": True}
    assert transfer_count(kind="manual_credit") == 1
    assert len(client.get(AUDIT, headers=staff).json()["data"]) == 1
    assert_ledger_balanced()


def test_the_same_reference_with_another_amount_is_409_and_moves_nothing(client, staff, tenant):
    # given
    client.post(credits_path(tenant.company_id), json=BODY, headers=staff)
    before = row_counts()

    # when
    response = client.post(credits_path(tenant.company_id), json={**BODY, "amount": "1000.00EUR"}, headers=staff)

    # then
    message = assert_error(response, status=409, code="conflict")
    assert "SEPA-0001" in message and "already credited" in message
    assert row_counts() == before


@pytest.mark.parametrize("change", [
    {"amount": "0.00EUR"}, {"amount": "-5.00EUR"}, {"amount": "1e3"}, {"amount": "NaN"}, {"amount": "5.00USD"},
    {"amount": "0.001EUR"}, {"amount": "9223372036854775808"}, {"amount": "100000.01EUR"}, {"amount": 100},
    {"amount": "x" * 33}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 301}, {"reason": "a\u0000b"},
    {"reference": ""}, {"reference": "r" * 65}, {"reference": "line\nbreak"}, {"reference": None},
    {"balance_cents": 1}, {"company_id": "com_other"}, {"credited_by": "usr_x"},
])
def test_bad_input_is_422_and_nothing_changes(client, staff, tenant, change):
    # given
    before = row_counts()

    # when
    response = client.post(credits_path(tenant.company_id), json={**BODY, **change}, headers=staff)

    # then
    assert_error(response, status=422, code="validation_error")
    assert row_counts() == before


@pytest.mark.parametrize("missing", ["amount", "reason", "reference"])
def test_every_field_is_required(client, staff, tenant, missing):
    # given
    before = row_counts()

    # when
    body = {key: value for key, value in BODY.items() if key != missing}
    response = client.post(credits_path(tenant.company_id), json=body, headers=staff)

    # then
    assert_error(response, status=422, code="validation_error")
    assert row_counts() == before


@pytest.mark.parametrize("company_id", ["com_0123456789abcdef01234567", "usr_0123456789abcdef01234567", "%00",
                                        "x" * 300])
def test_an_unknown_company_is_404(client, staff, company_id):
    # given
    before = row_counts()

    # when
    response = client.post(credits_path(company_id), json=BODY, headers=staff)

    # then
    message = assert_error(response, status=404, code="not_found")
    assert message.startswith("Company ")
    assert row_counts() == before


def _people_who_are_not_staff(tenant) -> dict[str, dict[str, str]]:
    agent = rh.make_agent()
    with unit_of_work() as session:
        operator = factories.make_user(session, role=Role.operator)
        owner = factories.make_user(session, role=Role.agent_owner)
        tokens = {"operator": identity.create_session(session, user=operator),
                  "agent_owner": identity.create_session(session, user=owner)}
    return {"company owner": tenant.headers(), "company admin": tenant.headers("admin"),
            "operator": {"Authorization": f"Bearer {tokens['operator']}"},
            "agent owner": {"Authorization": f"Bearer {tokens['agent_owner']}"},
            "agent key": agent.headers(), "nobody": {}}


def test_nobody_but_staff_may_credit_or_read_the_audit_log(client, tenant):
    # given
    callers = _people_who_are_not_staff(tenant)
    before = row_counts()

    # when
    credited = {who: client.post(credits_path(tenant.company_id), json=BODY, headers=headers)
                for who, headers in callers.items()}
    read = {who: client.get(AUDIT, headers=headers) for who, headers in callers.items()}

    # then
    for who in ("agent key", "nobody"):
        assert_error(credited[who], status=401, code="unauthorized")
        assert_error(read[who], status=401, code="unauthorized")
    for who in ("company owner", "company admin", "operator", "agent owner"):
        assert_error(credited[who], status=403, code="forbidden")
        assert_error(read[who], status=403, code="forbidden")
    assert row_counts() == before


def test_20_concurrent_credits_with_one_reference_make_one_transfer(client, staff, tenant):
    # when
    result = rh.burst([("POST", credits_path(tenant.company_id), staff, BODY)] * 20)

    # then
    assert result.codes() == {(201, None): 1, (200, None): 19}, result.codes()
    assert len({body["audit_id"] for body in result.bodies}) == 1
    assert transfer_count(kind="manual_credit") == 1
    assert len(client.get(AUDIT, headers=staff).json()["data"]) == 1
    assert client.get("/v1/credits/balance", headers=tenant.headers()).json()["available_cents"] == 10_000
    assert_ledger_balanced()
