"""Public discovery: `GET /v1/agents`, `/v1/agents/{id}`, `/v1/agents/{id}/reviews` — active agents only,
no private data, literal text search, keyset pages without duplicates or gaps in every order."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.routing import iter_route_contexts
from starlette.routing import compile_path

from marketplace_app.agents.models import AgentStatus
from marketplace_app.api.routes import agents_trust
from marketplace_app.core.clock import now
from tests.agents.trust_support import aged, make_face, set_standing
from tests.requests import helpers as rh
from tests.support import assert_error, shared_api

AGENTS = "/v1/agents"
PUBLIC_FIELDS = {"id", "handle", "name", "description", "category", "capabilities", "trust_score", "trust_tier",
                 "sells_calls", "service_price", "service_price_cents", "member_since", "completed_count"}


@pytest.fixture
def api(database):
    return rh.client()


def handles(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [agent["handle"] for agent in response.json()["data"]]


def walk(api, *, limit: int, **query) -> list[str]:
    """Every page of a search, following `next_cursor`; the handles in the order shown."""
    shown: list[str] = []
    cursor = None
    for _ in range(50):
        params = {**query, "limit": limit, **({"cursor": cursor} if cursor else {})}
        body = api.get(AGENTS, params=params).json()
        shown += [agent["handle"] for agent in body["data"]]
        assert len(body["data"]) <= limit
        if not body["has_more"]:
            assert body["next_cursor"] is None
            return shown
        cursor = body["next_cursor"]
    raise AssertionError("the pages never ended")


def test_only_active_agents_are_listed_and_shown(api):
    # given one agent in each status
    active = make_face(handle="active")
    hidden = [make_face(handle=status.value.split("_")[0], status=status)
              for status in (AgentStatus.pending_verification, AgentStatus.frozen, AgentStatus.deleted)]

    # then only the active one is listed or shown, by id or by handle
    assert handles(api.get(AGENTS)) == ["active"]
    assert api.get(f"{AGENTS}/{active.agent_id}").json()["handle"] == "active"
    assert api.get(f"{AGENTS}/active").json()["id"] == active.agent_id
    for face in hidden:
        for ref in (face.agent_id, face.handle):
            assert_error(api.get(f"{AGENTS}/{ref}"), status=404, code="not_found")
            assert_error(api.get(f"{AGENTS}/{ref}/reviews"), status=404, code="not_found")
    assert_error(api.get(f"{AGENTS}/agt_unknown"), status=404, code="not_found")
    for strange in ("a%00b", "caf%C3%A9", "a.b"):
        assert_error(api.get(f"{AGENTS}/{strange}"), status=404, code="not_found")
        assert_error(api.get(f"{AGENTS}/{strange}/reviews"), status=404, code="not_found")


def test_nothing_private_is_shown(api):
    # given an agent with an owner, an organisation, an endpoint and a price
    face = make_face(handle="private", endpoint_url="https://agent.internal.example/call",
                     service_price_cents=250, capabilities=["translate"], description="Translates")

    # when anyone lists it and reads its profile
    listed = api.get(AGENTS).json()["data"][0]
    shown = api.get(f"{AGENTS}/{face.agent_id}").json()

    # then exactly the public fields are there, and no private value appears anywhere
    assert set(listed) == set(shown) == PUBLIC_FIELDS
    assert (shown["sells_calls"], shown["service_price"], shown["service_price_cents"]) == (True, "2.50EUR", 250)
    text = json.dumps([listed, shown])
    for secret in ("private@owner.example", face.key.company_id, face.key.project_id, face.key.key_id,
                   "agent.internal.example", face.key.key):
        assert secret not in text


def test_the_profile_has_the_documented_values(api):
    face = make_face(handle="profiled", activated_at=aged(days=1), capabilities=["ocr", "pdf"], category="documents")
    set_standing(face.agent_id, completed_count=7, trust_score=64)

    shown = api.get(f"{AGENTS}/{face.handle}").json()

    assert shown["capabilities"] == ["ocr", "pdf"] and shown["category"] == "documents"
    assert (shown["trust_score"], shown["trust_tier"], shown["completed_count"]) == (64, "gold", 7)
    assert shown["sells_calls"] is False and shown["service_price"] is None
    assert shown["member_since"].endswith("Z")


def test_trust_order_is_score_then_id_and_pages_have_no_duplicates_or_gaps(api):
    # given seven agents, several sharing a score
    faces = [make_face(handle=f"agent{index}") for index in range(7)]
    for face, score in zip(faces, (50, 90, 50, 10, 90, 50, 70), strict=True):
        set_standing(face.agent_id, trust_score=score)
    everyone = handles(api.get(AGENTS, params={"limit": 100}))

    # then one page is ordered by score, ties by id (both descending) ...
    scores = {face.handle: score for face, score in zip(faces, (50, 90, 50, 10, 90, 50, 70), strict=True)}
    ids = {face.handle: face.agent_id for face in faces}
    assert everyone == sorted(scores, key=lambda handle: (scores[handle], ids[handle]), reverse=True)

    # ... and walking pages of every size shows the same agents in the same order
    for limit in (1, 2, 3, 6):
        assert walk(api, limit=limit) == everyone


@pytest.mark.parametrize("sort", ["new", "revenue"])
def test_every_order_pages_without_duplicates_or_gaps(api, sort):
    faces = [make_face(handle=f"paged{index}", activated_at=now() - timedelta(hours=index % 3))
             for index in range(6)]
    for index, face in enumerate(faces):
        set_standing(face.agent_id, trust_score=(index * 17) % 100)
    everyone = handles(api.get(AGENTS, params={"sort": sort, "limit": 100}))
    assert sorted(everyone) == sorted(face.handle for face in faces)

    for limit in (1, 2, 4):
        assert walk(api, limit=limit, sort=sort) == everyone


def test_new_lists_the_latest_activated_first(api):
    make_face(handle="oldest", activated_at=aged(days=30))
    make_face(handle="newest", activated_at=aged(days=1))
    make_face(handle="middle", activated_at=aged(days=10))

    assert handles(api.get(AGENTS, params={"sort": "new"})) == ["newest", "middle", "oldest"]


def test_revenue_is_the_trust_order_until_agents_sell_then_revenue_first(api):
    low = make_face(handle="low")
    high = make_face(handle="high")
    set_standing(low.agent_id, trust_score=30)
    set_standing(high.agent_id, trust_score=70)
    assert handles(api.get(AGENTS, params={"sort": "revenue"})) == ["high", "low"]

    set_standing(low.agent_id, sales_revenue_cents=1_000)

    assert handles(api.get(AGENTS, params={"sort": "revenue"})) == ["low", "high"]


def test_text_search_covers_name_handle_and_description_case_insensitively(api):
    make_face(handle="scribe", name="The Scribe")
    make_face(handle="lexi", description="Reads CONTRACTS for you")
    make_face(handle="contractor")
    make_face(handle="other")

    assert sorted(handles(api.get(AGENTS, params={"q": "contract"}))) == ["contractor", "lexi"]
    assert handles(api.get(AGENTS, params={"q": "SCRIBE"})) == ["scribe"]


@pytest.mark.parametrize(("q", "found"), [("%", ["percent"]), ("_", ["under_score"]), ("0%", ["percent"]),
                                           ("\\", ["backslash"]), ("r_s", ["under_score"])])
def test_like_metacharacters_in_the_text_are_taken_literally(api, q, found):
    make_face(handle="percent", description="100% reliable")
    make_face(handle="under_score", description="plain")
    make_face(handle="backslash", description="C:\\temp")
    make_face(handle="plain", description="Under score 1000 reliable")

    assert handles(api.get(AGENTS, params={"q": q})) == found


def test_capability_tier_and_category_filters(api):
    translator = make_face(handle="translator", capabilities=["translate", "ocr"], category="language")
    make_face(handle="pro", capabilities=["translate-pro"], category="language")
    make_face(handle="reader", capabilities=["ocr"], category="documents")
    set_standing(translator.agent_id, trust_score=85)

    assert handles(api.get(AGENTS, params={"capability": "translate"})) == ["translator"]
    assert sorted(handles(api.get(AGENTS, params={"capability": "ocr"}))) == ["reader", "translator"]
    assert handles(api.get(AGENTS, params={"tier": "platinum"})) == ["translator"]
    assert handles(api.get(AGENTS, params={"category": "documents"})) == ["reader"]
    assert handles(api.get(AGENTS, params={"category": "language", "tier": "bronze"})) == ["pro"]


@pytest.mark.parametrize("params", [{"cursor": "not a cursor!"}, {"cursor": "agt_nobody"}, {"tier": "diamond"},
                                    {"sort": "random"}, {"limit": 0}, {"limit": 101}, {"capability": 'a"b'},
                                    {"q": "x" * 101}, {"q": "a\x00b"}, {"cursor": "agt\x00"}])
def test_bad_queries_are_refused_in_the_envelope(api, params):
    make_face(handle="anyone")
    assert_error(api.get(AGENTS, params=params), status=422, code="validation_error")


def test_reviews_are_an_empty_page_of_the_final_shape(api):
    face = make_face(handle="reviewed")

    body = api.get(f"{AGENTS}/{face.handle}/reviews").json()

    assert body == {"data": [], "has_more": False, "next_cursor": None}


def test_discovery_is_public_and_counted_per_address(api):
    make_face(handle="open")
    response = api.get(AGENTS)
    assert response.status_code == 200 and "X-RateLimit-Limit" in response.headers


def test_no_static_agents_path_is_answered_by_the_profile_route():
    # The discovery router is included last: every other GET under /v1/agents/<word> (me, register,
    # activation, ...) is matched before /v1/agents/{agent_id} can take the word as an agent.
    routes = [(context.path, context.methods or set(), context.original_route)
              for context in iter_route_contexts(shared_api().routes)]
    static = [path for path, methods, _route in routes
              if path.startswith(f"{AGENTS}/") and "{" not in path and "GET" in methods]
    for path in static:
        first = next(route for pattern, methods, route in routes
                     if "GET" in methods and compile_path(pattern)[0].fullmatch(path))
        assert first.endpoint not in (agents_trust.agent_profile, agents_trust.agent_reviews), path
    assert f"{AGENTS}/me/trust-history" in static


def test_me_is_not_an_agents_handle(api):
    # /v1/agents/me/... belongs to the signed-in agent: without a key it is refused, never a profile
    assert_error(api.get(f"{AGENTS}/me/trust-history"), status=401, code="unauthorized")
