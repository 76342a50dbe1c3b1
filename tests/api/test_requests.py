"""`/v1/requests` and `/v1/estimate`: the patxin seed's examples as written, listing and paging,
cancel and rate rules, expiry on read, and bad input that is refused without writing anything."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from marketplace_app.core import clock
from marketplace_app.requests.models import RequestStatus
from tests.ledger.helpers import assert_ledger_balanced
from tests.requests import helpers as h
from tests.support import assert_error

REQUESTS = "/v1/requests"
ESTIMATE = "/v1/estimate"
SEED_ESTIMATE = {"skill": "legal_review", "urgency": "5min", "duration": "15min"}
T0 = datetime(2026, 2, 18, 12, 0, tzinfo=UTC)
ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
WAIT = re.compile(r"\d+(s|min)")


@pytest.fixture
def api():
    return h.client()


@pytest.fixture
def agent():
    return h.make_agent(funded_cents=10_000)


def cancel(api, agent, request_id):
    return api.post(f"{REQUESTS}/{request_id}/cancel", headers=agent.headers())


def rate(api, agent, request_id, body):
    return api.post(f"{REQUESTS}/{request_id}/rate", json=body, headers=agent.headers())


# The seed's examples


def test_the_seed_create_example_answers_201_matching_and_escrows_max_price(api, agent):
    # given three verified operators with the skill
    h.make_operators(count=3)
    h.forget_cached_availability()
    clock.freeze(T0)

    # when
    response = api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers())

    # then
    assert response.status_code == 201, response.text
    body = response.json()
    assert re.fullmatch(r"req_[0-9a-f]{24}", body["request_id"])
    assert body["status"] == "matching"
    assert body["estimated_match_time"] == "45s"
    assert body["created_at"] == "2026-02-18T12:00:00Z"
    assert {"request_id", "status", "estimated_match_time", "created_at"} <= set(body)
    assert (body["max_price"], body["max_price_cents"], body["currency"]) == ("8.00EUR", 800, "EUR")
    assert body["information_policy"] == "redacted"
    assert (h.available_cents(agent), h.escrow_cents(agent)) == (10_000 - 800, 800)
    assert h.event_types(body["request_id"]) == ["request.matching"]
    assert_ledger_balanced()


def test_the_seed_estimate_example_answers_as_written_with_three_operators(api, agent):
    # given three verified, available operators with legal_review, and some who do not count
    h.make_operators(count=3)
    h.make_operators(count=1, verified=False)
    h.make_operators(count=1, available=False)
    h.make_operators(count=1, skills=("translation",))

    # when
    response = api.post(ESTIMATE, json=SEED_ESTIMATE, headers=agent.headers())

    # then
    assert response.status_code == 200, response.text
    body = response.json()
    assert {key: body[key] for key in ("estimated_price", "currency", "available_patxers", "estimated_match_time")} \
        == {"estimated_price": "7.50EUR", "currency": "EUR", "available_patxers": 3, "estimated_match_time": "45s"}
    assert body["estimated_price_cents"] == 750
    assert body["fee_cents"] + body["operator_reward_cents"] == 750
    assert body["fee"] == "2.00EUR"


def test_an_estimate_writes_nothing_and_moves_no_money(api, agent):
    # given
    before = h.business_counts()

    # when
    response = api.post(ESTIMATE, json=SEED_ESTIMATE, headers=agent.headers())

    # then
    assert response.status_code == 200
    assert h.business_counts() == before


def test_the_seed_insufficient_credits_example_names_the_balance(api):
    # given a wallet of 3.50
    poor = h.make_agent(funded_cents=350)
    before = h.business_counts()

    # when
    response = api.post(REQUESTS, json=h.SEED_BODY, headers=poor.headers())

    # then
    assert assert_error(response, status=402, code="insufficient_credits") \
        == "Not enough credits. Current balance: 3.50 EUR"
    assert h.business_counts() == before
    assert (h.available_cents(poor), h.escrow_cents(poor)) == (350, 0)
    assert_ledger_balanced()


def test_get_shows_the_seed_shape_with_timeline_while_matching(api, agent):
    # given
    clock.freeze(T0)
    request_id = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers()))

    # when
    response = api.get(f"{REQUESTS}/{request_id}", headers=agent.headers())

    # then
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["request_id"], body["status"], body["skill"], body["created_at"]) == \
        (request_id, "matching", "legal_review", "2026-02-18T12:00:00Z")
    assert body["context"] == h.SEED_BODY["context"]
    assert body["expires_at"] == "2026-02-18T12:05:30Z"
    assert "human" not in body and "result" not in body
    assert body["timeline"] == [{"status": "matching", "at": "2026-02-18T12:00:00Z", "actor": "agent",
                                 "note": "created"}]


def test_get_of_a_completed_request_shows_human_and_result_as_in_the_seed(api, agent):
    # given a request an operator completed
    (operator_id,) = h.make_operators(count=1)
    request_id = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers()))
    h.complete_by_hand(request_id, operator_id=operator_id,
                       result={"answer": "Clause 4.2 is compliant with current Spanish labor law",
                               "confidence": "high"})

    # when
    response = api.get(f"{REQUESTS}/{request_id}", headers=agent.headers())

    # then
    body = response.json()
    assert body["status"] == "completed"
    assert ISO_Z.fullmatch(body["completed_at"])
    assert body["result"] == {"answer": "Clause 4.2 is compliant with current Spanish labor law",
                              "confidence": "high"}
    assert set(body["human"]) == {"id", "avg_response_quality", "tasks_completed"}
    assert body["human"]["id"].startswith("ptx_")
    assert body["human"]["tasks_completed"] == 1
    assert [line["status"] for line in body["timeline"]] == ["matching", "in_progress", "completed"]
    assert operator_id not in response.text


# Listing


@pytest.fixture
def five_requests(api, agent):
    """Five requests a second apart, newest last: three legal reviews (one cancelled), two translations."""
    clock.freeze(T0)
    ids = []
    for skill in ("legal_review", "translation", "legal_review", "translation", "legal_review"):
        ids.append(h.created(api.post(REQUESTS, json=h.request_body(skill=skill, max_price="1.00EUR"),
                                      headers=agent.headers())))
        clock.advance(timedelta(seconds=1))
    assert cancel(api, agent, ids[2]).status_code == 200
    return ids


def listed(api, agent, **params):
    response = api.get(REQUESTS, params=params, headers=agent.headers())
    assert response.status_code == 200, response.text
    return response.json()


def test_the_list_is_newest_first_with_the_seed_fields(api, agent, five_requests):
    # when
    body = listed(api, agent)

    # then
    assert [row["request_id"] for row in body["data"]] == five_requests[::-1]
    assert (body["has_more"], body["limit"], body["offset"], body["next_starting_after"]) == (False, 20, 0, None)
    assert {"request_id", "status", "skill", "created_at"} <= set(body["data"][0])


def test_the_list_filters_by_status_and_skill(api, agent, five_requests):
    # when / then
    assert [row["request_id"] for row in listed(api, agent, status="cancelled")["data"]] == [five_requests[2]]
    assert [row["request_id"] for row in listed(api, agent, skill="translation")["data"]] == \
        [five_requests[3], five_requests[1]]
    assert [row["request_id"] for row in listed(api, agent, status="matching", skill="legal_review")["data"]] == \
        [five_requests[4], five_requests[0]]
    assert listed(api, agent, skill="research")["data"] == []


def test_the_list_pages_by_limit_and_offset(api, agent, five_requests):
    # when
    first = listed(api, agent, limit=2)
    second = listed(api, agent, limit=2, offset=2)
    last = listed(api, agent, limit=2, offset=4)

    # then
    newest_first = five_requests[::-1]
    assert [row["request_id"] for row in first["data"]] == newest_first[:2] and first["has_more"]
    assert [row["request_id"] for row in second["data"]] == newest_first[2:4] and second["has_more"]
    assert [row["request_id"] for row in last["data"]] == newest_first[4:] and not last["has_more"]


def test_the_list_pages_by_keyset_with_starting_after(api, agent, five_requests):
    # when following next_starting_after to the end
    seen, cursor = [], None
    for _ in range(5):
        params = {"limit": 2} | ({"starting_after": cursor} if cursor else {})
        page = listed(api, agent, **params)
        seen += [row["request_id"] for row in page["data"]]
        cursor = page["next_starting_after"]
        if not page["has_more"]:
            break

    # then every request appears once, newest first
    assert seen == five_requests[::-1]
    assert cursor is None


def test_keyset_paging_is_stable_when_new_requests_arrive(api, agent, five_requests):
    # given the first page was read
    page = listed(api, agent, limit=2)

    # when a new request arrives before the next page
    h.created(api.post(REQUESTS, json=h.request_body(max_price="1.00EUR"), headers=agent.headers()))
    following = listed(api, agent, limit=2, starting_after=page["next_starting_after"])

    # then the next page continues where the first ended
    assert [row["request_id"] for row in following["data"]] == five_requests[::-1][2:4]


@pytest.mark.parametrize("params", [
    {"limit": 101}, {"limit": 0}, {"limit": -1}, {"limit": "ten"}, {"offset": -1}, {"offset": 100_001},
    {"status": "done"}, {"status": "MATCHING"}, {"skill": "x" * 41}, {"starting_after": "r" * 41},
    {"starting_after": "req_' OR 1=1"}, {"starting_after": "req_%00"}, {"starting_after": "req/abc"},
])
def test_bad_list_parameters_are_422(api, agent, params):
    # when
    response = api.get(REQUESTS, params=params, headers=agent.headers())

    # then
    assert_error(response, status=422, code="validation_error")


def test_limit_100_is_the_largest_page(api, agent):
    # when
    body = listed(api, agent, limit=100)

    # then
    assert body["limit"] == 100


def test_the_list_shows_only_the_keys_project(api, agent, five_requests):
    # given another project of the same company and another company, each with a request
    sibling = h.add_project_agent(agent)
    stranger = h.make_agent(funded_cents=1_000, company_name="Other")
    h.created(api.post(REQUESTS, json=h.request_body(max_price="1.00EUR"), headers=sibling.headers()))
    h.created(api.post(REQUESTS, json=h.request_body(max_price="1.00EUR"), headers=stranger.headers()))

    # when / then
    assert {row["request_id"] for row in listed(api, agent, limit=100)["data"]} == set(five_requests)
    assert len(listed(api, agent=sibling)["data"]) == 1
    assert len(listed(api, agent=stranger)["data"]) == 1
    assert_error(api.get(REQUESTS, params={"starting_after": five_requests[0]}, headers=sibling.headers()),
                 status=404, code="not_found")


# Cancel


def test_cancelling_a_matching_request_refunds_the_escrow_once(api, agent):
    # given
    request_id = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers()))

    # when
    response = cancel(api, agent, request_id)

    # then
    assert response.status_code == 200, response.text
    assert response.json() == {"request_id": request_id, "status": "cancelled", "refunded": "8.00EUR",
                               "refunded_cents": 800}
    assert (h.available_cents(agent), h.escrow_cents(agent)) == (10_000, 0)
    assert h.transfers(kind="escrow_void", reference_id=request_id) == 1
    assert h.event_types(request_id) == ["request.matching", "request.cancelled"]
    assert_ledger_balanced()


@pytest.mark.parametrize("state", ["cancelled", "expired", "completed", "in_progress_long_ago"])
def test_cancelling_outside_matching_is_400_invalid_state_and_moves_nothing(api, agent, state):
    # given a request in `state`
    clock.freeze(T0)
    request_id = h.created(api.post(REQUESTS, json=h.request_body(urgency="1min"), headers=agent.headers()))
    if state == "cancelled":
        assert cancel(api, agent, request_id).status_code == 200
    elif state == "expired":
        clock.advance(timedelta(seconds=91))
        assert api.get(f"{REQUESTS}/{request_id}", headers=agent.headers()).json()["status"] == "expired"
    elif state == "completed":
        h.complete_by_hand(request_id)
    else:
        h.accept_by_hand(request_id)
        clock.advance(timedelta(minutes=2, seconds=1))
    before = h.business_counts()

    # when
    response = cancel(api, agent, request_id)

    # then
    message = assert_error(response, status=400, code="invalid_state")
    assert "cancel" in message
    assert h.business_counts() == before
    assert_ledger_balanced()


def test_an_overdue_matching_request_cannot_be_cancelled_and_reads_as_expired(api, agent):
    # given a 1min request whose window (plus grace) has passed unswept
    clock.freeze(T0)
    request_id = h.created(api.post(REQUESTS, json=h.request_body(urgency="1min"), headers=agent.headers()))
    clock.advance(timedelta(seconds=91))

    # when
    response = cancel(api, agent, request_id)

    # then the agent is told it expired; the refund is the sweep's (or a read's) job
    message = assert_error(response, status=400, code="invalid_state")
    assert "expired" in message
    assert listed(api, agent)["data"][0]["status"] == "expired"


def test_an_accepted_request_can_be_cancelled_within_two_minutes(api, agent):
    # given
    clock.freeze(T0)
    request_id = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers()))
    h.accept_by_hand(request_id)
    clock.advance(timedelta(minutes=1, seconds=59))

    # when
    response = cancel(api, agent, request_id)

    # then
    assert response.status_code == 200, response.text
    assert h.transfers(kind="escrow_void", reference_id=request_id) == 1
    assert h.escrow_cents(agent) == 0
    assert_ledger_balanced()


def test_cancelling_an_unknown_request_is_404(api, agent):
    # when / then
    assert_error(cancel(api, agent, "req_000000000000000000000000"), status=404, code="not_found")


# Expiry on read


def test_reading_an_overdue_request_expires_and_refunds_it_exactly_once(api, agent):
    # given a 1min request nobody accepted, read after its window and grace
    clock.freeze(T0)
    request_id = h.created(api.post(REQUESTS, json=h.request_body(urgency="1min"), headers=agent.headers()))
    clock.advance(timedelta(seconds=91))

    # when it is read three times
    bodies = [api.get(f"{REQUESTS}/{request_id}", headers=agent.headers()).json() for _ in range(3)]

    # then it is expired, refunded once, and its timeline says so
    assert [body["status"] for body in bodies] == ["expired"] * 3
    assert h.transfers(kind="escrow_void", reference_id=request_id) == 1
    assert (h.available_cents(agent), h.escrow_cents(agent)) == (10_000, 0)
    assert [line["status"] for line in bodies[0]["timeline"]] == ["matching", "expired"]
    assert bodies[0]["timeline"][1]["actor"] == "system"
    assert h.event_types(request_id) == ["request.matching", "request.expired"]
    assert_ledger_balanced()


def test_reading_just_before_the_deadline_leaves_it_matching(api, agent):
    # given
    clock.freeze(T0)
    request_id = h.created(api.post(REQUESTS, json=h.request_body(urgency="1min"), headers=agent.headers()))
    clock.advance(timedelta(seconds=89))

    # when
    body = api.get(f"{REQUESTS}/{request_id}", headers=agent.headers()).json()

    # then
    assert body["status"] == "matching"
    assert h.transfers(kind="escrow_void") == 0


# Rate


@pytest.fixture
def completed_request(api, agent):
    request_id = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers()))
    h.complete_by_hand(request_id)
    return request_id


def test_rating_a_completed_request_stores_it_once(api, agent, completed_request):
    # when
    first = rate(api, agent, completed_request, {"score": 5, "comment": "Fast and precise"})
    second = rate(api, agent, completed_request, {"score": 1})

    # then
    assert first.status_code == 200, first.text
    assert first.json() == {"request_id": completed_request, "rating": {"score": 5, "comment": "Fast and precise"}}
    assert_error(second, status=409, code="invalid_state")
    row = h.request_row(completed_request)
    assert (row["rating"], row["rating_comment"]) == (5, "Fast and precise")
    assert api.get(f"{REQUESTS}/{completed_request}", headers=agent.headers()).json()["rating"] == \
        {"score": 5, "comment": "Fast and precise"}


def test_a_500_character_comment_is_accepted(api, agent, completed_request):
    # when
    response = rate(api, agent, completed_request, {"score": 3, "comment": "é" * 500})

    # then
    assert response.status_code == 200, response.text


def test_rating_a_request_that_is_not_completed_is_400(api, agent):
    # given
    request_id = h.created(api.post(REQUESTS, json=h.SEED_BODY, headers=agent.headers()))

    # when
    response = rate(api, agent, request_id, {"score": 4})

    # then
    assert_error(response, status=400, code="invalid_state")
    assert h.request_row(request_id)["rating"] is None


@pytest.mark.parametrize("body", [
    {"score": 0}, {"score": 6}, {"score": -1}, {"score": "5"}, {"score": 5.0}, {"score": 4.5}, {"score": True},
    {"score": None}, {}, {"score": 2**64}, {"score": 5, "comment": "x" * 501}, {"score": 5, "comment": 5},
    {"score": 5, "rated_by": "someone"}, {"score": 5, "status": "disputed"},
])
def test_bad_ratings_are_422_and_change_nothing(api, agent, completed_request, body):
    # when
    response = rate(api, agent, completed_request, body)

    # then
    assert_error(response, status=422, code="validation_error")
    assert h.request_row(completed_request)["rating"] is None


# Bad input on create: 422 and nothing written


HOSTILE_PRICES = [
    "1e309", "NaN", "nan", "Infinity", "-0.00", "-0.00EUR", "0.001", "0.001EUR", "8,00EUR", "8,00", "٨.٠٠EUR",
    "８.００EUR", str(2**63), f"{2**63}EUR", f"{2**63}.00EUR", "99999999999.99EUR", " 8.00EUR", "8.00EUR ",
    "8.00\tEUR", "8.00\u00a0EUR", "\u20038.00EUR", "8.00USD", "8.00eur", "8.00EURO", "-8.00EUR", "+8.00EUR",
    "0.00EUR", "0EUR", "", "EUR", ".50EUR", "8.EUR", "8_00EUR", "0x10EUR", "8.00EUR\x00", 8, 8.0, 800, None,
    True, ["8.00EUR"], {"amount": 800},
]


@pytest.mark.parametrize("max_price", HOSTILE_PRICES, ids=repr)
def test_hostile_max_prices_are_422_and_nothing_is_written(api, agent, max_price):
    # given
    before = h.business_counts()

    # when
    response = api.post(REQUESTS, json=h.request_body(max_price=max_price), headers=agent.headers())

    # then
    message = assert_error(response, status=422, code="validation_error")
    assert "max_price" in message
    assert h.business_counts() == before
    assert (h.available_cents(agent), h.escrow_cents(agent)) == (10_000, 0)


@pytest.mark.parametrize(("max_price", "cents"), [
    ("8.00EUR", 800), ("8EUR", 800), ("8.5EUR", 850), ("8.5 EUR", 850), ("0.01EUR", 1), ("8.00", 800),
    ("100.00EUR", 10_000),
])
def test_well_formed_prices_parse_exactly(api, agent, max_price, cents):
    # when
    response = api.post(REQUESTS, json=h.request_body(max_price=max_price), headers=agent.headers())

    # then
    assert response.status_code == 201, response.text
    assert response.json()["max_price_cents"] == cents
    assert h.escrow_cents(agent) == cents
    assert_ledger_balanced()


@pytest.mark.parametrize(("field", "value"), [
    ("duration", "0min"), ("duration", "59s"), ("duration", "25h"), ("duration", "24h1min"), ("duration", "99999s"),
    ("duration", "15 min"), ("duration", "15MIN"), ("duration", "1d"), ("duration", ""), ("duration", "15"),
    ("duration", "-15min"), ("duration", "1.5h"), ("duration", "٥min"), ("duration", "min"), ("duration", 15),
    ("duration", None), ("duration", "1h1h"), ("duration", "x" * 17),
    ("urgency", "2min"), ("urgency", "5MIN"), ("urgency", "5 min"), ("urgency", ""), ("urgency", 5),
    ("urgency", None), ("urgency", "1h"), ("urgency", "60s"),
    ("context", "x" * 2001), ("context", ""), ("context", "   \n\t"), ("context", 42), ("context", None),
    ("skill", "astrology"), ("skill", ""), ("skill", "LEGAL_REVIEW"), ("skill", "x" * 41), ("skill", 1),
    ("information_policy", "public"), ("information_policy", ""), ("information_policy", 1),
    ("title", "t" * 201), ("deadline", "2020-01-01T00:00:00Z"), ("deadline", "2099-01-01T00:00:00"),
    ("deadline", "tomorrow"), ("proof_requirements", ["ok", ""]), ("proof_requirements", ["p"] * 11),
    ("proof_requirements", "a photo"), ("output_schema", {"blob": "x" * 10_001}), ("output_schema", "schema"),
    ("callback_url", "ftp://example.com/hook"), ("callback_url", "javascript:alert(1)"),
])
def test_bad_fields_are_422_and_nothing_is_written(api, agent, field, value):
    # given
    before = h.business_counts()

    # when
    response = api.post(REQUESTS, json=h.request_body(**{field: value}), headers=agent.headers())

    # then
    message = assert_error(response, status=422, code="validation_error")
    assert field in message
    assert h.business_counts() == before


@pytest.mark.parametrize("field", ["skill", "urgency", "duration", "context", "max_price"])
def test_each_required_field_is_required(api, agent, field):
    # when
    response = api.post(REQUESTS, json=h.request_body(**{field: ...}), headers=agent.headers())

    # then
    assert field in assert_error(response, status=422, code="validation_error")


@pytest.mark.parametrize("body", [[], "text", 42, None])
def test_a_body_that_is_not_an_object_is_422(api, agent, body):
    # when
    response = api.post(REQUESTS, json=body, headers=agent.headers())

    # then
    assert_error(response, status=422, code="validation_error")


def test_malformed_json_is_422(api, agent):
    # when
    response = api.post(REQUESTS, content=b'{"skill": "legal_review",', headers=agent.headers(
        content_type="application/json"))

    # then
    assert_error(response, status=422, code="validation_error")


def test_a_context_of_exactly_2000_characters_is_accepted(api, agent):
    # when
    response = api.post(REQUESTS, json=h.request_body(context="é" * 2000), headers=agent.headers())

    # then
    assert response.status_code == 201, response.text
    assert h.request_row(response.json()["request_id"])["context"] == "é" * 2000


@pytest.mark.parametrize("field", [
    "status", "fee", "fee_cents", "company_id", "project_id", "operator_id", "hold_id", "created_at", "balance",
    "balance_cents", "kyc_status", "role", "id", "request_id", "mode", "max_price_cents", "result", "rating",
    "api_key_id", "match_deadline_at",
])
def test_mass_assignment_of_a_server_owned_field_is_422_and_nothing_is_written(api, agent, field):
    # given
    stranger = h.make_agent(company_name="Other")
    values = {"status": "completed", "fee": "0.00EUR", "fee_cents": 0, "company_id": stranger.company_id,
              "project_id": stranger.project_id, "operator_id": "usr_x", "hold_id": "hld_x",
              "created_at": "2020-01-01T00:00:00Z", "balance": "1000.00EUR", "balance_cents": 100_000,
              "kyc_status": "verified", "role": "admin", "id": "req_mine", "request_id": "req_mine", "mode": "test",
              "max_price_cents": 1, "result": {"answer": "done"}, "rating": 5, "api_key_id": stranger.key_id,
              "match_deadline_at": "2099-01-01T00:00:00Z"}
    before = h.business_counts()

    # when
    response = api.post(REQUESTS, json=h.request_body(**{field: values[field]}), headers=agent.headers())

    # then
    assert field in assert_error(response, status=422, code="validation_error")
    assert h.business_counts() == before
    assert h.escrow_cents(agent) == 0


@pytest.mark.parametrize("extra", [{"price": "1.00EUR"}, {"available_patxers": 99}, {"fee": "0.00EUR"}])
def test_unknown_estimate_fields_are_422(api, agent, extra):
    # when
    response = api.post(ESTIMATE, json=SEED_ESTIMATE | extra, headers=agent.headers())

    # then
    assert_error(response, status=422, code="validation_error")


@pytest.mark.parametrize("body", [
    SEED_ESTIMATE | {"skill": "astrology"}, SEED_ESTIMATE | {"urgency": "2min"}, SEED_ESTIMATE | {"duration": "0s"},
    {"skill": "legal_review"},
])
def test_bad_estimates_are_422(api, agent, body):
    # when / then
    assert_error(api.post(ESTIMATE, json=body, headers=agent.headers()), status=422, code="validation_error")


def test_unauthenticated_calls_are_401_and_write_nothing(api):
    # given
    before = h.business_counts()

    # when
    responses = [api.post(REQUESTS, json=h.SEED_BODY), api.get(REQUESTS), api.post(ESTIMATE, json=SEED_ESTIMATE),
                 api.get(f"{REQUESTS}/req_000000000000000000000000"),
                 api.post(REQUESTS, json=h.SEED_BODY, headers={"Authorization": "Bearer pk_live_nope"})]

    # then
    for response in responses:
        assert_error(response, status=401, code="unauthorized")
        assert "x-ratelimit-limit" not in response.headers
    assert h.business_counts() == before
    assert h.count_requests() == 0


def test_a_request_inherits_the_projects_information_policy_unless_it_names_a_stricter_one(api):
    # given a project whose default is redacted
    agent = h.make_agent(funded_cents=2_000, information_policy="redacted")

    # when (a weaker one is refused: test_agent_policy)
    inherited = api.post(REQUESTS, json=h.request_body(information_policy=...), headers=agent.headers())
    chosen = api.post(REQUESTS, json=h.request_body(information_policy="sandboxed"), headers=agent.headers())

    # then
    assert inherited.json()["information_policy"] == "redacted"
    assert chosen.json()["information_policy"] == "sandboxed"


def test_the_fee_is_shown_on_the_request_and_adds_up(api, agent):
    # when
    body = api.post(REQUESTS, json=h.request_body(max_price="40.00EUR"), headers=agent.headers()).json()

    # then 18% of 40.00 (the tier below 5,000 EUR of trailing spend)
    assert (body["fee"], body["fee_cents"]) == ("7.20EUR", 720)
    assert h.request_row(body["request_id"])["fee_rate_bps"] == 1800


def test_every_status_is_a_valid_list_filter(api, agent):
    # when / then every documented status is a valid filter
    for status in RequestStatus:
        assert listed(api, agent, status=str(status))["data"] == []


@pytest.mark.parametrize(("field", "value"), [
    ("context", "Review clause\x004.2"), ("skill", "legal_review\x00"), ("title", "NDA\x00"),
    ("location", "Madrid\x00"), ("callback_url", "https://hooks.example.com/\x00"), ("information_policy", "open\x00"),
    ("max_price", "8.00EUR\x00"), ("duration", "15min\x00"),
])
def test_a_nul_byte_in_a_text_field_is_422_not_a_server_error(api, agent, field, value):
    # given (PostgreSQL cannot store or even compare text holding NUL; SQLite can)
    before = h.business_counts()

    # when
    response = api.post(REQUESTS, json=h.request_body(**{field: value}), headers=agent.headers())

    # then
    assert_error(response, status=422, code="validation_error")
    assert h.business_counts() == before


def test_a_nul_byte_in_an_estimates_skill_is_422_not_a_server_error(api, agent):
    # when
    response = api.post(ESTIMATE, json=SEED_ESTIMATE | {"skill": "legal_review\x00"}, headers=agent.headers())

    # then
    assert_error(response, status=422, code="validation_error")


def test_a_nul_byte_in_the_list_skill_filter_is_not_a_server_error(api, agent):
    # when
    response = api.get(REQUESTS, params={"skill": "legal_review\x00"}, headers=agent.headers())

    # then nothing can match it: an empty page or a 422, never a 500
    if response.status_code == 200:
        assert response.json()["data"] == []
    else:
        assert_error(response, status=422, code="validation_error")
