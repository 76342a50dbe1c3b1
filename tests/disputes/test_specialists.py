"""Tier 2 belongs to staff with the dispute's skill: only they see it in their queue and may rule;
a skill nobody on staff specialises in is open to any staff member. The board is any staff.
Specialties are set by staff (known skills only) and refusals change nothing."""

from __future__ import annotations

import pytest

from tests.disputes import helpers as d
from tests.support import assert_error, row_counts
from tests.work import helpers as w

SKILL = "legal_review"  # the skill of every request the work helpers create


def staff_member(api) -> tuple[dict[str, str], str]:
    """Headers and user id of a new staff account."""
    headers = w.staff_headers()
    return headers, d.ok(api.get("/v1/auth/me", headers=headers))["id"]


def set_skills(api, staff: dict[str, str], user_id: str, skills: list[str]):
    return api.put(f"/v1/admin/staff/{user_id}/skills", json={"skills": skills}, headers=staff)


def at_specialist(api, agent, worker) -> tuple[str, str]:
    """A dispute appealed straight to a specialist (too few jurors); its request and dispute ids."""
    request_id, body = d.disputed(api, agent, worker)
    state = d.ok(d.appeal_as_company(api, agent, request_id))
    assert state["status"] == "specialist_review"
    return request_id, body["dispute_id"]


def legal_and_translation_specialists(api) -> tuple[dict[str, str], dict[str, str]]:
    """Headers of two staff members: one specialised in this skill, one in translation."""
    legal, legal_id = staff_member(api)
    translator, translator_id = staff_member(api)
    d.ok(set_skills(api, legal, legal_id, [SKILL]))
    d.ok(set_skills(api, legal, translator_id, ["translation"]))
    return legal, translator


def queue(api, staff: dict[str, str], tier: int = 2) -> list[str]:
    return [item["dispute_id"] for item in d.ok(api.get(f"/v1/admin/disputes?tier={tier}", headers=staff))["data"]]


def test_a_specialist_in_the_skill_gets_the_dispute_and_others_neither_see_nor_rule_it(api, agent, worker):
    # given a legal specialist and a translation specialist on staff
    legal, translator = legal_and_translation_specialists(api)
    _request_id, dispute_id = at_specialist(api, agent, worker)
    before = row_counts()

    # then only the legal specialist has it queued
    assert queue(api, legal) == [dispute_id]
    assert queue(api, translator) == []
    # and the translator may not rule it (nothing changes)
    assert_error(d.staff_rule(api, translator, dispute_id, "for_company"), status=403, code="forbidden")
    assert row_counts() == before
    # while the specialist may
    ruled = d.ok(d.staff_rule(api, legal, dispute_id, "split", refund="4.00EUR"))
    assert (ruled["status"], ruled["current_tier"]) == ("awaiting_appeal", 2)


def test_a_skill_nobody_on_staff_has_is_open_to_any_staff_member(api, agent, worker):
    # given staff with other specialties only
    translator, translator_id = staff_member(api)
    d.ok(set_skills(api, translator, translator_id, ["translation"]))
    _request_id, dispute_id = at_specialist(api, agent, worker)

    # then the dispute is in their queue and they may rule it
    assert queue(api, translator) == [dispute_id]
    assert d.ok(d.staff_rule(api, translator, dispute_id, "for_operator"))["status"] == "awaiting_appeal"


def test_the_board_is_any_staff_member(api, agent, worker):
    # given a dispute the specialist ruled and the operator appealed to the board
    legal, translator = legal_and_translation_specialists(api)
    _request_id, dispute_id = at_specialist(api, agent, worker)
    d.ok(d.staff_rule(api, legal, dispute_id, "for_company"))
    assert d.ok(d.appeal_as_operator(api, worker, dispute_id))["status"] == "board_review"

    # then a non-specialist sees it on the board and its ruling is final
    assert queue(api, translator, tier=3) == [dispute_id]
    assert d.ok(d.staff_rule(api, translator, dispute_id, "for_operator"))["status"] == "resolved"


def test_specialties_round_trip_and_an_empty_list_clears_them(api):
    # given
    staff, user_id = staff_member(api)

    # when / then
    assert d.ok(set_skills(api, staff, user_id, ["translation", SKILL, SKILL]))["skills"] == [SKILL, "translation"]
    assert d.ok(api.get(f"/v1/admin/staff/{user_id}/skills", headers=staff))["skills"] == [SKILL, "translation"]
    assert d.ok(set_skills(api, staff, user_id, []))["skills"] == []


@pytest.mark.parametrize(("skills", "code"), [(["no_such_skill"], "validation_error"), ([7], "validation_error"),
                                              ([SKILL] * 51, "validation_error")])
def test_bad_specialties_are_refused_and_change_nothing(api, skills, code):
    # given
    staff, user_id = staff_member(api)
    d.ok(set_skills(api, staff, user_id, ["translation"]))
    before = row_counts()

    # when
    response = set_skills(api, staff, user_id, skills)

    # then
    assert_error(response, status=422, code=code)
    assert row_counts() == before
    assert d.ok(api.get(f"/v1/admin/staff/{user_id}/skills", headers=staff))["skills"] == ["translation"]


def test_only_staff_have_specialties_and_only_staff_set_them(api, worker):
    # given
    staff, _user_id = staff_member(api)
    before = row_counts()

    # then an operator cannot be made a specialist, and cannot set anyone's specialties
    assert_error(set_skills(api, staff, worker.user_id, [SKILL]), status=404, code="not_found")
    assert_error(set_skills(api, worker.headers(), worker.user_id, [SKILL]), status=403, code="forbidden")
    assert row_counts() == before
