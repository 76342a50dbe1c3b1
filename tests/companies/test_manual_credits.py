"""Staff credit a company by hand: one balanced transfer from `manual_deposits`, one audit entry,
once per company and bank reference (also under 20 connections at once)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select, update

from marketplace_app.audit import queries as audit_queries
from marketplace_app.audit.models import AuditEntry
from marketplace_app.companies import credits, manual_credits
from marketplace_app.companies.models import Company
from marketplace_app.companies.service import available_account
from marketplace_app.core.db import unit_of_work
from marketplace_app.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from marketplace_app.identity.models import Role, User, UserStatus
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.models import LedgerAccount, LedgerEntry, LedgerTransfer
from marketplace_app.settings import get_settings
from tests import factories
from tests.companies.helpers import owner_actor
from tests.ledger.helpers import assert_ledger_balanced, balance, journal_counts, race, transfer_count
from tests.support import repeated

REASON = "Bank transfer received 2026-12-07"


@dataclass(frozen=True)
class Given:
    staff_id: str
    company_id: str


@pytest.fixture
def given() -> Given:
    with unit_of_work() as session:
        staff = factories.make_user(session, role=Role.admin, display_name="Ada Admin")
        return Given(staff_id=staff.id, company_id=factories.make_company(session).id)


def credit(given: Given, *, amount: str = "100.00EUR", reference: str = "SEPA-0001", reason: str = REASON,
           company_id: str | None = None, staff_id: str | None = None) -> manual_credits.ManualCredit:
    with unit_of_work() as session:
        return manual_credits.credit_company(session, staff_id=staff_id or given.staff_id,
                                             company_id=company_id or given.company_id, amount=amount,
                                             reason=reason, reference=reference)


def audit_count() -> int:
    with unit_of_work(read_only=True) as session:
        return session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


def test_a_manual_credit_is_one_transfer_from_manual_deposits_to_available_with_an_audit_entry(given):
    # when
    made = credit(given)

    # then
    with unit_of_work(read_only=True) as session:
        transfer = session.get_one(LedgerTransfer, made.transfer_id)
        entry = session.execute(select(LedgerEntry).where(LedgerEntry.transfer_id == transfer.id)).scalar_one()
        source = session.get_one(LedgerAccount, entry.from_account_id)
        target = session.get_one(LedgerAccount, entry.to_account_id)
        audited = audit_queries.entry(session, made.audit_id)
    assert (transfer.kind, transfer.reason) == ("manual_credit", f"Credited by Handoff staff: {REASON}")
    assert (transfer.reference_type, transfer.reference_id) == ("bank_transfer", "SEPA-0001")
    assert (source.owner_type, source.purpose, source.is_external) == ("external", "manual_deposits", True)
    assert (target.owner_type, target.owner_id, target.purpose) == ("company", given.company_id, "available")
    assert entry.amount_cents == 10_000 == made.amount_cents == made.available_cents
    assert (audited.actor_user_id, audited.action, audited.subject_type, audited.subject_id) == (
        given.staff_id, "company.credit", "company", given.company_id)
    assert audited.transfer_id == transfer.id
    assert audited.detail == {"amount_cents": 10_000, "currency": "EUR", "reason": REASON, "reference": "SEPA-0001"}
    assert (made.credited_by, made.replayed) == (given.staff_id, False)
    assert_ledger_balanced()


def test_the_company_reads_the_credit_on_its_statement(given):
    # given
    made = credit(given)

    # when
    with unit_of_work(read_only=True) as session:
        actor = owner_actor(session, session.get_one(Company, given.company_id))
        (line,) = credits.statement(session, actor=actor).lines

    # then
    assert (line.kind, line.reason, line.amount_cents, line.account) == (
        "manual_credit", f"Credited by Handoff staff: {REASON}", made.amount_cents, "available")
    assert (line.reference_type, line.reference_id) == ("bank_transfer", "SEPA-0001")


def test_the_same_reference_again_returns_the_first_credit_and_moves_nothing(given):
    # given
    first = credit(given)
    journal, audited = journal_counts(), audit_count()

    # when (a retry, another staff member, another spelling of the reference, another reason)
    with unit_of_work() as session:
        other_staff = factories.make_user(session, role=Role.admin).id
    again = credit(given, staff_id=other_staff, reference="  sepa-0001 ", reason="Same transfer, seen twice")

    # then
    assert again.replayed is True
    assert (again.audit_id, again.credited_by, again.reason, again.reference) == (
        first.audit_id, given.staff_id, REASON, "SEPA-0001")
    assert (journal_counts(), audit_count()) == (journal, audited)
    assert balance(available_account(given.company_id)) == 10_000
    assert_ledger_balanced()


def test_the_same_reference_with_another_amount_is_a_conflict(given):
    # given
    credit(given)
    journal, audited = journal_counts(), audit_count()

    # when
    with pytest.raises(Conflict) as refused:
        credit(given, amount="150.00EUR")

    # then
    assert "SEPA-0001" in refused.value.message and "100.00EUR" in refused.value.message
    assert (journal_counts(), audit_count()) == (journal, audited)


def test_one_reference_may_credit_two_companies_once_each(given):
    # given
    with unit_of_work() as session:
        other = factories.make_company(session, name="Other").id

    # when
    credit(given)
    credit(given, company_id=other)

    # then
    assert transfer_count(kind="manual_credit") == 2
    assert balance(available_account(other)) == 10_000
    assert_ledger_balanced()


def test_a_long_reason_is_cut_on_the_statement_and_kept_whole_in_the_audit_log(given):
    # when
    made = credit(given, reason="r" * 300)

    # then
    with unit_of_work(read_only=True) as session:
        line = session.get_one(LedgerTransfer, made.transfer_id).reason
    assert len(line) == 300 and line.startswith("Credited by Handoff staff: rrr") and line.endswith("…")
    assert made.reason == "r" * 300


@pytest.mark.parametrize("role", [Role.company, Role.operator, Role.agent_owner])
def test_only_staff_may_credit(given, role):
    # given
    with unit_of_work() as session:
        someone = factories.make_user(session, role=role, company_name="Self" if role is Role.company else None)
    journal = journal_counts()

    # then
    with pytest.raises(Forbidden):
        credit(given, staff_id=someone.id)
    with pytest.raises(Forbidden):
        credit(given, staff_id="usr_does_not_exist")
    assert (journal_counts(), audit_count()) == (journal, 0)


def test_frozen_staff_may_not_credit(given):
    # given
    with unit_of_work() as session:
        session.execute(update(User).where(User.id == given.staff_id).values(status=UserStatus.frozen))

    # then
    with pytest.raises(Forbidden):
        credit(given)
    assert transfer_count(kind="manual_credit") == 0


@pytest.mark.parametrize("company_id", ["com_0123456789abcdef01234567", "", "com_\x00", "x" * 41])
def test_an_unknown_company_is_not_found(given, company_id):
    with pytest.raises(NotFound), unit_of_work() as session:
        manual_credits.credit_company(session, staff_id=given.staff_id, company_id=company_id, amount="1.00EUR",
                                      reason=REASON, reference="R-1")
    assert audit_count() == 0


@pytest.mark.parametrize(("field", "value"), [
    ("amount", "0.00EUR"), ("amount", "-1.00EUR"), ("amount", "1e3"), ("amount", "5.00USD"),
    ("amount", "100000.01EUR"), ("reason", ""), ("reason", "   "), ("reason", "x" * 301), ("reason", "two\nlines"),
    ("reference", ""), ("reference", " "), ("reference", "r" * 65), ("reference", "REF\x00"),
    ("reference", "<script>"), ("reference", "-leading-dash"),
])
def test_bad_input_is_refused_and_moves_nothing(given, field, value):
    # given
    journal = journal_counts()

    # then
    with pytest.raises(ValidationFailed):
        credit(given, **{field: value})
    assert (journal_counts(), audit_count()) == (journal, 0)


def test_the_maximum_is_a_setting_and_inclusive(given, monkeypatch):
    # given
    monkeypatch.setenv("MANUAL_CREDIT_MAX_CENTS", "5000")
    get_settings.cache_clear()

    # then
    assert credit(given, amount="50.00EUR").amount_cents == 5_000
    with pytest.raises(ValidationFailed, match=r"at most 50\.00EUR"):
        credit(given, amount="50.01EUR", reference="SEPA-0002")


def _same_reference_race(url: str, given: Given) -> None:
    # When 20 connections credit the same bank transfer at the same moment
    def attempt(session, _index):
        return manual_credits.credit_company(session, staff_id=given.staff_id, company_id=given.company_id,
                                             amount="100.00EUR", reason=REASON, reference="SEPA-RACE")

    result = race(url, contenders=20, action=attempt)

    # Then exactly one credit is made and every contender is told about that one
    assert result.kinds() == {"ok": 20}, result.outcomes
    assert sorted(outcome.replayed for outcome in result.outcomes) == [False] + [True] * 19
    assert len({outcome.audit_id for outcome in result.outcomes}) == 1
    assert transfer_count(kind="manual_credit") == 1
    assert audit_count() == 1
    assert balance(available_account(given.company_id)) == 10_000
    assert_ledger_balanced()


@pytest.mark.parametrize("round_", range(2))
def test_20_concurrent_credits_of_one_reference_make_one_transfer(database, given, round_):
    _same_reference_race(database, given)


@pytest.mark.slow
@pytest.mark.parametrize("round_", repeated(20, in_ci=5))
def test_20_concurrent_credits_of_one_reference_repeated(database, given, round_):
    _same_reference_race(database, given)


def test_the_manual_deposits_account_mirrors_the_bank_and_goes_negative(given):
    # when
    credit(given)

    # then
    assert balance(manual_credits.MANUAL_DEPOSITS) == -10_000
    with unit_of_work(read_only=True) as session:
        assert ledger.balance_cents(session, available_account(given.company_id)) == 10_000


def test_a_preview_checks_everything_and_moves_nothing(given):
    # given
    journal = journal_counts()

    # when
    with unit_of_work(read_only=True) as session:
        shown = manual_credits.preview(session, staff_id=given.staff_id, company_id=given.company_id,
                                       amount="100.00", reason=f"  {REASON} ", reference="SEPA-0001")

    # then
    assert shown == manual_credits.Preview(company_id=given.company_id, company_name="Acme", amount_cents=10_000,
                                           reason=REASON, reference="SEPA-0001", already_credited=False)
    assert (journal_counts(), audit_count()) == (journal, 0)


def test_a_preview_says_when_the_reference_was_already_credited_and_refuses_another_amount(given):
    # given
    credit(given)

    with unit_of_work(read_only=True) as session:
        # when
        same = manual_credits.preview(session, staff_id=given.staff_id, company_id=given.company_id,
                                      amount="100.00EUR", reason=REASON, reference="sepa-0001")

        # then
        assert same.already_credited is True
        with pytest.raises(Conflict):
            manual_credits.preview(session, staff_id=given.staff_id, company_id=given.company_id,
                                   amount="99.00EUR", reason=REASON, reference="SEPA-0001")


def test_a_preview_refuses_what_the_credit_refuses(given):
    with unit_of_work(read_only=True) as session:
        with pytest.raises(NotFound):
            manual_credits.preview(session, staff_id=given.staff_id, company_id="com_missing", amount="1.00EUR",
                                   reason=REASON, reference="R")
        with pytest.raises(ValidationFailed):
            manual_credits.preview(session, staff_id=given.staff_id, company_id=given.company_id, amount="1.00EUR",
                                   reason="", reference="R")
        with pytest.raises(Forbidden):
            manual_credits.preview(session, staff_id="usr_nobody", company_id=given.company_id, amount="1.00EUR",
                                   reason=REASON, reference="R")


def test_recent_lists_manual_credits_newest_first_with_company_names_for_staff_only(given):
    # given
    with unit_of_work() as session:
        other = factories.make_company(session, name="Other").id
    first = credit(given, reference="R-1")
    second = credit(given, company_id=other, reference="R-2", amount="5.00EUR")

    with unit_of_work(read_only=True) as session:
        # when
        page = manual_credits.recent(session, staff_id=given.staff_id, limit=1)
        rest = manual_credits.recent(session, staff_id=given.staff_id, starting_after=page.credits[-1].audit_id)

        # then
        assert [(item.audit_id, item.company_name, item.amount_cents, item.reference) for item in page.credits] == [
            (second.audit_id, "Other", 500, "R-2")]
        assert page.has_more is True
        assert [(item.audit_id, item.company_name, item.staff_email.endswith("@example.com"))
                for item in rest.credits] == [(first.audit_id, "Acme", True)]
        assert rest.has_more is False
        with pytest.raises(Forbidden):
            manual_credits.recent(session, staff_id="usr_nobody")
