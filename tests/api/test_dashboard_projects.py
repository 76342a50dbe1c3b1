"""`/v1/dashboard/projects`: create, list, read and partially update a company's projects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace_app.core import clock
from tests.companies.helpers import make_tenant, project_row
from tests.support import assert_error, row_counts

PROJECTS = "/v1/dashboard/projects"


@pytest.fixture
def tenant():
    return make_tenant()


def full_project(**overrides):
    body = {"name": "Contract bot", "information_policy": "sandboxed", "allowed_skills": ["legal_review", "research"],
            "redaction_terms": ["Project Falcon", "ACME GmbH"],
            "budget": {"max_per_request": "8.00EUR", "daily": "50.00EUR", "monthly": "500EUR"},
            "rate_limit_per_hour": 120}
    body.update(overrides)
    return body


def test_creating_a_project_stores_every_setting_and_renders_money_both_ways(client, tenant):
    # when
    response = client.post(PROJECTS, json=full_project(), headers=tenant.headers())

    # then
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["id"].startswith("prj_")
    assert body["name"] == "Contract bot"
    assert body["information_policy"] == "sandboxed"
    assert body["allowed_skills"] == ["legal_review", "research"] and body["all_skills_allowed"] is False
    assert body["redaction_terms"] == ["Project Falcon", "ACME GmbH"]
    assert body["budget"] == {"max_per_request": "8.00EUR", "max_per_request_cents": 800, "daily": "50.00EUR",
                              "daily_cents": 5000, "monthly": "500.00EUR", "monthly_cents": 50000}
    assert body["rate_limit_per_hour"] == 120
    stored = project_row(body["id"])
    assert stored.company_id == tenant.company_id
    assert (stored.max_per_request_cents, stored.daily_budget_cents, stored.monthly_budget_cents) == (800, 5000, 50000)


def test_a_project_with_only_a_name_gets_the_documented_defaults(client, tenant):
    # when
    response = client.post(PROJECTS, json={"name": "  Minimal  "}, headers=tenant.headers("admin"))

    # then
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "Minimal"
    assert body["information_policy"] == "redacted"
    assert body["allowed_skills"] == [] and body["all_skills_allowed"] is True
    assert body["redaction_terms"] == []
    assert body["budget"] == dict.fromkeys(
        ["max_per_request", "max_per_request_cents", "daily", "daily_cents", "monthly", "monthly_cents"])
    assert body["rate_limit_per_hour"] == 1000
    assert "webhook_url" not in body


@pytest.mark.parametrize(("overrides", "needle"), [
    ({"allowed_skills": ["legal_review", "astrology"]}, "astrology"),
    ({"allowed_skills": ["x\x00"]}, "allowed_skills"),
    ({"allowed_skills": "legal_review"}, "allowed_skills"),
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "a" * 121}, "name"),
    ({"name": "bad\x00name"}, "control"),
    ({"name": 42}, "name"),
    ({"information_policy": "public"}, "information_policy"),
    ({"redaction_terms": ["ok term", "x"]}, "redaction term"),
    ({"redaction_terms": ["line\nbreak"]}, "control"),
    ({"redaction_terms": ["t"] * 101}, "redaction_terms"),
    ({"budget": {"daily": "-5.00EUR"}}, "budget.daily"),
    ({"budget": {"daily": "0.00EUR"}}, "greater than zero"),
    ({"budget": {"daily": "5,00EUR"}}, "budget.daily"),
    ({"budget": {"daily": "5.00USD"}}, "EUR"),
    ({"budget": {"daily": "1e309"}}, "budget.daily"),
    ({"budget": {"daily": 500}}, "budget.daily"),
    ({"budget": {"daily": "NaN"}}, "budget.daily"),
    ({"budget": {"daily": "0.001EUR"}}, "budget.daily"),
    ({"budget": {"weekly": "5.00EUR"}}, "weekly"),
    ({"budget": {"max_per_request": "60.00EUR", "daily": "50.00EUR"}}, "max_per_request"),
    ({"budget": {"daily": "600.00EUR", "monthly": "500.00EUR"}}, "daily"),
    ({"rate_limit_per_hour": 0}, "rate_limit_per_hour"),
    ({"rate_limit_per_hour": 100_001}, "rate_limit_per_hour"),
    ({"rate_limit_per_hour": "100"}, "rate_limit_per_hour"),
    ({"rate_limit_per_hour": True}, "rate_limit_per_hour"),
    ({"rate_limit_per_hour": 10.5}, "rate_limit_per_hour"),
])
def test_bad_project_input_is_refused_with_422_and_writes_nothing(client, tenant, overrides, needle):
    # given
    before = row_counts()

    # when
    response = client.post(PROJECTS, json=full_project(**overrides), headers=tenant.headers())

    # then
    message = assert_error(response, status=422, code="validation_error")
    assert needle.lower() in message.lower()
    assert row_counts() == before


def test_an_unknown_skill_is_refused_with_the_list_of_valid_skills(client, tenant):
    # when
    response = client.post(PROJECTS, json={"name": "p", "allowed_skills": ["astrology"]}, headers=tenant.headers())

    # then
    message = assert_error(response, status=422, code="validation_error")
    assert "astrology" in message
    for skill in ("legal_review", "translation", "research", "captcha_solving"):
        assert skill in message


@pytest.mark.parametrize("field", ["id", "company_id", "status", "created_at", "balance", "max_per_request_cents",
                                   "daily_budget_cents"])
def test_server_owned_fields_are_refused_on_create_and_update(client, tenant, field):
    # given
    project_id = client.post(PROJECTS, json={"name": "p"}, headers=tenant.headers()).json()["id"]
    before = row_counts()

    # when
    created = client.post(PROJECTS, json={"name": "q", field: "x"}, headers=tenant.headers())
    patched = client.patch(f"{PROJECTS}/{project_id}", json={field: "x"}, headers=tenant.headers())
    nested = client.patch(f"{PROJECTS}/{project_id}", json={"budget": {field: "x"}}, headers=tenant.headers())

    # then
    for response in (created, patched, nested):
        assert_error(response, status=422, code="validation_error")
    assert row_counts() == before
    assert project_row(project_id).name == "p"


def test_patch_changes_only_the_fields_sent(client, tenant):
    # given
    created = client.post(PROJECTS, json=full_project(), headers=tenant.headers()).json()

    # when
    response = client.patch(f"{PROJECTS}/{created['id']}", json={"name": "Renamed", "rate_limit_per_hour": 5},
                            headers=tenant.headers())

    # then
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {**created, "name": "Renamed", "rate_limit_per_hour": 5}


def test_patch_with_a_null_cap_clears_only_that_cap(client, tenant):
    # given
    created = client.post(PROJECTS, json=full_project(), headers=tenant.headers()).json()

    # when
    response = client.patch(f"{PROJECTS}/{created['id']}", json={"budget": {"daily": None}}, headers=tenant.headers())

    # then
    assert response.status_code == 200, response.text
    assert response.json()["budget"] == {"max_per_request": "8.00EUR", "max_per_request_cents": 800, "daily": None,
                                         "daily_cents": None, "monthly": "500.00EUR", "monthly_cents": 50000}
    assert project_row(created["id"]).daily_budget_cents is None


def test_patch_with_a_null_budget_clears_every_cap(client, tenant):
    # given
    created = client.post(PROJECTS, json=full_project(), headers=tenant.headers()).json()

    # when
    response = client.patch(f"{PROJECTS}/{created['id']}", json={"budget": None}, headers=tenant.headers())

    # then
    assert response.status_code == 200, response.text
    assert set(response.json()["budget"].values()) == {None}


def test_webhook_url_is_no_longer_a_project_setting(client, tenant):
    # given (webhooks are endpoints now: /v1/dashboard/projects/{id}/webhooks)
    created = client.post(PROJECTS, json={"name": "p"}, headers=tenant.headers()).json()
    before = row_counts()

    # when
    create = client.post(PROJECTS, json={"name": "q", "webhook_url": "https://hooks.example.com/x"},
                         headers=tenant.headers())
    patch = client.patch(f"{PROJECTS}/{created['id']}", json={"webhook_url": "https://hooks.example.com/x"},
                         headers=tenant.headers())

    # then
    for response in (create, patch):
        assert_error(response, status=422, code="validation_error")
    assert row_counts() == before


def test_patch_checks_the_budget_order_against_the_stored_caps(client, tenant):
    # given
    created = client.post(PROJECTS, json=full_project(), headers=tenant.headers()).json()

    # when
    response = client.patch(f"{PROJECTS}/{created['id']}", json={"budget": {"monthly": "20.00EUR"}},
                            headers=tenant.headers())

    # then
    assert_error(response, status=422, code="validation_error")
    assert project_row(created["id"]).monthly_budget_cents == 50000


@pytest.mark.parametrize("changes", [{"name": None}, {"information_policy": None}, {"allowed_skills": None},
                                     {"redaction_terms": None}, {"rate_limit_per_hour": None},
                                     {"allowed_skills": ["nope"]}, {"name": "x\x00"}])
def test_bad_patches_are_refused_and_change_nothing(client, tenant, changes):
    # given
    created = client.post(PROJECTS, json=full_project(), headers=tenant.headers()).json()

    # when
    response = client.patch(f"{PROJECTS}/{created['id']}", json=changes, headers=tenant.headers())

    # then
    assert_error(response, status=422, code="validation_error")
    assert client.get(f"{PROJECTS}/{created['id']}", headers=tenant.headers()).json() == created


def test_an_empty_patch_changes_nothing(client, tenant):
    # given
    created = client.post(PROJECTS, json=full_project(), headers=tenant.headers()).json()

    # when
    response = client.patch(f"{PROJECTS}/{created['id']}", json={}, headers=tenant.headers())

    # then
    assert response.status_code == 200
    assert response.json() == created


def test_projects_list_newest_first_and_paginate_by_keyset(client, tenant):
    # given
    clock.freeze(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    ids = []
    for index in range(5):
        clock.advance(timedelta(seconds=1))
        ids.append(client.post(PROJECTS, json={"name": f"p{index}"}, headers=tenant.headers()).json()["id"])

    # when
    first = client.get(PROJECTS, params={"limit": 2}, headers=tenant.headers("member")).json()
    second = client.get(PROJECTS, params={"limit": 2, "starting_after": first["next_starting_after"]},
                        headers=tenant.headers("member")).json()
    third = client.get(PROJECTS, params={"limit": 2, "starting_after": second["next_starting_after"]},
                       headers=tenant.headers("member")).json()

    # then
    seen = [project["id"] for page in (first, second, third) for project in page["data"]]
    assert sorted(seen) == sorted(ids) and len(seen) == 5
    assert [page["has_more"] for page in (first, second, third)] == [True, True, False]
    assert third["next_starting_after"] is None
    names = [project["name"] for page in (first, second, third) for project in page["data"]]
    assert names == ["p4", "p3", "p2", "p1", "p0"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"limit": "ten"}])
def test_list_limits_are_validated(client, tenant, params):
    # when
    response = client.get(PROJECTS, params=params, headers=tenant.headers())

    # then
    assert_error(response, status=422, code="validation_error")


@pytest.mark.parametrize("project_id", ["prj_000000000000000000000000", "prj_%00", "x" * 300, "prj_%27%20OR%201=1"])
def test_unknown_and_malformed_project_ids_are_404(client, tenant, project_id):
    # when
    responses = [client.get(f"{PROJECTS}/{project_id}", headers=tenant.headers()),
                 client.patch(f"{PROJECTS}/{project_id}", json={"name": "x"}, headers=tenant.headers())]

    # then
    for response in responses:
        assert_error(response, status=404, code="not_found")


def test_an_unknown_cursor_is_404_and_a_malformed_one_422(client, tenant):
    # when
    unknown = client.get(PROJECTS, params={"starting_after": "prj_000000000000000000000000"}, headers=tenant.headers())
    malformed = [client.get(PROJECTS, params={"starting_after": cursor}, headers=tenant.headers())
                 for cursor in ["prj_%00", "x" * 64, "prj_%27%20OR%201=1"]]

    # then
    assert_error(unknown, status=404, code="not_found")
    for response in malformed:
        assert_error(response, status=422, code="validation_error")


def test_members_read_projects_but_may_not_create_or_change_them(client, tenant):
    # given
    created = client.post(PROJECTS, json={"name": "p"}, headers=tenant.headers()).json()
    before = row_counts()

    # when
    read = client.get(f"{PROJECTS}/{created['id']}", headers=tenant.headers("member"))
    listed = client.get(PROJECTS, headers=tenant.headers("member"))
    create = client.post(PROJECTS, json={"name": "q"}, headers=tenant.headers("member"))
    patch = client.patch(f"{PROJECTS}/{created['id']}", json={"name": "q"}, headers=tenant.headers("member"))

    # then
    assert read.status_code == 200 and read.json() == created
    assert [project["id"] for project in listed.json()["data"]] == [created["id"]]
    assert_error(create, status=403, code="forbidden")
    assert_error(patch, status=403, code="forbidden")
    assert row_counts() == before
    assert project_row(created["id"]).name == "p"
