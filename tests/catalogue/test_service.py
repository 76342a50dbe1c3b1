"""The create path's copy of the catalogue: read once per process, re-read after
`skill_cache_seconds`, so a retired skill is refused by every process within that time."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from marketplace_app.catalogue import service as catalogue
from marketplace_app.catalogue.models import Skill
from marketplace_app.core.errors import ValidationFailed
from tests.support import override_settings
from tests.work import helpers as w


def _retire(name: str) -> None:
    w.in_unit(lambda session: session.execute(update(Skill).where(Skill.name == name).values(active=False)))


def _require(name: str) -> str:
    return w.in_unit(lambda session: catalogue.require_active_skill(session, name))


def test_an_unknown_skill_is_refused_with_the_active_ones_listed():
    with pytest.raises(ValidationFailed, match="legal_review"):
        _require("astrology")


def test_a_retired_skill_is_refused_once_the_copy_is_older_than_the_setting(monkeypatch):
    # given a process that has read the catalogue, and a skill retired since
    override_settings(monkeypatch, skill_cache_seconds=3600)
    assert _require("research") == "research"
    _retire("research")

    # when asked within the cache time, then the copy still answers (no read of the skill table)
    assert _require("research") == "research"

    # when the copy is older than the setting, then the retirement is seen
    override_settings(monkeypatch, skill_cache_seconds=0)
    with pytest.raises(ValidationFailed, match="skill must be one of"):
        _require("research")
