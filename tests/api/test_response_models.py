"""Routes declare their response shapes, so `/v1/openapi.json` shows what each answers; and the
descriptions that name a window or a limit say the deployment's number."""

from __future__ import annotations

import types
import typing

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel

from marketplace_app.api.app import create_api

API = create_api()
SCHEMA = API.openapi()
# Routes that answer with no JSON body of their own, each with the reason.
NOT_JSON = {
    ("POST", "/v1/auth/logout"): "204 No Content",
    ("GET", "/v1/auth/browser-session"): "a redirect to the dashboard (sets the cookie)",
    ("GET", "/v1/auth/browser-logout"): "a redirect to the sign-in page",
    ("GET", "/v1/files/{token}"): "the file's bytes (FileResponse)",
    ("DELETE", "/v1/{path:path}"): "the catch-all (every method): only the error envelope (404/405) for unknown paths",
}


def shaped(annotation: object) -> bool:
    """A pydantic model, or a union / list of them: a shape OpenAPI can show field by field."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    arguments = typing.get_args(annotation)
    is_container = typing.get_origin(annotation) in (list, typing.Union, types.UnionType)
    return is_container and all(shaped(argument) or argument is type(None) for argument in arguments)


def json_routes() -> list[tuple[str, str, APIRoute]]:
    return [(min(context.methods or {"GET"}), context.path, context.original_route)
            for context in iter_route_contexts(API.routes) if isinstance(context.original_route, APIRoute)]


def test_every_json_route_declares_the_shape_of_its_answer() -> None:
    missing = [f"{method} {path}" for method, path, route in json_routes()
               if (method, path) not in NOT_JSON and not shaped(route.response_model)]

    assert missing == [], "declare response_model=<a pydantic model> on these routes"


def test_the_allow_list_names_only_routes_that_exist_and_still_lack_a_model() -> None:
    routes = {(method, path): route for method, path, route in json_routes()}

    assert set(NOT_JSON) <= set(routes)
    assert [key for key in NOT_JSON if shaped(routes[key].response_model)] == []


def response_schema(path: str, method: str, status: str = "200") -> dict:
    return SCHEMA["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]


@pytest.mark.parametrize(("path", "method", "model"), [
    ("/v1/operator/requests/{request_id}/accept", "post", "AcceptedPublic"),
    ("/v1/operator/requests/{request_id}/submit", "post", "SubmittedPublic"),
    ("/v1/operator/earnings", "get", "EarningsPublic"),
])
def test_operator_routes_publish_their_response_shape(path: str, method: str, model: str) -> None:
    assert response_schema(path, method) == {"$ref": f"#/components/schemas/{model}"}
    assert SCHEMA["components"]["schemas"][model]["properties"]


def test_dispute_descriptions_name_the_configured_windows() -> None:
    opening = SCHEMA["paths"]["/v1/requests/{request_id}/dispute"]["post"]["description"]
    appeal = SCHEMA["paths"]["/v1/requests/{request_id}/dispute/appeal"]["post"]["description"]

    assert opening.startswith("Dispute a completed request within 24 hours of completion. Under 5.00 EUR")
    assert appeal == "Appeal the current ruling within 48 hours: the next tier takes the dispute."
