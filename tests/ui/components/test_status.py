"""The one status badge: every status of the domain has its colour and words in one table."""

from __future__ import annotations

import ast
from enum import StrEnum

import pytest
import reflex as rx

from marketplace_app.agents.models import AgentStatus, TrustTier
from marketplace_app.companies.models import InformationPolicy, KeyStatus
from marketplace_app.disputes.models import DisputeStatus
from marketplace_app.earnings.models import EarningStatus, PayoutStatus
from marketplace_app.mail.models import EmailStatus
from marketplace_app.operators.models import KycStatus
from marketplace_app.requests.models import RequestStatus
from marketplace_app.settings import PROJECT_ROOT
from marketplace_app.ui.components.status import BADGES, status_badge, status_label
from marketplace_app.webhooks.models import DeliveryStatus, EndpointStatus

DOMAIN_STATUSES: dict[str, type[StrEnum]] = {
    "request": RequestStatus, "dispute": DisputeStatus, "earning": EarningStatus, "payout": PayoutStatus,
    "kyc": KycStatus, "endpoint": EndpointStatus, "delivery": DeliveryStatus, "key": KeyStatus,
    "policy": InformationPolicy, "agent": AgentStatus, "tier": TrustTier, "email": EmailStatus,
}
RADIX_COLOURS = {"blue", "amber", "orange", "violet", "green", "red", "gray"}
UI = PROJECT_ROOT / "marketplace_app" / "ui"


@pytest.mark.parametrize("kind", sorted(DOMAIN_STATUSES))
def test_every_status_of_the_domain_has_a_badge(kind):
    # given
    statuses = {str(status) for status in DOMAIN_STATUSES[kind]}

    # then
    assert statuses <= set(BADGES[kind]), statuses - set(BADGES[kind])


def test_every_badge_has_a_known_colour_and_words():
    # when
    entries = [entry for table in BADGES.values() for entry in table.values()]

    # then
    assert {colour for colour, _words in entries} <= RADIX_COLOURS
    assert all(words and "_" not in words for _colour, words in entries)


def test_a_status_reads_the_same_in_text_and_in_its_badge():
    # then
    assert status_label("dispute", "ai_review") == "automated review"
    assert status_label("kyc", "pending") == "pending review"
    assert status_label("request", "some_new_status") == "some new status"


def test_submitted_has_one_colour_on_every_page():
    # when
    rendered = str(status_badge("request", rx.Var.create("submitted")))

    # then: the badge offers exactly the table's colour for it
    colour, words = BADGES["request"]["submitted"]
    assert f'"{colour}"' in rendered and words in rendered


def test_no_other_ui_module_keeps_its_own_status_colours():
    # given
    outside = [path for path in UI.rglob("*.py") if path != UI / "components" / "status.py"]

    # when
    tables = [f"{path.relative_to(UI)}:{target.id}" for path in outside
              for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Assign)
              for target in node.targets if isinstance(target, ast.Name) and target.id.endswith("_COLOURS")]

    # then
    assert tables == []
