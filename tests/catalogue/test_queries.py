"""The skill list pages offer: active skills only, by title."""

from __future__ import annotations

from sqlalchemy import update

from marketplace_app.catalogue import queries
from marketplace_app.catalogue.models import Skill
from tests.work import helpers as w


def test_active_skills_come_by_title_and_retired_ones_are_left_out():
    # given
    w.in_unit(lambda session: session.execute(update(Skill).where(Skill.name == "legal_review")
                                              .values(active=False)))

    # when
    skills = w.in_unit(queries.active_skill_titles)

    # then
    titles = [skill["title"] for skill in skills]
    assert titles == sorted(titles) and titles
    assert "legal_review" not in {skill["name"] for skill in skills}
