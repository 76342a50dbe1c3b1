"""RELIABILITY 12: every route declares who may call it, and protected routes refuse strangers."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts

from marketplace_app.api.access import ACCESS_KEY, LEVELS
from marketplace_app.api.app import create_api
from marketplace_app.api.deps import SESSION_COOKIE
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role
from tests import factories
from tests.support import assert_error

API_PREFIXES = ("/v1/", "/hooks/")
ROLE_LEVELS = {"company": Role.company, "operator": Role.operator, "agent_owner": Role.agent_owner,
               "admin": Role.admin}
BODY_METHODS = {"POST", "PUT", "PATCH"}


@dataclass(frozen=True)
class Entry:
    """One route as the inventory sees it."""

    path: str
    methods: frozenset[str]
    level: str | None
    in_schema: bool
    framework: bool
    websocket: bool = False


def inventory(api: FastAPI) -> list[Entry]:
    """Every route of `api`, including those inside included routers and those left out of the schema."""
    framework_paths = {api.openapi_url, api.docs_url, api.redoc_url, api.swagger_ui_oauth2_redirect_url} - {None}
    entries = []
    for context in iter_route_contexts(api.routes):
        route = context.original_route
        is_api_route = isinstance(route, APIRoute)
        is_websocket = isinstance(route, APIWebSocketRoute)
        if is_api_route:
            extra = context.openapi_extra or {}
        else:  # no OpenAPI operation (a WebSocket, an ASGI endpoint): the declaration sits on the endpoint
            extra = getattr(getattr(route, "endpoint", None), "openapi_extra", None) or {}
        entries.append(Entry(path=context.path, methods=frozenset(context.methods or ()),
                             level=extra.get(ACCESS_KEY), in_schema=is_api_route and context.include_in_schema,
                             framework=not is_api_route and not is_websocket and context.path in framework_paths,
                             websocket=is_websocket))
    return entries


def undeclared(api: FastAPI) -> list[Entry]:
    """Routes that do not declare a known access level (the framework's doc pages aside)."""
    return [entry for entry in inventory(api) if not entry.framework and entry.level not in LEVELS]


def concrete(path: str) -> str:
    """Fill path parameters with a harmless value."""
    return re.sub(r"\{[^}]+\}", "xyz_123", path)


API = create_api()
PROTECTED = sorted((method, entry.path, entry.level) for entry in inventory(API) if entry.level not in (None, "public")
                   for method in entry.methods)
ROLE_PROTECTED = [(method, path, level) for method, path, level in PROTECTED if level in ROLE_LEVELS]


def test_the_inventory_sees_routes_inside_included_routers():
    # when
    paths = {entry.path for entry in inventory(API)}

    # then
    assert {"/v1/health", "/v1/auth/register", "/v1/auth/me", "/v1/auth/browser-session"} <= paths


def test_every_route_declares_who_may_call_it():
    # then
    assert undeclared(API) == []


def test_the_inventory_check_catches_an_undeclared_route():
    # given
    api = create_api()

    @api.get("/v1/forgotten")
    def forgotten() -> None:
        return None

    @api.websocket("/v1/forgotten-ws")
    async def forgotten_ws(websocket) -> None:
        await websocket.close()

    # when
    missing = undeclared(api)

    # then
    assert [entry.path for entry in missing] == ["/v1/forgotten", "/v1/forgotten-ws"]


WEBSOCKETS = sorted((entry.path, entry.level) for entry in inventory(API) if entry.websocket)


def test_the_inventory_sees_the_websocket_stream_and_its_declaration():
    # then
    assert ("/v1/ws", "api_key_or_session") in WEBSOCKETS
    assert all(level in LEVELS for _path, level in WEBSOCKETS)


STREAMS = [item for item in WEBSOCKETS if item[1] in ("api_key", "api_key_or_session")]


def assert_refused(client, url: str, *, cookies: dict[str, str] | None = None) -> None:
    client.cookies.clear()
    for name, value in (cookies or {}).items():
        client.cookies.set(name, value)
    with client.websocket_connect(url) as websocket:
        frame = websocket.receive_json()
        closed = websocket.receive()
    assert frame["error"]["code"] == "unauthorized", (url, cookies, frame)
    assert closed == {"type": "websocket.close", "code": 4401, "reason": "unauthorized"}, (url, cookies)


@pytest.mark.parametrize(("path", "level"), STREAMS)
def test_websocket_streams_refuse_missing_malformed_and_session_tokens(client, path, level):
    # given (a WebSocket cannot send an Authorization header from a browser: the key is the `token` parameter)
    with unit_of_work() as session:
        person = identity.create_session(session, user=factories.make_user(session))
    tokens = ["", "garbage", "ses_malformed", "pk_live_not_a_real_key", "pk_test_", person]

    # then (a session is never accepted as a `token`, even a real one)
    for token in tokens:
        assert_refused(client, f"{path}?token={token}")
    # and without a token, only a real dashboard session cookie is a credential
    assert_refused(client, path)
    if level == "api_key_or_session":
        for cookie in ("", "garbage", "ses_malformed", "pk_live_not_a_real_key"):
            assert_refused(client, path, cookies={SESSION_COOKIE: cookie})


def test_the_openapi_document_publishes_the_access_of_every_operation():
    # given
    schema = API.openapi()
    in_schema = {(method.lower(), entry.path) for entry in inventory(API) if entry.in_schema
                 for method in entry.methods}

    # when
    published = {(method, path): operation.get(ACCESS_KEY)
                 for path, operations in schema["paths"].items() for method, operation in operations.items()}

    # then
    assert set(published) == in_schema
    assert {operation: level for operation, level in published.items() if level not in LEVELS} == {}


def test_every_route_lives_under_an_api_prefix():
    # then (the Reflex app owns every other path, so the API must not shadow one)
    assert [entry.path for entry in inventory(API) if not entry.path.startswith(API_PREFIXES)] == []


MALFORMED_CREDENTIALS = [None, "Bearer", "Bearer garbage", "Bearer ses_malformed", "Bearer pk_live_not_a_real_key",
                         "Bearer pk_test_", "Basic dTpw"]


def call(client, method: str, path: str, authorization: str | None):
    headers = {"Authorization": authorization} if authorization else {}
    return client.request(method, concrete(path), headers=headers, json={} if method in BODY_METHODS else None)


@pytest.mark.parametrize(("method", "path", "level"), PROTECTED)
def test_protected_routes_refuse_missing_and_malformed_credentials(client, method, path, level):
    # when
    responses = {authorization: call(client, method, path, authorization) for authorization in MALFORMED_CREDENTIALS}

    # then
    for response in responses.values():
        assert_error(response, status=401, code="unauthorized")


@pytest.mark.parametrize(("method", "path", "level"), PROTECTED)
def test_protected_routes_refuse_the_other_kind_of_credential(client, method, path, level):
    # given (a real session for key routes, a real project key for routes meant for people)
    with unit_of_work() as session:
        company = factories.make_company(session)
        if level == "api_key":
            credential = identity.create_session(session, user=factories.make_user(session))
        else:
            credential = factories.make_key(session, project=factories.make_project(session, company=company))

    # when
    response = call(client, method, path, f"Bearer {credential}")

    # then
    assert_error(response, status=401, code="unauthorized")


@pytest.mark.parametrize(("method", "path", "level"), ROLE_PROTECTED)
def test_role_routes_refuse_sessions_of_every_other_role(client, method, path, level):
    # given
    tokens = {}
    with unit_of_work() as session:
        for role in Role:
            if role is not ROLE_LEVELS[level]:
                tokens[role] = identity.create_session(session, user=factories.make_user(session, role=role))

    # when
    responses = {role: call(client, method, path, f"Bearer {token}") for role, token in tokens.items()}

    # then
    for response in responses.values():
        assert_error(response, status=403, code="forbidden")
