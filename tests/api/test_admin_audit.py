"""`GET /v1/admin/audit`: staff read every recorded staff action, newest first, in keyset pages."""

from __future__ import annotations

import pytest

from tests.companies.helpers import make_tenant
from tests.support import assert_error
from tests.work import helpers as w

AUDIT = "/v1/admin/audit"


@pytest.fixture
def staff():
    return w.staff_headers()


def credit_five(client, staff) -> list[dict]:
    """Five manual credits to two companies; their answers, oldest first."""
    companies = [make_tenant(name="One").company_id, make_tenant(name="Two").company_id]
    answers = []
    for index in range(5):
        response = client.post(f"/v1/admin/companies/{companies[index % 2]}/credits", headers=staff,
                               json={"amount": f"{index + 1}.00EUR", "reason": "Bank", "reference": f"R-{index}"})
        assert response.status_code == 201, response.text
        answers.append(response.json())
    return answers


def test_the_log_pages_newest_first_without_gaps_or_repeats(client, staff):
    # given
    answers = credit_five(client, staff)

    # when
    seen, cursor, pages = [], None, 0
    while True:
        page = client.get(AUDIT, params={"limit": 2, **({"starting_after": cursor} if cursor else {})},
                          headers=staff).json()
        seen += [entry["id"] for entry in page["data"]]
        pages += 1
        cursor = page["next_starting_after"]
        if not page["has_more"]:
            break

    # then
    assert seen == [answer["audit_id"] for answer in reversed(answers)]
    assert (pages, cursor) == (3, None)


def test_the_log_filters_by_subject_and_action(client, staff):
    # given
    answers = credit_five(client, staff)
    company = answers[1]["company_id"]

    # when
    about = client.get(AUDIT, params={"subject_type": "company", "subject_id": company}, headers=staff).json()
    credits = client.get(AUDIT, params={"action": "company.credit"}, headers=staff).json()
    freezes = client.get(AUDIT, params={"action": "agent.freeze"}, headers=staff).json()

    # then
    assert [entry["detail"]["reference"] for entry in about["data"]] == ["R-3", "R-1"]
    assert len(credits["data"]) == 5 and freezes["data"] == []


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"starting_after": 0}, {"starting_after": "x"},
                                    {"action": "credit"}, {"action": "Company.Credit"}, {"action": "a.b\x00"},
                                    {"subject_type": "company\x00"}, {"subject_id": "com_\x00"},
                                    {"subject_id": "c" * 65}])
def test_bad_parameters_are_422(client, staff, params):
    # when
    response = client.get(AUDIT, params=params, headers=staff)

    # then
    assert_error(response, status=422, code="validation_error")
