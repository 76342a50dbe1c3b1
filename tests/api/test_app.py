"""How `create_api()` assembles the routes: tried in order, the busiest area first, so no route
may stand in front of another that answers the same path and method."""

from __future__ import annotations

import re

from fastapi.routing import iter_route_contexts
from starlette.routing import compile_path

from marketplace_app.api.app import API_PREFIX, create_api
from tests.support import api_client

CATCH_ALL = API_PREFIX + "/{path:path}"


def concrete(path: str) -> str:
    """Fill path parameters with a harmless value."""
    return re.sub(r"\{[^}]+\}", "xyz_123", path)


def test_the_agents_request_routes_are_tried_first():
    # when
    paths = [context.path for context in iter_route_contexts(create_api().routes)]

    # then only the framework's pages and the health check come before them
    first_request_route = paths.index(API_PREFIX + "/requests")
    assert set(paths[:first_request_route]) == {API_PREFIX + "/openapi.json", API_PREFIX + "/docs",
                                                API_PREFIX + "/docs/oauth2-redirect", API_PREFIX + "/health"}


def test_no_route_shadows_a_later_one():
    # given every route in the order they are tried (the JSON 404 catch-all last of all)
    contexts = [context for context in iter_route_contexts(create_api().routes) if context.path != CATCH_ALL]

    # when each route's own path is tried against every route before it
    shadowed = []
    for index, later in enumerate(contexts):
        for earlier in contexts[:index]:
            regex, _format, _convertors = compile_path(earlier.path)
            shared = set(earlier.methods or ()) & set(later.methods or ())
            if shared and regex.match(concrete(later.path)):
                shadowed.append((earlier.path, later.path, sorted(shared)))

    # then none answers in another's place
    assert shadowed == []


def test_a_path_spelled_out_in_full_allows_only_its_own_methods():
    # given a static POST route and a templated GET that would also match its path
    with api_client() as client:
        # when
        static = client.request("OPTIONS", "/v1/agents/rotate-key")
        templated = client.request("OPTIONS", "/v1/agents/agt_0123")

    # then the static path names only POST; the templated one GET
    assert (static.status_code, static.headers["allow"]) == (405, "POST")
    assert (templated.status_code, templated.headers["allow"]) == (405, "GET")
