"""Trust: the formula and its bounds, tiers, the counters the outcome writers keep, the history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace_app.agents import trust
from marketplace_app.agents.models import Agent as AgentRow
from marketplace_app.agents.models import AgentStatus, TrustTier
from marketplace_app.agents.trust import TrustInputs
from marketplace_app.core import clock
from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from marketplace_app.disputes import service as disputes
from marketplace_app.requests import status as machine
from marketplace_app.scheduler.jobs import JOBS
from tests.agents.trust_support import add_test_key, aged, agent_row, history, make_face
from tests.disputes import helpers as dh
from tests.requests import helpers as rh
from tests.support import override_settings, run_concurrently
from tests.work import helpers as w

counts = st.integers(min_value=0, max_value=10_000)


@st.composite
def trust_inputs(draw: st.DrawFn) -> TrustInputs:
    ratings = draw(st.integers(min_value=0, max_value=1_000))
    stars = draw(st.integers(min_value=ratings, max_value=5 * ratings))
    return TrustInputs(completed=draw(counts), ratings_count=ratings, ratings_total=stars,
                       disputes_won=draw(counts), disputes_lost=draw(counts), cancellations=draw(counts),
                       age_days=draw(counts))


def test_a_new_agent_has_the_base_score_and_is_bronze():
    assert trust.score(TrustInputs()) == 20
    assert trust.tier_for(20) is TrustTier.bronze


@pytest.mark.parametrize(("inputs", "expected"), [
    (TrustInputs(completed=5), 30),
    (TrustInputs(completed=500), 60),                                   # completed work caps at 40
    (TrustInputs(ratings_count=10, ratings_total=50), 40),              # ten 5-star ratings: +20
    (TrustInputs(ratings_count=1, ratings_total=5), 22),                # one: a tenth of the weight
    (TrustInputs(ratings_count=10, ratings_total=10), 0),               # ten 1-star ratings: −20
    (TrustInputs(disputes_won=3), 26),
    (TrustInputs(disputes_won=30), 30),                                 # caps at 10
    (TrustInputs(disputes_lost=1), 10),
    (TrustInputs(disputes_lost=3), 0),                                  # never below 0
    (TrustInputs(cancellations=5), 15),
    (TrustInputs(completed=30, cancellations=100), 40),                 # cancellations cap at −20
    (TrustInputs(age_days=29), 20),
    (TrustInputs(age_days=90), 23),
    (TrustInputs(completed=20, ratings_count=10, ratings_total=50, disputes_won=5, age_days=300), 100),
])
def test_the_formula_gives_the_documented_points(inputs, expected):
    assert trust.score(inputs) == expected


@settings(max_examples=300, deadline=None)
@given(trust_inputs())
def test_every_score_is_between_0_and_100(inputs):
    assert 0 <= trust.score(inputs) <= 100


@settings(max_examples=200, deadline=None)
@given(trust_inputs(), st.integers(min_value=1, max_value=100))
def test_good_outcomes_never_lower_the_score_and_bad_ones_never_raise_it(inputs, more):
    base = trust.score(inputs)
    assert trust.score(_plus(inputs, completed=more)) >= base
    assert trust.score(_plus(inputs, disputes_won=more)) >= base
    assert trust.score(_plus(inputs, age_days=more)) >= base
    assert trust.score(_plus(inputs, disputes_lost=more)) <= base
    assert trust.score(_plus(inputs, cancellations=more)) <= base


def _plus(inputs: TrustInputs, **more: int) -> TrustInputs:
    values = {name: getattr(inputs, name) for name in TrustInputs.__dataclass_fields__}
    return TrustInputs(**{**values, **{name: values[name] + count for name, count in more.items()}})


@pytest.mark.parametrize(("score", "tier"), [
    (0, "bronze"), (39, "bronze"), (40, "silver"), (59, "silver"), (60, "gold"), (79, "gold"),
    (80, "platinum"), (100, "platinum"),
])
def test_tier_bounds(score, tier):
    assert trust.tier_for(score) == tier


def test_the_tier_floors_come_from_settings(monkeypatch):
    override_settings(monkeypatch, agent_trust_tier_floors='{"silver": 10, "gold": 20, "platinum": 30}')
    assert [trust.tier_for(score) for score in (9, 10, 20, 30)] == ["bronze", "silver", "gold", "platinum"]


def test_activation_writes_the_first_change_and_an_unchanged_score_writes_none(database):
    # given an agent just activated (0 → the base)
    face = make_face(handle="scout")
    (first,) = history(face.agent_id)
    assert (first.score_before, first.score_after, first.tier_after, first.cause) == (0, 20, "bronze", "activated")

    # when its score is computed again with nothing new
    with unit_of_work() as session:
        assert trust.recompute(session, face.agent_id, cause="checked") == 20

    # then nothing more is written
    assert len(history(face.agent_id)) == 1


def test_account_age_counts_from_activation(database):
    face = make_face(handle="veteran", activated_at=aged(days=65))
    assert agent_row(face.agent_id).trust_score == 22


def test_a_live_completion_counts_for_the_agent_and_is_in_its_history(database):
    # given an active agent with a live matching request
    face = make_face(handle="buyer", funded_cents=10_000)
    (request_id,) = rh.seed_matching_requests(face.key, count=1, price_cents=2_000,
                                              deadline=now() + timedelta(hours=1))

    # when an operator completes it
    rh.complete_by_hand(request_id)

    # then the agent counts it and its score moved by one completion, with the request as the cause
    row = agent_row(face.agent_id)
    assert (row.completed_count, row.trust_score) == (1, 22)
    change = history(face.agent_id)[-1]
    assert (change.score_before, change.score_after, change.cause, change.subject_id) == \
        (20, 22, "request_completed", request_id)


def test_a_cancellation_by_api_lowers_the_score(database):
    face = make_face(handle="canceller", funded_cents=10_000)
    (request_id,) = rh.seed_matching_requests(face.key, count=1, price_cents=2_000,
                                              deadline=now() + timedelta(hours=1))

    response = rh.client().post(f"/v1/requests/{request_id}/cancel", headers=face.headers())

    assert response.status_code == 200, response.text
    row = agent_row(face.agent_id)
    assert (row.cancelled_count, row.trust_score) == (1, 19)
    assert history(face.agent_id)[-1].cause == "request_cancelled"


def test_test_mode_outcomes_buy_no_trust(database):
    face = make_face(handle="sandbox")
    test_key = add_test_key(face)
    ids = rh.seed_matching_requests(test_key, count=3, price_cents=500, deadline=now() + timedelta(hours=1),
                                    mode="test")

    for request_id in ids:
        rh.complete_by_hand(request_id)

    row = agent_row(face.agent_id)
    assert (row.completed_count, row.trust_score) == (0, 20)
    assert len(history(face.agent_id)) == 1


def test_a_plain_projects_outcomes_touch_no_agent(database):
    # given an agent, and a plain project (no agent) whose request completes
    face = make_face(handle="bystander")
    plain = rh.make_agent(funded_cents=10_000)
    (request_id,) = rh.seed_matching_requests(plain, count=1, price_cents=2_000,
                                              deadline=now() + timedelta(hours=1))

    rh.complete_by_hand(request_id)

    assert agent_row(face.agent_id).completed_count == 0


def test_a_sweep_moving_many_requests_counts_them_in_one_change(database):
    face = make_face(handle="bulk", funded_cents=10_000)
    ids = rh.seed_matching_requests(face.key, count=3, price_cents=1_000, deadline=now() + timedelta(hours=1))
    with unit_of_work() as session:
        trust_moved = machine.transition_many(session, request_ids=ids, to="cancelled", sources=["matching"],
                                                 actor=machine.SYSTEM)
    assert len(trust_moved) == 3
    row = agent_row(face.agent_id)
    assert (row.cancelled_count, row.trust_score) == (3, 17)
    change = history(face.agent_id)[-1]
    assert (change.subject_id, change.detail) == (None, "3 requests cancelled")


def test_a_frozen_agents_outcomes_still_count(database):
    face = make_face(handle="icy", funded_cents=10_000)
    (request_id,) = rh.seed_matching_requests(face.key, count=1, price_cents=2_000,
                                              deadline=now() + timedelta(hours=1))
    with unit_of_work() as session:
        session.get_one(AgentRow, face.agent_id).status = AgentStatus.frozen

    rh.complete_by_hand(request_id)

    assert agent_row(face.agent_id).completed_count == 1


@pytest.mark.parametrize(("upheld", "counter", "cause", "score"), [
    (False, "disputes_lost", "dispute_lost", 12),   # 20 + 2 (completed) − 10
    (True, "disputes_won", "dispute_won", 24),      # 20 + 2 (completed) + 2
])
def test_a_resolved_dispute_counts_as_won_or_lost(database, upheld, counter, cause, score):
    # given an agent's completed request disputed, with a tier 0 ruling nobody appeals
    clock.freeze(w.T0)
    try:
        key = w.make_agent()
        worker = w.make_operator()
        face = make_face(handle="disputer", key=key)
        _request_id, shown = dh.disputed(rh.client(), key, worker, upheld=upheld)

        # when the appeal window closes
        clock.advance(timedelta(hours=49))
        assert w.in_unit(disputes.sweep_due) >= 1

        # then the resolution counts for or against the agent
        row = agent_row(face.agent_id)
        assert getattr(row, counter) == 1 and row.trust_score == score
        change = history(face.agent_id)[-1]
        assert (change.cause, change.subject_id) == (cause, shown["dispute_id"])
    finally:
        clock.unfreeze()


def test_fee_for_takes_the_agents_tier(database):
    face = make_face(handle="seller")
    with unit_of_work() as session:
        agent = session.get_one(AgentRow, face.agent_id)
        agent.trust_tier = TrustTier.platinum
        quote = trust.fee_for(agent, 10_000)
    assert (quote.rate_bps, quote.fee_cents) == (600, 600)


def test_account_age_earns_its_point_when_due_and_only_once(database):
    # given an agent activated 29 days ago (no age point yet) and one at the age maximum
    clock.freeze(now())
    try:
        young = make_face(handle="young", activated_at=aged(days=29))
        make_face(handle="elder", activated_at=aged(days=400))
        assert agent_row(young.agent_id).trust_due_at is not None
        with unit_of_work() as session:
            assert trust.refresh_due(session) == 0

        # when two days pass and the job runs twice
        clock.advance(timedelta(days=2))
        with unit_of_work() as session:
            refreshed = trust.refresh_due(session)
        with unit_of_work() as session:
            again = trust.refresh_due(session)

        # then the young agent earned its point once; the elder has nothing due
        assert (refreshed, again) == (1, 0)
        assert agent_row(young.agent_id).trust_score == 21
        assert history(young.agent_id)[-1].cause == "account_age"
    finally:
        clock.unfreeze()


def test_a_frozen_agent_is_not_refreshed(database):
    clock.freeze(now())
    try:
        face = make_face(handle="paused", activated_at=aged(days=29))
        with unit_of_work() as session:
            session.get_one(AgentRow, face.agent_id).status = AgentStatus.frozen
        clock.advance(timedelta(days=2))
        with unit_of_work() as session:
            assert trust.refresh_due(session) == 0
    finally:
        clock.unfreeze()


def test_the_refresh_job_is_registered():
    (job,) = [job for job in JOBS if job.name == "refresh_agent_trust"]
    assert job.run is trust.refresh_due


def test_concurrent_outcomes_of_one_agent_all_count_and_its_history_chains(database):
    # given six accepted live requests and six matching ones of one agent
    face = make_face(handle="busy", funded_cents=100_000)
    accepted = rh.seed_matching_requests(face.key, count=6, price_cents=1_000, deadline=now() + timedelta(hours=1))
    matching = rh.seed_matching_requests(face.key, count=6, price_cents=1_000, deadline=now() + timedelta(hours=1))
    for request_id in accepted:
        rh.accept_by_hand(request_id)
    api = rh.client(rh.warmed_app())

    def act(index: int) -> None:
        if index % 2:
            response = api.post(f"/v1/requests/{matching[index // 2]}/cancel", headers=face.headers())
            assert response.status_code == 200, response.text
        else:
            with unit_of_work() as session:
                machine.transition(session, request_id=accepted[index // 2], to="completed", sources=["in_progress"],
                                   actor=machine.SYSTEM, values={"completed_at": now()})

    # when they complete and are cancelled all at once
    outcomes = run_concurrently(12, act)

    # then every outcome counted once, and each change starts where the one before ended
    assert [outcome for outcome in outcomes if outcome is not None] == []
    row = agent_row(face.agent_id)
    assert (row.completed_count, row.cancelled_count, row.trust_score) == (6, 6, 20 + 12 - 6)
    changes = history(face.agent_id)
    assert [change.score_before for change in changes[1:]] == [change.score_after for change in changes[:-1]]
    assert changes[-1].score_after == row.trust_score
