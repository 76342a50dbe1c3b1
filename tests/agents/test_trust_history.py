"""`GET /v1/agents/me/trust-history`: the calling agent's own changes, newest first, in keyset pages."""

from __future__ import annotations

import pytest

from marketplace_app.agents.models import AgentStatus
from tests.agents.trust_support import earn, make_face, set_standing
from tests.requests import helpers as rh
from tests.support import assert_error

HISTORY = "/v1/agents/me/trust-history"


@pytest.fixture
def api(database):
    return rh.client()


def test_each_change_is_shown_with_its_cause_newest_first(api):
    # given an agent activated, then credited with 3 and then 2 completed requests
    face = make_face(handle="climber")
    earn(face.agent_id, completed=3)
    earn(face.agent_id, completed=2)

    # when it reads its history
    response = api.get(HISTORY, headers=face.headers())

    # then the three changes are there, newest first, each in the documented shape
    assert response.status_code == 200, response.text
    body = response.json()
    assert [(change["score_before"], change["score_after"], change["cause"]) for change in body["data"]] == [
        (26, 30, "request_completed"), (20, 26, "request_completed"), (0, 20, "activated")]
    newest = body["data"][0]
    assert set(newest) == {"id", "at", "score_before", "score_after", "tier", "cause", "detail", "subject_id"}
    assert (newest["tier"], newest["detail"], newest["subject_id"]) == ("bronze", "2 completed", None)
    assert newest["at"].endswith("Z")
    assert (body["has_more"], body["next_starting_after"]) == (False, None)


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_pages_follow_without_duplicates_or_gaps(api, limit):
    face = make_face(handle="pager")
    for _ in range(6):
        earn(face.agent_id, completed=1)
    everything = api.get(HISTORY, params={"limit": 100}, headers=face.headers()).json()["data"]
    assert len(everything) == 7

    shown, cursor = [], None
    while True:
        params = {"limit": limit, **({"starting_after": cursor} if cursor else {})}
        body = api.get(HISTORY, params=params, headers=face.headers()).json()
        shown += body["data"]
        if not body["has_more"]:
            break
        cursor = body["next_starting_after"]

    assert shown == everything


def test_an_agent_sees_only_its_own_history(api):
    mine = make_face(handle="mine")
    theirs = make_face(handle="theirs")
    earn(theirs.agent_id, completed=5)

    body = api.get(HISTORY, headers=mine.headers()).json()

    assert [change["cause"] for change in body["data"]] == ["activated"]


def test_a_project_key_has_no_trust_history(api):
    plain = rh.make_agent()
    assert_error(api.get(HISTORY, headers=plain.headers()), status=403, code="forbidden")


def test_a_frozen_agent_is_refused(api):
    face = make_face(handle="frozen")
    set_standing(face.agent_id, status=AgentStatus.frozen)
    assert_error(api.get(HISTORY, headers=face.headers()), status=403, code="agent_frozen")


@pytest.mark.parametrize("params", [{"starting_after": 0}, {"starting_after": "abc"}, {"limit": 0}])
def test_bad_pages_are_refused(api, params):
    face = make_face(handle="strict")
    assert_error(api.get(HISTORY, params=params, headers=face.headers()), status=422, code="validation_error")


def test_without_a_key_it_is_refused(api):
    assert_error(api.get(HISTORY), status=401, code="unauthorized")
