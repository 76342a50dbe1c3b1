"""RELIABILITY 11 and 12 for the company endpoints: two companies with two projects each; every id
of the other company is `404` with none of its data, and only company sessions get in."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace_app.core.db import unit_of_work
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role
from tests import factories
from tests.companies.helpers import make_tenant
from tests.support import assert_error, row_counts

COMPANY_ROUTES = [
    ("POST", "/v1/dashboard/projects", {"name": "p"}),
    ("GET", "/v1/dashboard/projects", None),
    ("GET", "/v1/dashboard/projects/prj_000000000000000000000000", None),
    ("PATCH", "/v1/dashboard/projects/prj_000000000000000000000000", {"name": "p"}),
    ("POST", "/v1/dashboard/keys", {"project_id": "prj_000000000000000000000000", "name": "k", "mode": "live"}),
    ("GET", "/v1/dashboard/keys", None),
    ("DELETE", "/v1/dashboard/keys/key_000000000000000000000000", None),
    ("POST", "/v1/dashboard/keys/key_000000000000000000000000/rotate", None),
    ("GET", "/v1/credits/balance", None),
    ("GET", "/v1/credits/transactions", None),
    ("POST", "/v1/credits/deposit-test", {"amount": "5.00EUR"}),
]


@pytest.fixture
def world(client) -> dict[str, Any]:
    """Two companies, each with two projects, a key per project and some ledger lines."""
    tenants = {"ours": make_tenant(name="Ours", projects=2), "theirs": make_tenant(name="Theirs", projects=2)}
    keys = {}
    for label, tenant in tenants.items():
        for project_id in tenant.project_ids:
            response = client.post("/v1/dashboard/keys", json={"project_id": project_id, "name": f"{label} key",
                                                                "mode": "live"}, headers=tenant.headers())
            keys.setdefault(label, []).append(response.json())
        client.post("/v1/credits/deposit-test", json={"amount": "25.00EUR"}, headers=tenant.headers())
    lines = client.get("/v1/credits/transactions", headers=tenants["theirs"].headers()).json()["data"]
    return {"tenants": tenants, "keys": keys, "their_line": lines[0]["id"]}


def foreign_calls(world: dict[str, Any]) -> list[tuple[str, str, dict[str, Any] | None, dict[str, Any] | None]]:
    """Every company endpoint that takes an id, called with the other company's id."""
    theirs = world["tenants"]["theirs"]
    calls = []
    for project_id in theirs.project_ids:
        calls += [("GET", f"/v1/dashboard/projects/{project_id}", None, None),
                  ("PATCH", f"/v1/dashboard/projects/{project_id}", None, {"name": "hijacked"}),
                  ("POST", "/v1/dashboard/keys", None, {"project_id": project_id, "name": "k", "mode": "live"}),
                  ("GET", "/v1/dashboard/keys", {"project_id": project_id}, None),
                  ("GET", "/v1/dashboard/projects", {"starting_after": project_id}, None)]
    for key in world["keys"]["theirs"]:
        calls += [("DELETE", f"/v1/dashboard/keys/{key['id']}", None, None),
                  ("POST", f"/v1/dashboard/keys/{key['id']}/rotate", None, None),
                  ("GET", "/v1/dashboard/keys", {"starting_after": key["id"]}, None)]
    calls.append(("GET", "/v1/credits/transactions", {"starting_after": world["their_line"]}, None))
    return calls


def test_every_foreign_id_is_not_found_and_reveals_nothing(client, world):
    # given
    ours, theirs = world["tenants"]["ours"], world["tenants"]["theirs"]
    foreign_values = [*theirs.project_ids, theirs.company_id, *[key["id"] for key in world["keys"]["theirs"]],
                      *[key["prefix"] for key in world["keys"]["theirs"]], "Theirs project"]
    before = row_counts()

    for role in ("owner", "admin", "member"):
        for method, path, params, body in foreign_calls(world):
            # when
            response = client.request(method, path, params=params, json=body, headers=ours.headers(role))

            # then (a read-only member is refused any write before the id is even looked at)
            if role == "member" and method != "GET":
                assert_error(response, status=403, code="forbidden")
            else:
                assert_error(response, status=404, code="not_found")
            for value in foreign_values:
                if value not in path and value not in str(params) and value not in str(body):
                    assert value not in response.text, (method, path, value)
    assert row_counts() == before
    for key in world["keys"]["theirs"]:
        listed = client.get("/v1/dashboard/keys", headers=theirs.headers()).json()["data"]
        assert {item["id"]: item["status"] for item in listed}[key["id"]] == "active"


def test_lists_and_balances_show_only_the_callers_company(client, world):
    # given
    ours, theirs = world["tenants"]["ours"], world["tenants"]["theirs"]

    # when
    projects = client.get("/v1/dashboard/projects", headers=ours.headers()).json()
    keys = client.get("/v1/dashboard/keys", headers=ours.headers()).json()
    lines = client.get("/v1/credits/transactions", headers=ours.headers()).json()
    balance = client.get("/v1/credits/balance", headers=ours.headers()).json()

    # then
    assert {project["id"] for project in projects["data"]} == set(ours.project_ids)
    assert {key["id"] for key in keys["data"]} == {key["id"] for key in world["keys"]["ours"]}
    assert [line["amount_cents"] for line in lines["data"]] == [2500]
    assert balance["available_cents"] == 2500
    for text in (str(projects), str(keys), str(lines)):
        for project_id in theirs.project_ids:
            assert project_id not in text


@pytest.mark.parametrize(("method", "path", "body"), COMPANY_ROUTES)
@pytest.mark.parametrize("role", [Role.operator, Role.agent_owner, Role.admin])
def test_sessions_of_other_roles_are_forbidden_and_change_nothing(client, method, path, body, role):
    # given
    with unit_of_work() as session:
        token = identity.create_session(session, user=factories.make_user(session, role=role))
    before = row_counts()

    # when
    response = client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})

    # then
    assert_error(response, status=403, code="forbidden")
    assert row_counts() == before


@pytest.mark.parametrize(("method", "path", "body"), COMPANY_ROUTES)
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer ses_unknown"},
                                     {"Authorization": "Bearer pk_live_not_a_session"}])
def test_calls_without_a_valid_session_are_401(client, method, path, body, headers):
    # given
    before = row_counts()

    # when
    response = client.request(method, path, json=body, headers=headers)

    # then
    assert_error(response, status=401, code="unauthorized")
    assert row_counts() == before


def test_an_agent_key_is_not_a_dashboard_session(client, world):
    # given
    secret = world["keys"]["ours"][0]["secret"]

    # when
    responses = [client.request(method, path, json=body, headers={"Authorization": f"Bearer {secret}",
                                                                  "X-API-Key": secret})
                 for method, path, body in COMPANY_ROUTES]

    # then
    for response in responses:
        assert_error(response, status=401, code="unauthorized")
