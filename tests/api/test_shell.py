"""The API shell: health, the error envelope for unknown paths and methods, body limits, 500s."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from marketplace_app import __version__
from marketplace_app.api.app import create_api
from marketplace_app.api.deps import current_user
from marketplace_app.api.limits import MAX_BODY_BYTES
from marketplace_app.core.db import get_engine, unit_of_work
from marketplace_app.identity import service as identity
from tests import factories
from tests.support import assert_error, row_counts

REGISTER = "/v1/auth/register"


def test_health_reports_service_database_and_time(client):
    # when
    response = client.get("/v1/health")

    # then
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"status", "version", "database", "time"}
    assert body["status"] == "ok"
    assert body["version"] == __version__
    assert body["database"] == get_engine().dialect.name
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["time"]), body["time"]


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/v1/nope"),
    ("POST", "/v1/requests/req_123/nothing"),
    ("DELETE", "/v1/auth"),
    ("GET", "/v1/"),
    ("PATCH", "/v1/auth/me/extra"),
])
def test_unknown_api_paths_answer_404_in_the_envelope(client, method, path):
    # when
    response = client.request(method, path)

    # then
    assert_error(response, status=404, code="not_found")


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("GET", "/v1/auth/register", "POST"),
    ("PUT", "/v1/auth/login", "POST"),
    ("DELETE", "/v1/health", "GET"),
    ("POST", "/v1/auth/me", "GET"),
    ("GET", "/v1/auth/logout", "POST"),
    ("OPTIONS", "/v1/health", "GET"),
])
def test_a_wrong_method_answers_405_in_the_envelope_with_allow(client, method, path, allowed):
    # when
    response = client.request(method, path)

    # then
    assert_error(response, status=405, code="method_not_allowed")
    assert allowed in response.headers["allow"]


def test_a_body_over_one_mebibyte_is_refused_with_413_and_changes_nothing(client):
    # given
    before = row_counts()
    body = b'{"email": "' + b"a" * MAX_BODY_BYTES + b'"}'

    # when
    response = client.post(REGISTER, content=body, headers={"content-type": "application/json"})

    # then
    assert_error(response, status=413, code="payload_too_large")
    assert row_counts() == before


def test_a_streamed_body_without_length_over_the_limit_is_refused_with_413(client):
    # given
    before = row_counts()

    def chunks():
        for _ in range(12):
            yield b" " * 100_000

    # when
    response = client.post(REGISTER, content=chunks(), headers={"content-type": "application/json"})

    # then
    assert "content-length" not in response.request.headers
    assert_error(response, status=413, code="payload_too_large")
    assert row_counts() == before


def test_a_body_of_exactly_the_limit_is_read_and_validated(client):
    # given
    body = b" " * (MAX_BODY_BYTES - 2) + b"{}"

    # when
    response = client.post(REGISTER, content=body, headers={"content-type": "application/json"})

    # then
    assert_error(response, status=422, code="validation_error")


def test_an_unexpected_failure_is_a_500_envelope_without_details():
    # given
    api = create_api()

    def explode() -> None:
        raise RuntimeError("secret detail from deep inside")

    api.dependency_overrides[current_user] = explode
    client = TestClient(api, raise_server_exceptions=False)
    with unit_of_work() as session:
        # A real session, so the rate limiter (which reads it first) lets the call reach the route.
        token = identity.create_session(session, user=factories.make_user(session))

    # when
    response = client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})

    # then
    message = assert_error(response, status=500, code="internal_error")
    assert "secret detail" not in response.text
    assert "RuntimeError" not in message


def test_unknown_api_paths_stay_404_once_reflex_is_mounted_behind_the_api():
    # given the API as Reflex builds it: its own app mounted at "" behind our routes, which
    # matches every path for every method
    api = create_api()
    api.mount("", _AnswerEverything())
    client = TestClient(api)

    # when
    unknown = client.get("/v1/nope")
    wrong_method = client.delete("/v1/health")

    # then
    assert_error(unknown, status=404, code="not_found")
    assert_error(wrong_method, status=405, code="method_not_allowed")
    assert wrong_method.headers["allow"] == "GET"


class _AnswerEverything:
    """A stand-in for the Reflex app Reflex mounts behind the API: an ASGI app that answers 200."""

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"reflex"})
