"""Shared test data for the operator side: operators and staff with sessions, requests taken
through accept and submit, balances and row counts.

Everything is built through the real services and committed, so API calls, other threads
and other processes see it. Agents and their companies come from `tests/requests/helpers`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from pydantic import ValidationError
from sqlalchemy import RowMapping, func, select, update
from sqlmodel import Session

from marketplace_app.companies.models import KeyMode
from marketplace_app.core.clock import now
from marketplace_app.core.db import unit_of_work
from marketplace_app.earnings import accounts
from marketplace_app.earnings.models import Earning, Payout
from marketplace_app.events.models import Event
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role
from marketplace_app.ledger import service as ledger
from marketplace_app.operators.models import KycStatus, OperatorProfile
from marketplace_app.requests import service as requests
from marketplace_app.requests import status as machine
from marketplace_app.requests.models import RequestEvent, RequestStatus
from marketplace_app.requests.schemas import RequestCreate
from marketplace_app.settings import get_settings
from marketplace_app.uploads import service as uploads
from marketplace_app.work import flows
from marketplace_app.work import service as work
from marketplace_app.work.schemas import SubmissionCreate
from marketplace_app.work.verification import Submission
from tests import factories
from tests.ledger.helpers import assert_ledger_balanced, balance, journal_counts
from tests.requests import helpers as rh

T = TypeVar("T")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PRICE = "20.00EUR"
PRICE_CENTS = 2_000
FEE_CENTS = 360  # 18 % below 5,000 EUR of trailing spend
REWARD_CENTS = PRICE_CENTS - FEE_CENTS
GOOD_ANSWER = "Clause 4.2 complies with Spanish labour law; the notice period is lawful."
# (answer, confidence) pairs that land in each verification band with no proof requirements.
GOOD = (GOOD_ANSWER, "high")  # 100 → completed
MEDIOCRE = (GOOD_ANSWER, "low")  # 85 → needs_review
BAD = ("   ", "high")  # blank → 0 → disputed
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
_sequence = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Operator:
    """An operator as a test sees it: user id, public id and a signed-in session."""

    user_id: str
    public_id: str
    token: str

    def headers(self, **extra: str) -> dict[str, str]:
        """`Authorization: Bearer <session>` plus `extra` headers (underscores become dashes)."""
        headers = {"Authorization": f"Bearer {self.token}"}
        headers.update({name.replace("_", "-"): value for name, value in extra.items()})
        return headers


def make_operators(*, count: int, skills: tuple[str, ...] = ("legal_review",), verified: bool = True,
                   available: bool = True) -> list[Operator]:
    """Commit `count` signed-in operators with `skills` (KYC and availability set as the test says)."""
    made = []
    with unit_of_work() as session:
        for _ in range(count):
            user = factories.make_user(session, role=Role.operator, display_name=f"Operator {next(_sequence)}")
            session.execute(update(OperatorProfile).where(OperatorProfile.user_id == user.id).values(
                skills=list(skills), available=available,
                kyc_status=KycStatus.verified if verified else KycStatus.not_started))
            public_id = session.get_one(OperatorProfile, user.id).public_id
            made.append(Operator(user.id, public_id, identity.create_session(session, user=user)))
    return made


def make_operator(**options: Any) -> Operator:
    """One signed-in operator (see `make_operators`)."""
    return make_operators(count=1, **options)[0]


def staff_headers() -> dict[str, str]:
    """Bearer headers of a newly committed staff (admin) account."""
    with unit_of_work() as session:
        user = factories.make_user(session, role=Role.admin)
        return {"Authorization": f"Bearer {identity.create_session(session, user=user)}"}


def company_headers() -> dict[str, str]:
    """Bearer headers of a new company owner (not an operator)."""
    with unit_of_work() as session:
        user = factories.make_user(session, role=Role.company, company_name="Other Co")
        return {"Authorization": f"Bearer {identity.create_session(session, user=user)}"}


def make_agent(*, funded_cents: int = 100_000, policy: str = "redacted", terms: tuple[str, ...] = (),
               company_name: str = "Acme") -> rh.Agent:
    """A funded company with one live key on a project whose information policy is `policy`."""
    return rh.make_agent(funded_cents=funded_cents, company_name=company_name, information_policy=policy,
                         redaction_terms=list(terms))


def in_unit(action: Callable[[Session], T]) -> T:
    """Run `action(session)` in its own committed unit of work."""
    with unit_of_work() as session:
        return action(session)


def create(agent: rh.Agent, **overrides: Any) -> RowMapping | dict[str, Any]:
    """Create a request through the service, as the API does, in its own unit of work."""
    body = RequestCreate(**rh.request_body(**{"max_price": PRICE, **overrides}))
    context = agent.context()
    return in_unit(lambda session: requests.create_request(session, ctx=context, body=body))


def accept(operator: Operator, request_id: str) -> RowMapping:
    """The operator takes the request (service level, own unit of work)."""
    return in_unit(lambda session: work.accept(session, operator_id=operator.user_id, request_id=request_id))


def submit(operator: Operator, request_id: str, *, answer: tuple[str, str] = GOOD, proof_notes: str = "",
           file_ids: tuple[str, ...] = ()) -> RowMapping:
    """The operator hands in `answer` ((text, confidence)); verification decides where it lands.

    Verification must still rule on answers no door accepts any more (blank, longer than the
    schema allows): those skip `SubmissionCreate` and go straight to the verify-and-write half of
    the submit. Every other answer takes the doors' path through the schema.
    """
    text, confidence = answer
    fields = {"answer": text, "confidence": confidence, "proof_notes": proof_notes or None,
              "file_ids": list(file_ids)}
    try:
        SubmissionCreate(**fields)
    except ValidationError:
        submission = Submission(answer=text, confidence=confidence, proof_notes=proof_notes,
                                file_count=len(file_ids))
        return flows.verify_and_submit(operator_id=operator.user_id, request_id=request_id,
                                       submission=submission, file_ids=list(file_ids))
    return flows.submit_work(operator_id=operator.user_id, request_id=request_id, body=fields)


def completed_request(agent: rh.Agent, operator: Operator, **overrides: Any) -> str:
    """Create, accept and submit a good answer: a completed request; return its id."""
    request_id = create(agent, **overrides)["id"]
    accept(operator, request_id)
    row = submit(operator, request_id)
    assert row["status"] == "completed", row["result"]
    return request_id


@dataclass(frozen=True, slots=True)
class TwoModes:
    """One funded project with a live and a test key (`keys` by mode), and a verified operator."""

    keys: dict[str, rh.Agent]
    operator: Operator


def two_modes(*, funded_cents: int = 100_000) -> TwoModes:
    """A project with both kinds of key: the closest test and live data can come to each other."""
    live = make_agent(funded_cents=funded_cents)
    return TwoModes(keys={"live": live, "test": rh.add_key(live, mode=KeyMode.test)}, operator=make_operator())


def request_in(world: TwoModes, mode: str, state: str) -> str:
    """A request of `mode` in `state` (matching, needs_review or completed): live ones through the
    operator's real accept and submit (escrow held, then posted), test ones through the state writer
    (operators never see test requests)."""
    request_id = create(world.keys[mode])["id"]
    if state == "matching":
        return request_id
    if mode == "live":
        accept(world.operator, request_id)
        submit(world.operator, request_id, answer=GOOD if state == "completed" else MEDIOCRE)
    elif state == "completed":
        rh.complete_by_hand(request_id)
    else:
        rh.accept_by_hand(request_id)
        in_unit(lambda session: machine.transition(
            session, request_id=request_id, to=RequestStatus.needs_review, sources=[RequestStatus.in_progress],
            actor=machine.SYSTEM, values={"submitted_at": now(), "review_deadline_at": now() + timedelta(hours=48)}))
    assert rh.request_row(request_id)["status"] == state
    return request_id


def pending_cents(user_id: str) -> int:
    return balance(accounts.operator_pending(user_id))


def available_cents(user_id: str) -> int:
    return balance(accounts.operator_available(user_id))


def in_payout_cents(user_id: str) -> int:
    return balance(accounts.operator_payout_escrow(user_id))


def revenue_cents() -> int:
    return balance(accounts.PLATFORM_REVENUE)


def paid_out_cents(provider: str = "manual") -> int:
    """What the provider's external payouts account has received."""
    return balance(accounts.provider_payouts(provider))


def give_available(user_id: str, *, cents: int) -> None:
    """Put `cents` straight into the operator's available balance from the test faucet."""
    def action(session: Session) -> None:
        faucet = ledger.account_id(session, factories.FAUCET)
        target = ledger.account_id(session, accounts.operator_available(user_id))
        ledger.transfer(session, idempotency_key=f"test-earn:{user_id}:{next(_sequence)}", kind="deposit",
                        reason="Test earnings", legs=[ledger.Leg(faucet, target, cents)])
    in_unit(action)


def count(model: Any, *conditions: Any) -> int:
    """Committed rows of `model` matching `conditions`."""
    with unit_of_work(read_only=True) as session:
        return session.execute(select(func.count()).select_from(model).where(*conditions)).scalar_one()


def earnings_of(user_id: str) -> list[Earning]:
    with unit_of_work(read_only=True) as session:
        return list(session.execute(select(Earning).where(Earning.operator_id == user_id)).scalars())


def payouts_of(user_id: str) -> list[Payout]:
    with unit_of_work(read_only=True) as session:
        return list(session.execute(select(Payout).where(Payout.operator_id == user_id)).scalars())


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a refused action must leave untouched: the journal, the outbox, the timelines, and
    every business row count."""

    journal: tuple[int, int, int]
    events: int
    timeline: int
    rows: dict[str, int]


def snapshot() -> Snapshot:
    return Snapshot(journal=journal_counts(), events=count(Event), timeline=count(RequestEvent),
                    rows=rh.business_counts())


def assert_nothing_changed(before: Snapshot) -> None:
    """Fail unless no ledger row, event, timeline line or other business row was written."""
    after = snapshot()
    assert after.journal == before.journal, "ledger rows were written"
    assert after.events == before.events, "events were written"
    assert after.timeline == before.timeline, "timeline lines were written"
    assert after.rows == before.rows
    assert_ledger_balanced()


def use_tmp_storage(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Keep uploaded bytes in the test's directory instead of the project's `.var`."""
    storage = tmp_path / "uploads"
    monkeypatch.setattr(uploads, "STORAGE_DIR", storage)
    return storage


def upload(operator: Operator, *, purpose: str = "proof", data: bytes = PNG, filename: str = "proof.png") -> str:
    """Save an upload for the operator through the service; return its id."""
    return in_unit(lambda session: uploads.save_upload(session, owner_user_id=operator.user_id, purpose=purpose,
                                                       filename=filename, data=data)).id


def set_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    """Change one setting for this test (environment variable + settings cache)."""
    monkeypatch.setenv(name.upper(), value)
    get_settings.cache_clear()

