"""`/v1/credits`: balance, the statement with reasons, and the idempotent development top-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from marketplace_app.companies.service import available_account, escrow_account
from marketplace_app.core import clock
from marketplace_app.core.db import unit_of_work
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.models import LedgerTransfer
from marketplace_app.settings import get_settings
from tests.companies.helpers import make_tenant
from tests.ledger.helpers import assert_ledger_balanced, journal_counts
from tests.support import assert_error, assert_ran_once, row_counts, run_concurrently

BALANCE, LINES, DEPOSIT = "/v1/credits/balance", "/v1/credits/transactions", "/v1/credits/deposit-test"
REASON = "Development top-up (manual payment provider — not real money)"


@pytest.fixture
def tenant():
    return make_tenant()


def deposits() -> int:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(func.count()).select_from(LedgerTransfer)
                               .where(LedgerTransfer.kind == "deposit")).scalar_one()


def hold(company_id: str, cents: int, request_id: str) -> None:
    """Escrow `cents` of the company's credit, as a request would."""
    with unit_of_work() as session:
        ledger.place_hold(session, hold_id=f"hld_{request_id}", source=available_account(company_id),
                          escrow=escrow_account(company_id), amount_cents=cents,
                          reason=f"Escrow for request {request_id}", reference_type="request", reference_id=request_id)


def test_a_new_company_has_no_credit(client, tenant):
    # when
    response = client.get(BALANCE, headers=tenant.headers("member"))

    # then
    assert response.status_code == 200
    assert response.json() == {"available": "0.00EUR", "escrowed": "0.00EUR", "currency": "EUR",
                               "available_cents": 0, "escrowed_cents": 0}


def test_a_development_top_up_credits_the_available_balance_and_says_it_is_not_real_money(client, tenant):
    # when
    response = client.post(DEPOSIT, json={"amount": "50.00EUR"}, headers=tenant.headers())

    # then
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"].startswith("dep_")
    assert {key: body[key] for key in ("amount", "amount_cents", "currency", "provider", "reason", "available",
                                       "available_cents")} == {
        "amount": "50.00EUR", "amount_cents": 5000, "currency": "EUR", "provider": "manual", "reason": REASON,
        "available": "50.00EUR", "available_cents": 5000}
    assert client.get(BALANCE, headers=tenant.headers()).json()["available_cents"] == 5000
    lines = client.get(LINES, headers=tenant.headers()).json()["data"]
    assert [(line["kind"], line["reason"], line["amount"], line["account"], line["reference_type"],
             line["reference_id"]) for line in lines] == [
        ("deposit", REASON, "50.00EUR", "available", "deposit", body["id"])]
    with unit_of_work(read_only=True) as session:
        assert ledger.balance_cents(session, ledger.AccountRef("external", "manual", "provider_clearing")) == -5000
    assert_ledger_balanced()


@pytest.mark.parametrize("amount", ["0.00EUR", "0EUR", "-5.00EUR", "10000.01EUR", "1e3", "NaN", "8,00EUR", "٥EUR",
                                    "5.00USD", "0.001EUR", " 5.00EUR", "9223372036854775808", "", "5.00 eur"])
def test_bad_amounts_are_refused_and_move_nothing(client, tenant, amount):
    # given
    before = row_counts()

    # when
    response = client.post(DEPOSIT, json={"amount": amount}, headers=tenant.headers())

    # then
    assert_error(response, status=422, code="validation_error")
    assert row_counts() == before
    assert_ledger_balanced()


@pytest.mark.parametrize("body", [{"amount": 50}, {"amount": 50.0}, {"amount": None}, {}, {"amount": "5EUR", "x": 1},
                                  {"amount": "5EUR", "company_id": "com_x"}, {"amount": "5EUR", "balance": 1}])
def test_malformed_bodies_are_refused(client, tenant, body):
    # given
    before = row_counts()

    # when
    response = client.post(DEPOSIT, json=body, headers=tenant.headers())

    # then
    assert_error(response, status=422, code="validation_error")
    assert row_counts() == before


@pytest.mark.parametrize(("amount", "cents"), [("0.01EUR", 1), ("10000.00EUR", 1_000_000), ("7.5EUR", 750)])
def test_amount_bounds_are_inclusive(client, tenant, amount, cents):
    # when
    response = client.post(DEPOSIT, json={"amount": amount}, headers=tenant.headers())

    # then
    assert response.status_code == 201, response.text
    assert response.json()["amount_cents"] == cents
    assert_ledger_balanced()


def test_top_ups_are_refused_with_another_payment_provider(client, tenant, monkeypatch):
    # given
    monkeypatch.setenv("PAYMENT_PROVIDER", "stripe")
    get_settings.cache_clear()
    before = row_counts()

    try:
        # when
        response = client.post(DEPOSIT, json={"amount": "50.00EUR"}, headers=tenant.headers())
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()

    # then
    message = assert_error(response, status=403, code="forbidden")
    assert "manual payment provider" in message and "stripe" in message
    assert row_counts() == before


@pytest.mark.parametrize("environment", [{"ENVIRONMENT": "production"}, {"ENVIRONMENT": "test", "SANDBOX": "false"},
                                         {"ENVIRONMENT": "development", "SANDBOX": "false"}],
                         ids=["production", "test-not-sandbox", "development-not-sandbox"])
def test_test_credit_is_refused_outside_a_sandbox_and_the_refusal_says_how_credit_is_added(
        client, tenant, monkeypatch, environment):
    # given (the manual payment provider, the default everywhere)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    before = row_counts()
    headers = {**tenant.headers(), "Idempotency-Key": "faucet"}

    # when
    response = client.post(DEPOSIT, json={"amount": "50.00EUR"}, headers=headers)

    # then
    message = assert_error(response, status=403, code="forbidden")
    assert "Test credit exists only in sandbox deployments" in message
    assert "bank transfer" in message and tenant.company_id in message
    assert row_counts() == before
    assert client.get(BALANCE, headers=tenant.headers()).json()["available_cents"] == 0


def test_a_production_deployment_marked_as_a_sandbox_allows_test_credit(client, tenant, monkeypatch):
    # given (a staging deployment: production settings, no real money)
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SANDBOX", "true")
    get_settings.cache_clear()

    # when
    response = client.post(DEPOSIT, json={"amount": "50.00EUR"}, headers=tenant.headers())

    # then
    assert response.status_code == 201, response.text
    assert response.json()["reason"] == REASON
    assert_ledger_balanced()


def test_members_may_not_top_up(client, tenant):
    # given
    before = row_counts()

    # when
    response = client.post(DEPOSIT, json={"amount": "50.00EUR"}, headers=tenant.headers("member"))

    # then
    assert_error(response, status=403, code="forbidden")
    assert row_counts() == before


def test_ten_retries_with_one_idempotency_key_make_one_transfer_and_identical_answers(client, tenant):
    # given
    headers = {**tenant.headers(), "Idempotency-Key": "top-up-2026-03-02"}

    # when
    responses = [client.post(DEPOSIT, json={"amount": "50.00EUR"}, headers=headers) for _ in range(10)]

    # then
    assert {response.status_code for response in responses} == {201}
    assert len({response.content for response in responses}) == 1
    assert "idempotent-replayed" not in responses[0].headers
    assert all(response.headers["idempotent-replayed"] == "true" for response in responses[1:])
    assert deposits() == 1
    assert client.get(BALANCE, headers=tenant.headers()).json()["available_cents"] == 5000
    assert_ledger_balanced()


def test_the_same_key_with_a_different_body_is_a_conflict_and_moves_nothing(client, tenant):
    # given
    headers = {**tenant.headers(), "Idempotency-Key": "k-1"}
    first = client.post(DEPOSIT, json={"amount": "50.00EUR"}, headers=headers)
    journal = journal_counts()

    # when
    response = client.post(DEPOSIT, json={"amount": "60.00EUR"}, headers=headers)

    # then
    assert first.status_code == 201
    message = assert_error(response, status=409, code="conflict")
    assert "Idempotency-Key" in message
    assert journal_counts() == journal
    assert client.get(BALANCE, headers=tenant.headers()).json()["available_cents"] == 5000
    assert_ledger_balanced()


def test_concurrent_retries_with_one_key_make_one_transfer(client, tenant):
    # given
    headers = {**tenant.headers(), "Idempotency-Key": "burst"}

    # when
    responses = run_concurrently(10, lambda _i: client.post(DEPOSIT, json={"amount": "5.00EUR"}, headers=headers))

    # then one deposit ran; each other call was refused as in flight or replayed its answer
    assert_ran_once([(response.status_code, response.headers, response.content) for response in responses],
                    status=201)
    assert deposits() == 1
    assert_ledger_balanced()


def test_idempotency_keys_belong_to_one_company(client, tenant):
    # given
    other = make_tenant(name="Other")

    # when
    ours = client.post(DEPOSIT, json={"amount": "5.00EUR"}, headers={**tenant.headers(), "Idempotency-Key": "same"})
    theirs = client.post(DEPOSIT, json={"amount": "5.00EUR"}, headers={**other.headers(), "Idempotency-Key": "same"})

    # then
    assert (ours.status_code, theirs.status_code) == (201, 201)
    assert ours.json()["id"] != theirs.json()["id"]
    assert deposits() == 2
    assert_ledger_balanced()


def test_an_admin_retry_replays_the_owners_top_up(client, tenant):
    # when
    first = client.post(DEPOSIT, json={"amount": "5.00EUR"}, headers={**tenant.headers(), "Idempotency-Key": "k"})
    retry = client.post(DEPOSIT, json={"amount": "5.00EUR"},
                        headers={**tenant.headers("admin"), "Idempotency-Key": "k"})

    # then
    assert retry.content == first.content
    assert deposits() == 1


def test_a_refused_call_does_not_use_up_its_key(client, tenant):
    # given
    headers = {**tenant.headers(), "Idempotency-Key": "retry-me"}
    refused = client.post(DEPOSIT, json={"amount": "20000.00EUR"}, headers=headers)

    # when
    accepted = client.post(DEPOSIT, json={"amount": "20.00EUR"}, headers=headers)

    # then
    assert_error(refused, status=422, code="validation_error")
    assert accepted.status_code == 201
    assert deposits() == 1


def test_a_key_is_kept_for_24_hours_then_free_again(client, tenant):
    # given
    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    headers = {**tenant.headers(), "Idempotency-Key": "daily"}
    first = client.post(DEPOSIT, json={"amount": "5.00EUR"}, headers=headers)

    # when
    clock.advance(timedelta(hours=24) - timedelta(seconds=1))
    replay = client.post(DEPOSIT, json={"amount": "5.00EUR"}, headers=headers)
    clock.advance(timedelta(seconds=1))
    fresh = client.post(DEPOSIT, json={"amount": "5.00EUR"}, headers=headers)

    # then
    assert replay.content == first.content
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]
    assert deposits() == 2
    assert_ledger_balanced()


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_bad_idempotency_keys_are_refused(client, tenant, key):
    # given
    before = row_counts()

    # when
    response = client.post(DEPOSIT, json={"amount": "5.00EUR"}, headers={**tenant.headers(), "Idempotency-Key": key})

    # then
    assert_error(response, status=422, code="validation_error")
    assert row_counts() == before


def test_the_statement_signs_amounts_from_the_companys_side_and_shows_escrow_on_both_accounts(client, tenant):
    # given
    client.post(DEPOSIT, json={"amount": "50.00EUR"}, headers=tenant.headers())
    hold(tenant.company_id, 800, "req_0123456789abcdef01234567")

    # when
    response = client.get(LINES, headers=tenant.headers("member"))

    # then
    assert response.status_code == 200
    lines = response.json()["data"]
    assert [(line["account"], line["amount"], line["amount_cents"], line["kind"]) for line in lines] == [
        ("escrow", "8.00EUR", 800, "escrow_hold"), ("available", "-8.00EUR", -800, "escrow_hold"),
        ("available", "50.00EUR", 5000, "deposit")]
    assert lines[0]["reason"] == "Escrow for request req_0123456789abcdef01234567"
    assert lines[0]["reference_type"] == "request"
    assert lines[0]["reference_id"] == "req_0123456789abcdef01234567"
    assert len({line["id"] for line in lines}) == 3
    assert client.get(BALANCE, headers=tenant.headers()).json() == {
        "available": "42.00EUR", "escrowed": "8.00EUR", "currency": "EUR", "available_cents": 4200,
        "escrowed_cents": 800}
    assert_ledger_balanced()


def test_the_statement_pages_by_keyset_without_gaps_or_repeats(client, tenant):
    # given
    for index in range(4):
        client.post(DEPOSIT, json={"amount": f"{index + 10}.00EUR"}, headers=tenant.headers())
        hold(tenant.company_id, 100, f"req_{index:024d}")
    everything = client.get(LINES, params={"limit": 100}, headers=tenant.headers()).json()["data"]
    expected = [line["id"] for line in everything]

    # when
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"starting_after": cursor} if cursor else {})}
        page = client.get(LINES, params=params, headers=tenant.headers()).json()
        seen += [line["id"] for line in page["data"]]
        pages += 1
        cursor = page["next_starting_after"]
        if not page["has_more"]:
            break

    # then
    assert len(expected) == 12 and seen == expected and pages == 4
    assert cursor is None
    assert_ledger_balanced()


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"limit": "x"}, {"starting_after": "t" * 65}])
def test_statement_paging_parameters_are_validated(client, tenant, params):
    # when
    response = client.get(LINES, params=params, headers=tenant.headers())

    # then
    assert_error(response, status=422, code="validation_error")


@pytest.mark.parametrize("cursor", ["txn_1_available", "txn_999999_escrow", "txn_1_revenue", "nonsense", "txn_%00"])
def test_an_unknown_cursor_is_not_found(client, tenant, cursor):
    # given
    client.post(DEPOSIT, json={"amount": "5.00EUR"}, headers=make_tenant(name="Other").headers())

    # when
    response = client.get(LINES, params={"starting_after": cursor}, headers=tenant.headers())

    # then
    assert_error(response, status=404, code="not_found")
