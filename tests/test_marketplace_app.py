"""The whole app as the server runs it (Reflex with the API mounted in front), in this process.

Only the deployment's own origins may read cookie-authenticated answers (CORS) or open the
dashboard socket (`/_event`); any other origin gets no `Access-Control-*` header at all.
Reflex's `/_upload` has the API's upload cap (413 before the body is read) and takes a file only
from a browser tab that is signed in (401).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient
from starlette.types import ASGIApp
from starlette.websockets import WebSocketDisconnect

from marketplace_app.api.deps import SESSION_COOKIE
from marketplace_app.api.limits import MAX_UPLOAD_BODY_BYTES
from marketplace_app.settings import get_settings
from marketplace_app.ui.state.operator import OperatorProfileState
from tests.companies.helpers import make_tenant
from tests.support import assert_error, row_counts

OWN_ORIGIN = "http://localhost:3000"
FOREIGN_ORIGIN = "https://evil.example"
PNG = b"\x89PNG\r\n\x1a\n"
TWELVE_MIB = 12 * 1024 * 1024


@pytest.fixture(scope="session")
def server_app() -> ASGIApp:
    """The ASGI app `reflex run` serves, built once; pages are evaluated, the frontend not compiled."""
    os.environ.pop("ALLOWED_ORIGINS", None)
    get_settings.cache_clear()
    os.environ["__REFLEX_SKIP_COMPILE"] = "true"
    try:
        from marketplace_app.marketplace_app import app

        return app()
    finally:
        os.environ.pop("__REFLEX_SKIP_COMPILE")


@pytest.fixture
def server(server_app: ASGIApp) -> Iterator[TestClient]:
    try:
        with TestClient(server_app, raise_server_exceptions=False) as client:
            yield client
    finally:
        gc.unfreeze()  # the server settled its heap on start (core/heap.py): give the tests theirs back


def test_the_server_settles_its_heap_once_started(server):
    # the startup objects are out of the collector's sight, so a full collection no longer walks them
    assert gc.get_freeze_count() > 50_000


def cors_headers(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name.startswith("access-control-")}


def preflight(server: TestClient, path: str, origin: str):
    return server.options(path, headers={"origin": origin, "access-control-request-method": "GET",
                                         "access-control-request-headers": "content-type"})


def test_a_foreign_origin_gets_no_cors_header_on_a_cookie_route(server):
    # given a signed-in visitor's cookie, sent by another site's page
    tenant = make_tenant()
    cookie = {"cookie": f"{SESSION_COOKIE}={tenant.tokens['member']}"}

    # when
    asked = preflight(server, "/v1/auth/me", FOREIGN_ORIGIN)
    read = server.get("/v1/auth/me", headers={"origin": FOREIGN_ORIGIN, **cookie})

    # then the browser is allowed nothing
    assert asked.status_code == 400
    assert cors_headers(asked) == {}
    assert read.status_code == 200
    assert cors_headers(read) == {}


@pytest.mark.parametrize("path", ["/v1/requests", "/v1/health", "/ping", "/"])
def test_no_route_answers_a_foreign_origin_with_cors_headers(server, path):
    # when
    asked = preflight(server, path, FOREIGN_ORIGIN)
    read = server.get(path, headers={"origin": FOREIGN_ORIGIN, "cookie": f"{SESSION_COOKIE}=ses_x"})

    # then
    assert cors_headers(asked) == {}
    assert cors_headers(read) == {}


@pytest.mark.parametrize("origin", [OWN_ORIGIN, "http://localhost:8000"])
def test_our_own_pages_may_call_with_their_cookies(server, origin):
    # given
    tenant = make_tenant()
    cookie = {"cookie": f"{SESSION_COOKIE}={tenant.tokens['member']}"}

    # when
    asked = preflight(server, "/v1/auth/me", origin)
    read = server.get("/v1/auth/me", headers={"origin": origin, **cookie})

    # then
    assert asked.status_code == 200
    assert asked.headers["access-control-allow-origin"] == origin
    assert asked.headers["access-control-allow-credentials"] == "true"
    assert read.status_code == 200
    assert read.headers["access-control-allow-origin"] == origin
    assert read.headers["access-control-allow-credentials"] == "true"


def open_dashboard_socket(server: TestClient, origin: str):
    return server.websocket_connect("/_event/?EIO=4&transport=websocket",
                                    headers={"origin": origin, "upgrade": "websocket"})


def test_the_dashboard_socket_refuses_a_foreign_origin(server):
    # when / then
    with pytest.raises(WebSocketDisconnect), open_dashboard_socket(server, FOREIGN_ORIGIN):
        pass


def test_the_dashboard_socket_opens_for_our_own_origin(server):
    # when
    with open_dashboard_socket(server, OWN_ORIGIN) as socket:
        opened = socket.receive_text()

    # then (engine.io's OPEN packet)
    assert opened.startswith('0{"sid":')


def upload_headers(client_token: str = "a-tab-that-never-signed-in") -> dict[str, str]:
    return {"reflex-client-token": client_token,
            "reflex-event-handler": f"{OperatorProfileState.get_full_name()}.upload_document"}


def test_an_upload_over_the_cap_is_refused_with_413_and_nothing_is_stored(server):
    # given
    before = row_counts()
    document = PNG + bytes(TWELVE_MIB)

    # when
    response = server.post("/_upload", headers=upload_headers(),
                           files={"files": ("passport.png", document, "image/png")})

    # then
    assert_error(response, status=413, code="payload_too_large")
    assert str(MAX_UPLOAD_BODY_BYTES) in response.json()["error"]["message"]
    assert row_counts() == before


@pytest.mark.parametrize("client_token", ["a-tab-that-never-signed-in", ""])
def test_an_upload_from_a_tab_that_is_not_signed_in_is_refused_with_401(server, client_token):
    # given
    before = row_counts()

    # when
    response = server.post("/_upload", headers=upload_headers(client_token),
                           files={"files": ("passport.png", PNG + bytes(100), "image/png")})

    # then
    assert_error(response, status=401, code="unauthorized")
    assert row_counts() == before


def test_the_app_turns_a_refusal_into_a_toast_in_one_place(server_app: ASGIApp) -> None:
    from marketplace_app.marketplace_app import app
    from marketplace_app.ui.errors import toast_refusal

    assert app.backend_exception_handler is toast_refusal
