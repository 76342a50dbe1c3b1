"""`/v1/dashboard/keys`: create (secret once), list, revoke at once, rotate with a grace period."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

import marketplace_app.models  # noqa: F401  (registers every table)
from marketplace_app.companies.keys import authenticate_key
from marketplace_app.core import clock
from marketplace_app.core.db import metadata, unit_of_work
from marketplace_app.core.errors import Unauthorized
from marketplace_app.settings import get_settings
from tests.companies.helpers import make_tenant
from tests.support import assert_error, row_counts

KEYS = "/v1/dashboard/keys"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEY_FIELDS = {"id", "project_id", "name", "mode", "prefix", "last4", "status", "created_at", "last_used_at",
              "expires_at", "revoked_at"}


@pytest.fixture
def tenant():
    clock.freeze(START)
    return make_tenant(projects=2)


def create_key(client, tenant, **overrides):
    clock.advance(timedelta(seconds=1))  # distinct creation times, so newest-first order is known
    body = {"project_id": tenant.project_ids[0], "name": "production agent", "mode": "live", **overrides}
    response = client.post(KEYS, json=body, headers=tenant.headers())
    assert response.status_code == 201, response.text
    return response.json()


def key_works(secret: str) -> bool:
    """Whether `authenticate_key` accepts the secret right now."""
    with unit_of_work(read_only=True) as session:
        try:
            authenticate_key(session, secret)
        except Unauthorized:
            return False
    return True


def database_text() -> str:
    """Every row of every table, as text (to look for secrets stored in clear)."""
    parts = []
    with unit_of_work(read_only=True) as session:
        for table in metadata.sorted_tables:
            parts.extend(repr(tuple(row)) for row in session.execute(text(f'SELECT * FROM "{table.name}"')))
    return "\n".join(parts)


@pytest.mark.parametrize("mode", ["live", "test"])
def test_creating_a_key_returns_the_secret_once_and_stores_only_its_hash(client, tenant, mode):
    # when
    created = create_key(client, tenant, mode=mode)
    listed = client.get(KEYS, headers=tenant.headers()).json()

    # then
    secret = created["secret"]
    assert re.fullmatch(rf"pk_{mode}_[A-Za-z0-9_-]{{32}}", secret)
    assert created["id"].startswith("key_") and created["project_id"] == tenant.project_ids[0]
    assert created["prefix"] == secret[:12] and created["last4"] == secret[-4:]
    assert created["status"] == "active" and created["mode"] == mode
    assert created["created_at"] == "2026-03-02T09:00:01Z" and created["expires_at"] is None
    assert [{**key} for key in listed["data"]] == [{k: v for k, v in created.items() if k != "secret"}]
    assert set(listed["data"][0]) == KEY_FIELDS
    assert secret not in str(listed) and "hash" not in str(listed)
    assert key_works(secret)


def test_secrets_never_reach_the_database(client, tenant):
    # given (100 canary keys: created, rotated and revoked)
    secrets = []
    for index in range(100):
        created = create_key(client, tenant, name=f"canary {index}", mode="test" if index % 2 else "live")
        secrets.append(created["secret"])
        if index % 10 == 0:
            rotated = client.post(f"{KEYS}/{created['id']}/rotate", headers=tenant.headers()).json()
            secrets.append(rotated["secret"])
            client.delete(f"{KEYS}/{rotated['id']}", headers=tenant.headers())

    # when
    dump = database_text()

    # then
    for secret in secrets:
        assert secret not in dump
        assert secret[12:-4] not in dump  # the part that is never displayed


def test_the_key_response_is_not_cacheable(client, tenant):
    # when
    response = client.post(KEYS, json={"project_id": tenant.project_ids[0], "name": "k", "mode": "live"},
                           headers=tenant.headers())

    # then
    assert response.headers["cache-control"] == "no-store"


def test_a_revoked_key_is_refused_at_once(client, tenant):
    # given
    created = create_key(client, tenant)
    assert key_works(created["secret"])

    # when
    response = client.delete(f"{KEYS}/{created['id']}", headers=tenant.headers("admin"))

    # then
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "revoked"
    assert response.json()["revoked_at"] == "2026-03-02T09:00:01Z"
    assert not key_works(created["secret"])
    assert client.get(KEYS, headers=tenant.headers()).json()["data"][0]["status"] == "revoked"


def test_revoking_twice_changes_nothing(client, tenant):
    # given
    created = create_key(client, tenant)
    first = client.delete(f"{KEYS}/{created['id']}", headers=tenant.headers()).json()
    clock.advance(timedelta(hours=1))
    before = row_counts()

    # when
    second = client.delete(f"{KEYS}/{created['id']}", headers=tenant.headers())

    # then
    assert second.status_code == 200
    assert second.json() == first
    assert row_counts() == before


def test_rotation_returns_a_new_key_once_and_keeps_the_old_one_for_the_grace_period(client, tenant):
    # given
    old = create_key(client, tenant, mode="test")
    grace = timedelta(hours=get_settings().key_rotation_grace_hours)

    # when
    response = client.post(f"{KEYS}/{old['id']}/rotate", headers=tenant.headers())

    # then
    assert response.status_code == 201, response.text
    new = response.json()
    assert new["id"] != old["id"] and new["secret"] != old["secret"]
    assert new["secret"].startswith("pk_test_") and new["mode"] == "test" and new["name"] == old["name"]
    assert new["status"] == "active" and new["project_id"] == old["project_id"]
    assert new["rotated_key"]["id"] == old["id"]
    assert new["rotated_key"]["status"] == "rotating"
    assert new["rotated_key"]["expires_at"] == "2026-03-03T09:00:01Z"
    assert response.headers["cache-control"] == "no-store"
    assert key_works(old["secret"]) and key_works(new["secret"])

    clock.advance(grace - timedelta(seconds=1))
    assert key_works(old["secret"])
    clock.advance(timedelta(seconds=1))
    assert not key_works(old["secret"])
    assert key_works(new["secret"])
    statuses = {key["id"]: key["status"] for key in client.get(KEYS, headers=tenant.headers()).json()["data"]}
    assert statuses == {old["id"]: "expired", new["id"]: "active"}


def test_a_rotating_key_can_still_be_revoked_at_once(client, tenant):
    # given
    old = create_key(client, tenant)
    client.post(f"{KEYS}/{old['id']}/rotate", headers=tenant.headers())

    # when
    response = client.delete(f"{KEYS}/{old['id']}", headers=tenant.headers())

    # then
    assert response.json()["status"] == "revoked"
    assert not key_works(old["secret"])


@pytest.mark.parametrize(("prepare", "status"), [("revoke", "revoked"), ("rotate", "rotating"), ("expire", "expired")])
def test_only_active_keys_can_be_rotated(client, tenant, prepare, status):
    # given
    old = create_key(client, tenant, expires_in_days=1)
    if prepare == "revoke":
        client.delete(f"{KEYS}/{old['id']}", headers=tenant.headers())
    elif prepare == "rotate":
        client.post(f"{KEYS}/{old['id']}/rotate", headers=tenant.headers())
    else:
        clock.advance(timedelta(days=1))
    before = row_counts()

    # when
    response = client.post(f"{KEYS}/{old['id']}/rotate", headers=tenant.headers())

    # then
    message = assert_error(response, status=400, code="invalid_state")
    assert status in message
    assert row_counts() == before


def test_a_key_with_a_lifetime_expires_and_its_successor_gets_the_same_lifetime(client, tenant):
    # given
    old = create_key(client, tenant, expires_in_days=3)
    assert old["expires_at"] == "2026-03-05T09:00:01Z"
    clock.advance(timedelta(days=1))

    # when
    new = client.post(f"{KEYS}/{old['id']}/rotate", headers=tenant.headers()).json()

    # then
    assert new["expires_at"] == "2026-03-06T09:00:01Z"
    assert new["rotated_key"]["expires_at"] == "2026-03-04T09:00:01Z"
    clock.advance(timedelta(days=3) - timedelta(seconds=1))
    assert key_works(new["secret"])
    clock.advance(timedelta(seconds=1))
    assert not key_works(new["secret"])
    statuses = {key["id"]: key["status"] for key in client.get(KEYS, headers=tenant.headers()).json()["data"]}
    assert statuses == {old["id"]: "expired", new["id"]: "expired"}


def test_rotation_never_extends_an_old_key_that_expires_within_the_grace(client, tenant):
    # given
    old = create_key(client, tenant, expires_in_days=1)
    clock.advance(timedelta(hours=20))

    # when
    new = client.post(f"{KEYS}/{old['id']}/rotate", headers=tenant.headers()).json()

    # then
    assert new["rotated_key"]["expires_at"] == old["expires_at"]


def test_keys_can_be_listed_per_project_and_paginated(client, tenant):
    # given
    first_project = [create_key(client, tenant, name=f"a{index}")["id"] for index in range(3)]
    second_project = [create_key(client, tenant, name="b", project_id=tenant.project_ids[1])["id"]]

    # when
    by_project = client.get(KEYS, params={"project_id": tenant.project_ids[0]}, headers=tenant.headers("member"))
    page_one = client.get(KEYS, params={"limit": 3}, headers=tenant.headers("member")).json()
    page_two = client.get(KEYS, params={"limit": 3, "starting_after": page_one["next_starting_after"]},
                          headers=tenant.headers("member")).json()

    # then
    assert [key["id"] for key in by_project.json()["data"]] == list(reversed(first_project))
    assert [key["id"] for key in page_one["data"] + page_two["data"]] == list(reversed(first_project + second_project))
    assert (page_one["has_more"], page_two["has_more"]) == (True, False)


@pytest.mark.parametrize(("overrides", "status"), [
    ({"mode": "prod"}, 422), ({"mode": None}, 422), ({"name": ""}, 422), ({"name": "a" * 81}, 422),
    ({"name": "tab\there"}, 422), ({"name": "nul\x00"}, 422), ({"expires_in_days": 0}, 422),
    ({"expires_in_days": 3651}, 422), ({"expires_in_days": "30"}, 422), ({"expires_in_days": 1.5}, 422),
    ({"project_id": None}, 422), ({"project_id": "prj_000000000000000000000000"}, 404),
    ({"project_id": "prj_\x00"}, 404), ({"status": "active"}, 422), ({"key_hash": "0" * 64}, 422),
    ({"secret": "pk_live_chosen"}, 422), ({"prefix": "pk_live_abcd"}, 422), ({"company_id": "com_x"}, 422),
])
def test_bad_key_input_is_refused_and_writes_nothing(client, tenant, overrides, status):
    # given
    before = row_counts()
    body = {"project_id": tenant.project_ids[0], "name": "k", "mode": "live", **overrides}

    # when
    response = client.post(KEYS, json=body, headers=tenant.headers())

    # then
    assert_error(response, status=status, code="validation_error" if status == 422 else "not_found")
    assert row_counts() == before


def test_members_see_keys_but_may_not_create_revoke_or_rotate_them(client, tenant):
    # given
    created = create_key(client, tenant)
    before = row_counts()
    member = tenant.headers("member")

    # when
    listed = client.get(KEYS, headers=member)
    responses = [client.post(KEYS, json={"project_id": tenant.project_ids[0], "name": "k", "mode": "live"},
                             headers=member),
                 client.delete(f"{KEYS}/{created['id']}", headers=member),
                 client.post(f"{KEYS}/{created['id']}/rotate", headers=member)]

    # then
    assert [key["id"] for key in listed.json()["data"]] == [created["id"]]
    for response in responses:
        assert_error(response, status=403, code="forbidden")
    assert row_counts() == before
    assert key_works(created["secret"])


@pytest.mark.parametrize("cursor", ["key_%00", "key_' OR 1=1", "k" * 41])
def test_a_malformed_cursor_is_422_and_an_unknown_one_404(client, tenant, cursor):
    # when
    malformed = client.get(KEYS, params={"starting_after": cursor}, headers=tenant.headers())
    unknown = client.get(KEYS, params={"starting_after": "key_000000000000000000000000"}, headers=tenant.headers())

    # then
    assert_error(malformed, status=422, code="validation_error")
    assert_error(unknown, status=404, code="not_found")
