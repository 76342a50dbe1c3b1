"""Benchmark data: a funded tenant made through the real services, and set-based bulk rows."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlmodel import Session

from marketplace_app.companies import service as companies
from marketplace_app.companies.keys import KeyContext
from marketplace_app.companies.models import Company, CompanyMember, KeyMode
from marketplace_app.core.db import unit_of_work
from marketplace_app.identity import service as identity
from marketplace_app.identity.models import Role
from marketplace_app.ledger import service as ledger
from marketplace_app.ledger.models import LedgerAccount, OwnerType, Purpose
from marketplace_app.requests import service as requests
from marketplace_app.requests.schemas import RequestCreate

# The patxin seed's example body (PRODUCT.md section 4).
SEED_BODY: dict[str, Any] = {
    "skill": "legal_review", "urgency": "5min", "duration": "15min",
    "context": "Review NDA clause 4.2 for compliance with Spanish labor law",
    "max_price": "8.00EUR", "information_policy": "redacted",
}
SEED_PRICE_CENTS = 800
BENCH_RATE_LIMIT_PER_HOUR = 10_000_000
ACCOUNTS = LedgerAccount.__table__
_sequence = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Tenant:
    """A company with one project (high rate limit, no caps) and one live key."""

    company_id: str
    project_id: str
    key_id: str
    secret: str
    available_account_id: int
    escrow_account_id: int

    @property
    def context(self) -> KeyContext:
        """The key's context, as the API would resolve it."""
        return KeyContext(key_id=self.key_id, project_id=self.project_id, company_id=self.company_id,
                          mode=KeyMode.live, rate_limit_per_hour=BENCH_RATE_LIMIT_PER_HOUR)

    @property
    def headers(self) -> dict[str, str]:
        """Authorization for the agent API."""
        return {"Authorization": f"Bearer {self.secret}"}


def make_tenant(*, credit_cents: int) -> Tenant:
    """Sign a company up, give it a project and a live key, and fund it with `credit_cents`."""
    number = next(_sequence)
    with unit_of_work() as session:
        user = identity.sign_up(session, identity.SignUp(
            email=f"bench{number}@example.com", password="bench-password-0123", display_name="Bench Buyer",
            role=Role.company, company_name=f"Bench Co {number}"))
        company = session.execute(select(Company).join(CompanyMember, CompanyMember.company_id == Company.id)
                                  .where(CompanyMember.user_id == user.id)).scalar_one()
        project = companies.create_project(session, company_id=company.id, name="Bench agent",
                                           rate_limit_per_hour=BENCH_RATE_LIMIT_PER_HOUR)
        issued = companies.issue_key(session, project_id=project.id, name="bench", mode=KeyMode.live)
        available = ledger.account_id(session, companies.available_account(company.id))
        escrow = ledger.account_id(session, companies.escrow_account(company.id))
        if credit_cents:
            deposit(session, account=available, cents=credit_cents)
        return Tenant(company_id=company.id, project_id=project.id, key_id=issued.key.id, secret=issued.secret,
                      available_account_id=available, escrow_account_id=escrow)


def deposit(session: Session, *, account: int, cents: int) -> None:
    """Credit `account` from the manual provider's clearing account (as a top-up would)."""
    source = ledger.account_id(session, ledger.AccountRef(OwnerType.external, "manual", Purpose.provider_clearing))
    ledger.transfer(session, idempotency_key=f"bench-credit:{account}:{next(_sequence)}", kind="deposit",
                    reason="Benchmark credit", legs=[ledger.Leg(source, account, cents)])


def create_requests(tenant: Tenant, count: int, *, urgency: str = "30min", per_transaction: int = 200) -> list[str]:
    """Create `count` requests through the service (escrow, timeline, event); return their ids."""
    body = RequestCreate(**{**SEED_BODY, "urgency": urgency})
    ids: list[str] = []
    while len(ids) < count:
        with unit_of_work() as session:
            for _ in range(min(per_transaction, count - len(ids))):
                ids.append(requests.create_request(session, ctx=tenant.context, body=body)["id"])
    return ids


def insert_chunked(session: Session, table: Table, rows: Iterable[Mapping[str, Any]], *, chunk: int = 5000) -> int:
    """Insert `rows` with executemany in chunks; return how many."""
    total = 0
    for batch in chunks(rows, chunk):
        session.execute(insert(table), batch)
        total += len(batch)
    return total


def chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Split an iterable into lists of at most `size`."""
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def move_balance(session: Session, *, from_account: int, to_account: int, cents: int) -> None:
    """Apply bulk-inserted entries to the stored balances (so each balance = Σ its entries)."""
    session.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == from_account)
                    .values(balance_cents=ACCOUNTS.c.balance_cents - cents))
    session.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == to_account)
                    .values(balance_cents=ACCOUNTS.c.balance_cents + cents))
