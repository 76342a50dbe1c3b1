"""`POST /v1/waitlist`: public, validated, duplicates answered with the existing entry."""

from __future__ import annotations

import re

import pytest

from tests.support import assert_error, row_counts

WAITLIST = "/v1/waitlist"


def seed_body(**overrides):
    """The seed's example body (the e-mail built here, not written out)."""
    body = {"type": "company", "email": "hello@" + "acme.example", "name": "Company Name",
            "use_case": "Agent quality assurance"}
    body.update(overrides)
    return body


def test_the_seed_example_joins_without_authentication(client):
    # when
    response = client.post(WAITLIST, json=seed_body())

    # then
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "type", "email", "name", "created_at"}
    assert body["id"].startswith("wl_")
    assert (body["type"], body["email"], body["name"]) == ("company", seed_body()["email"], "Company Name")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["created_at"])


def test_joining_twice_answers_200_with_the_existing_entry_and_no_second_row(client):
    # given
    first = client.post(WAITLIST, json=seed_body()).json()
    before = row_counts()

    # when
    again = client.post(WAITLIST, json=seed_body(email=seed_body()["email"].upper(), name="Other name"))

    # then
    assert again.status_code == 200
    assert again.json() == first
    assert row_counts() == before


@pytest.mark.parametrize("overrides", [
    {"type": "investor"}, {"type": None}, {"email": "nope"}, {"email": 5}, {"email": "a" * 250 + "@x.io"},
    {"name": ""}, {"name": "   "}, {"name": "n" * 121}, {"name": "nul\x00"}, {"use_case": "u" * 1001},
    {"use_case": 7}, {"id": "wl_mine"}, {"created_at": "2026-01-01T00:00:00Z"}, {"status": "approved"},
])
def test_bad_input_is_422_and_writes_nothing(client, overrides):
    # given
    before = row_counts()

    # when
    response = client.post(WAITLIST, json=seed_body(**overrides))

    # then
    assert_error(response, status=422, code="validation_error")
    assert row_counts() == before


@pytest.mark.parametrize("missing", ["type", "email", "name"])
def test_required_fields_are_required(client, missing):
    # given
    body = seed_body()
    del body[missing]

    # when
    response = client.post(WAITLIST, json=body)

    # then
    message = assert_error(response, status=422, code="validation_error")
    assert missing in message


def test_use_case_is_optional(client):
    # given
    body = seed_body(type="patxer")
    del body["use_case"]

    # when
    response = client.post(WAITLIST, json=body)

    # then
    assert response.status_code == 201
