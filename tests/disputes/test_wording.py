"""Windows people read come from settings: change a setting and every sentence follows, in the
API's messages and on the dashboards' pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marketplace_app.core import clock
from marketplace_app.settings import get_settings
from marketplace_app.ui.state import disputes as dispute_words
from tests.disputes import helpers as d
from tests.requests import helpers as rh
from tests.support import assert_error
from tests.work import helpers as w


@pytest.fixture
def short_windows(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DISPUTE_WINDOW_HOURS", "6")
    monkeypatch.setenv("APPEAL_WINDOW_HOURS", "12")
    monkeypatch.setenv("JURY_SIZE", "5")
    get_settings.cache_clear()
    yield
    monkeypatch.delenv("DISPUTE_WINDOW_HOURS")
    monkeypatch.delenv("APPEAL_WINDOW_HOURS")
    monkeypatch.delenv("JURY_SIZE")
    get_settings.cache_clear()


def test_the_api_names_the_configured_appeal_window(api: TestClient, agent: rh.Agent, worker: w.Operator,
                                                    short_windows: None) -> None:
    # when a dispute is opened under a 12-hour appeal window
    request_id, shown = d.disputed(api, agent, worker)

    # then the agent is told 12 hours, not the default 48
    assert "within 12 hours: POST /v1/requests/" in shown["appeal_instructions"]
    assert request_id in shown["appeal_instructions"]
    # (the request id is random and may itself contain "48": look at the text around it)
    assert "48" not in shown["appeal_instructions"].replace(request_id, "")


def test_the_api_names_the_configured_dispute_window_when_it_closed(api: TestClient, agent: rh.Agent,
                                                                    worker: w.Operator, short_windows: None) -> None:
    # given a request completed 6 hours ago, under a 6-hour dispute window
    request_id = w.completed_request(agent, worker)
    clock.advance(d.HOUR * 6)

    # when the company disputes it
    response = api.post(f"/v1/requests/{request_id}/dispute", json={"reason": d.OVERRULED}, headers=agent.headers())

    # then the refusal names the configured window
    assert_error(response, status=400, code="invalid_state")
    assert response.json()["error"]["message"].endswith("(6 hours after completion)")


def test_the_pages_word_the_configured_windows_and_jury(short_windows: None) -> None:
    assert "within 6 hours." in dispute_words.operator_disputes_intro()
    assert "within 6 hours of its completion" in dispute_words.company_disputes_empty()
    assert dispute_words.appealable_ruling() == "Either party may appeal your ruling to the board within 12 hours."
    assert dispute_words.jury_intro().startswith("Five operators judge each appealed dispute.")


def test_the_pages_word_the_default_windows() -> None:
    get_settings.cache_clear()
    assert "within 24 hours." in dispute_words.operator_disputes_intro()
    assert dispute_words.jury_intro().startswith("Three operators")
