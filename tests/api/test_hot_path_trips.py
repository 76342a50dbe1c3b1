"""The two busiest agent calls (PRODUCT.md §10) cross into the threadpool once each: the key
check, the rate limit and the route's work share one trip, and no dependency that does nothing
for agent routes is solved on the way. Each trip costs a thread handoff on every call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import anyio.to_thread
import pytest

from tests.requests import helpers as h
from tests.support import api_client


@contextmanager
def counted_trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names of the functions sent to the threadpool meanwhile."""
    trips: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counting(function, *args, **kwargs):
        trips.append(getattr(function, "__name__", repr(function)))
        return await run_sync(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting)
    yield trips


def test_a_create_and_a_read_each_make_one_trip_through_the_threadpool(monkeypatch):
    agent = h.make_agent(funded_cents=100_000)
    with api_client() as client:
        with counted_trips(monkeypatch) as trips:
            created = client.post("/v1/requests", json=h.SEED_BODY, headers=agent.headers(idempotency_key="trip-1"))
        assert created.status_code == 201, created.text
        assert len(trips) == 1, trips

        with counted_trips(monkeypatch) as trips:
            read = client.get(f"/v1/requests/{created.json()['request_id']}", headers=agent.headers())
        assert read.status_code == 200, read.text
        assert len(trips) == 1, trips


def test_a_bad_key_answers_401_before_a_bad_body_is_looked_at():
    with api_client() as client:
        answer = client.post("/v1/requests", content=b"{not json", headers={"Authorization": "Bearer pk_live_nope",
                                                                             "Content-Type": "application/json"})
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("content", "content_type", "says"), [
    (b"", "application/json", "Field required"),
    (b"{not json", "application/json", "not valid JSON"),
    (b"[1, 2]", "application/json", "valid dictionary"),
    (b'{"skill": "legal_review"}', "application/json", "urgency: Field required"),
    (b'{"skill": "legal_review"}', "text/plain", "valid dictionary"),
])
def test_a_bad_body_from_a_good_key_is_a_clear_422_and_creates_nothing(content, content_type, says):
    agent = h.make_agent(funded_cents=100_000)
    with api_client() as client:
        answer = client.post("/v1/requests", content=content, headers=agent.headers(content_type=content_type))
        listed = client.get("/v1/requests", headers=agent.headers())
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "validation_error"
    assert says in answer.json()["error"]["message"]
    assert listed.json()["data"] == []


def test_the_openapi_document_still_shows_the_create_body():
    with api_client() as client:
        document = client.get("/v1/openapi.json").json()
    body = document["paths"]["/v1/requests"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["required"]) == {"skill", "urgency", "duration", "context", "max_price"}
    assert body["additionalProperties"] is False
