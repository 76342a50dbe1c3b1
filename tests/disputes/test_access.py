"""Who may do what to a dispute: another company's agent sees nothing (404) on every route, an
unrelated operator sees nothing on the operator routes, only seated jurors vote (once), operators
and agents cannot use the staff routes, and staff rule only at their tiers. Every refusal
changes nothing."""

from __future__ import annotations

import pytest

from tests.disputes import helpers as d
from tests.support import assert_error
from tests.work import helpers as w

AGENT_ROUTES = [
    ("GET", "/v1/requests/{request}/dispute", None),
    ("POST", "/v1/requests/{request}/dispute", {"reason": "Mine now"}),
    ("POST", "/v1/requests/{request}/dispute/appeal", {"reason": "Appeal"}),
    ("POST", "/v1/requests/{request}/dispute/settlement", {"refund": "1.00EUR"}),
    ("POST", "/v1/requests/{request}/dispute/settlement/accept", {"refund": "1.00EUR"}),
]
OPERATOR_ROUTES = [
    ("GET", "/v1/operator/disputes/{dispute}", None),
    ("POST", "/v1/operator/disputes/{dispute}/statement", {"reason": "My side"}),
    ("POST", "/v1/operator/disputes/{dispute}/appeal", {"reason": "Appeal"}),
    ("POST", "/v1/operator/disputes/{dispute}/settlement", {"refund": "1.00EUR"}),
    ("POST", "/v1/operator/disputes/{dispute}/settlement/accept", {"refund": "1.00EUR"}),
]
STAFF_ROUTES = [
    ("GET", "/v1/admin/disputes", None),
    ("GET", "/v1/admin/disputes?tier=2", None),
    ("POST", "/v1/admin/disputes/{dispute}/ruling", {"ruling": "for_company", "reasoning": "Mine"}),
]


def _call(api, method: str, template: str, body, headers, *, request_id: str, dispute_id: str):
    path = template.format(request=request_id, dispute=dispute_id)
    return api.request(method, path, json=body, headers=headers)


@pytest.fixture
def case(api, agent, worker):
    """A dispute at tier 0 with a standing offer from each side's point of view: the company has
    offered (so an operator accept would settle it), and the jury pool exists."""
    jurors = w.make_operators(count=3)
    request_id, body = d.disputed(api, agent, worker)
    d.ok(api.post(f"/v1/requests/{request_id}/dispute/settlement", json={"refund": "1.00EUR"},
                  headers=agent.headers()))
    return request_id, body["dispute_id"], jurors


@pytest.mark.parametrize(("method", "template", "body"), AGENT_ROUTES,
                         ids=[f"{m} {t.split('{request}')[1] or '/'}" for m, t, _ in AGENT_ROUTES])
def test_another_companys_agent_gets_404_on_every_dispute_route(api, case, method, template, body):
    request_id, dispute_id, _ = case
    stranger = w.make_agent(company_name="Other Co")
    before = w.snapshot()

    response = _call(api, method, template, body, stranger.headers(), request_id=request_id,
                     dispute_id=dispute_id)

    assert_error(response, status=404, code="not_found")
    w.assert_nothing_changed(before)
    assert d.row(dispute_id)["status"] == "awaiting_appeal"


@pytest.mark.parametrize(("method", "template", "body"), OPERATOR_ROUTES,
                         ids=[t.split("{dispute}")[1] or "GET" for _, t, _ in OPERATOR_ROUTES])
def test_an_unrelated_operator_gets_404_on_every_operator_route(api, case, method, template, body):
    request_id, dispute_id, jurors = case
    stranger = w.make_operator(skills=("translation",))
    before = w.snapshot()

    # a stranger and a would-be juror alike
    for outsider in (stranger, jurors[0]):
        response = _call(api, method, template, body, outsider.headers(), request_id=request_id,
                         dispute_id=dispute_id)
        assert_error(response, status=404, code="not_found")
        w.assert_nothing_changed(before)
    assert d.row(dispute_id)["status"] == "awaiting_appeal"


def test_an_unrelated_operator_lists_no_disputes(api, case):
    outsider = w.make_operator()

    assert d.ok(api.get("/v1/operator/disputes", headers=outsider.headers())) == {"data": []}
    assert d.ok(api.get("/v1/operator/jury", headers=outsider.headers())) == {"data": []}


@pytest.mark.parametrize("dispute_id", ["dis_doesnotexist", "dis_" + "x" * 36, "dis_bad%01id", "dis_%00"])
def test_unknown_dispute_ids_are_404_for_operators(api, worker, dispute_id):
    before = w.snapshot()

    response = api.post(f"/v1/operator/disputes/{dispute_id}/appeal", json={"reason": "?"},
                        headers=worker.headers())

    assert_error(response, status=404, code="not_found")
    w.assert_nothing_changed(before)


def test_the_company_and_its_agent_cannot_use_operator_routes(api, case, agent):
    _request_id, dispute_id, _ = case
    before = w.snapshot()

    assert_error(api.get("/v1/operator/disputes", headers=w.company_headers()), status=403, code="forbidden")
    assert_error(api.post(f"/v1/operator/disputes/{dispute_id}/settlement/accept", json={"refund": "1.00EUR"},
                          headers=agent.headers()), status=401, code="unauthorized")
    assert d.row(dispute_id)["status"] == "awaiting_appeal"
    assert w.snapshot().journal == before.journal


# ------------------------------------------------------------------------------------------ the jury

def _in_jury(api, agent, case) -> tuple[str, str, list[w.Operator]]:
    request_id, dispute_id, jurors = case
    d.ok(d.appeal_as_company(api, agent, request_id))
    assert set(d.seated(dispute_id)) == {juror.user_id for juror in jurors}
    return request_id, dispute_id, jurors


def test_a_juror_voting_twice_is_409_and_the_first_vote_stands(api, agent, case):
    _request_id, dispute_id, jurors = _in_jury(api, agent, case)
    d.ok(d.vote(api, jurors[0], dispute_id, "for_company"))
    before = w.snapshot()

    assert_error(d.vote(api, jurors[0], dispute_id, "for_operator"), status=409, code="invalid_state")

    w.assert_nothing_changed(before)
    (duty,) = d.ok(api.get("/v1/operator/jury", headers=jurors[0].headers()))["data"]
    assert duty["my_vote"] == "for_company"


def test_the_worker_cannot_vote_on_its_own_dispute(api, agent, worker, case):
    _request_id, dispute_id, _ = _in_jury(api, agent, case)
    before = w.snapshot()

    assert_error(d.vote(api, worker, dispute_id, "for_operator"), status=404, code="not_found")

    w.assert_nothing_changed(before)
    assert d.ok(api.get("/v1/operator/jury", headers=worker.headers())) == {"data": []}


def test_an_operator_not_on_the_jury_cannot_vote(api, agent, case):
    _request_id, dispute_id, _ = _in_jury(api, agent, case)
    outsider = w.make_operator()
    before = w.snapshot()

    assert_error(d.vote(api, outsider, dispute_id, "for_company"), status=404, code="not_found")

    w.assert_nothing_changed(before)


def test_a_juror_cannot_vote_before_the_jury_sits_or_after_it_ruled(api, agent, case):
    _request_id, dispute_id, jurors = case
    before = w.snapshot()
    # not seated yet (tier 0): not their duty
    assert_error(d.vote(api, jurors[0], dispute_id, "for_company"), status=404, code="not_found")
    w.assert_nothing_changed(before)

    _in_jury(api, agent, case)
    for juror in jurors:
        d.ok(d.vote(api, juror, dispute_id, "for_company"))
    assert d.row(dispute_id)["status"] == "awaiting_appeal"
    before = w.snapshot()
    assert_error(d.vote(api, jurors[0], dispute_id, "for_company"), status=409, code="invalid_state")
    w.assert_nothing_changed(before)


@pytest.mark.parametrize("body", [{"vote": "split"}, {"vote": "maybe"}, {}, {"vote": "for_company", "x": 1},
                                  {"vote": "for_company", "comment": "c" * 501}])
def test_a_bad_vote_is_422(api, agent, case, body):
    _request_id, dispute_id, jurors = _in_jury(api, agent, case)
    before = w.snapshot()

    response = api.post(f"/v1/operator/jury/{dispute_id}/vote", json=body, headers=jurors[0].headers())

    assert_error(response, status=422, code="validation_error")
    w.assert_nothing_changed(before)


# ------------------------------------------------------------------------------------------ staff

@pytest.mark.parametrize(("method", "template", "body"), STAFF_ROUTES, ids=["queue", "queue-tier", "ruling"])
def test_operators_and_companies_cannot_use_staff_routes(api, case, worker, method, template, body):
    request_id, dispute_id, jurors = case
    company = w.company_headers()
    before = w.snapshot()

    for headers in (worker.headers(), jurors[0].headers(), company):
        response = _call(api, method, template, body, headers, request_id=request_id, dispute_id=dispute_id)
        assert_error(response, status=403, code="forbidden")
    w.assert_nothing_changed(before)


def test_staff_ruling_outside_specialist_or_board_review_is_409(api, agent, case):
    _request_id, dispute_id, _jurors = case
    staff = w.staff_headers()
    before = w.snapshot()

    # at tier 0, awaiting appeal
    assert_error(d.staff_rule(api, staff, dispute_id, "for_company"), status=409, code="invalid_state")
    w.assert_nothing_changed(before)

    # in jury review
    _in_jury(api, agent, case)
    before = w.snapshot()
    assert_error(d.staff_rule(api, staff, dispute_id, "split", "5.00EUR"), status=409, code="invalid_state")
    w.assert_nothing_changed(before)
    assert d.row(dispute_id)["status"] == "jury_review"


def test_staff_ruling_on_an_unknown_dispute_is_404(api):
    staff = w.staff_headers()

    assert_error(d.staff_rule(api, staff, "dis_doesnotexist", "for_company"), status=404, code="not_found")


def test_the_staff_queue_refuses_tiers_other_than_2_and_3(api):
    staff = w.staff_headers()

    for tier in ("0", "1", "4", "x"):
        assert_error(api.get(f"/v1/admin/disputes?tier={tier}", headers=staff), status=422,
                     code="validation_error")


def test_a_missing_or_bad_credential_is_401(api, case):
    request_id, dispute_id, _ = case

    assert_error(api.get(f"/v1/requests/{request_id}/dispute"), status=401, code="unauthorized")
    assert_error(api.get(f"/v1/operator/disputes/{dispute_id}", headers={"Authorization": "Bearer ses_nope"}),
                 status=401, code="unauthorized")
    assert_error(api.post(f"/v1/admin/disputes/{dispute_id}/ruling", json={"ruling": "for_company",
                                                                           "reasoning": "x"}),
                 status=401, code="unauthorized")
