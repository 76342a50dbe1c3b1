"""Moving money: balanced transfers and two-phase escrow holds.

Every function here flushes inside the caller's unit of work and never commits.
Balances change only through single conditional UPDATE statements, in account-id
order (so concurrent transfers cannot deadlock), in the same transaction as the
entries that explain them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, bindparam, event, insert, literal, or_, select, update
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.core.db import after_commit, insert_ignore, is_postgres
from marketplace_app.core.errors import InsufficientFunds, NotFound, StateConflict
from marketplace_app.ledger.models import HoldState, LedgerAccount, LedgerEntry, LedgerHold, LedgerTransfer, OwnerType
from marketplace_app.settings import get_settings

ACCOUNTS = LedgerAccount.__table__
TRANSFERS = LedgerTransfer.__table__
ENTRIES = LedgerEntry.__table__
HOLDS = LedgerHold.__table__
_INSERT_TRANSFER = insert(TRANSFERS).returning(TRANSFERS.c.id)
_INSERT_ENTRIES = insert(ENTRIES)
_INSERT_HOLD = insert(HOLDS)
HOLD_KIND = "escrow_hold"
_CREDIT = update(ACCOUNTS).where(ACCOUNTS.c.id == bindparam("account")).values(
    balance_cents=ACCOUNTS.c.balance_cents + bindparam("delta"))
# The balance check is the update itself: it matches only while the account covers the debit.
_DEBIT = _CREDIT.where(or_(ACCOUNTS.c.is_external, ACCOUNTS.c.balance_cents >= bindparam("needed")))


@dataclass(frozen=True, slots=True)
class AccountRef:
    """Names an account by owner and purpose; the row is created on first use."""

    owner_type: str
    owner_id: str
    purpose: str

    @property
    def is_external(self) -> bool:
        """External accounts mirror the outside world and may go negative."""
        return self.owner_type == OwnerType.external


@dataclass(frozen=True, slots=True)
class Leg:
    """One movement of `amount_cents` from one account id to another."""

    from_account_id: int
    to_account_id: int
    amount_cents: int


_ACCOUNT_ID = select(ACCOUNTS.c.id).where(
    ACCOUNTS.c.owner_type == bindparam("owner_type"), ACCOUNTS.c.owner_id == bindparam("owner_id"),
    ACCOUNTS.c.purpose == bindparam("purpose"), ACCOUNTS.c.currency == bindparam("currency"))
# Account ids by (database, owner, purpose, currency). An account row is never changed or deleted,
# so an id is good for as long as its database lives; ids enter only once their row is committed
# (a rolled-back insert's id may be reused) and leave whenever an engine is disposed.
_account_ids: dict[tuple[str, str, str, str, str], int] = {}


@event.listens_for(Engine, "engine_disposed")
def _forget_account_ids(_engine: Engine) -> None:
    _account_ids.clear()


def account_id(session: Session, ref: AccountRef) -> int:
    """Return the id of the account `ref` names, creating it if needed."""
    currency = get_settings().currency
    cache_key = (str(session.get_bind().url), ref.owner_type, ref.owner_id, ref.purpose, currency)
    cached = _account_ids.get(cache_key)
    if cached is not None:
        return cached
    found = _find_or_create_account(session, ref, currency)
    after_commit(session, lambda: _account_ids.__setitem__(cache_key, found))
    return found


def _find_or_create_account(session: Session, ref: AccountRef, currency: str) -> int:
    match = {"owner_type": ref.owner_type, "owner_id": ref.owner_id, "purpose": ref.purpose, "currency": currency}
    found = session.execute(_ACCOUNT_ID, match).scalar_one_or_none()
    if found is not None:
        return found
    insert_ignore(session, ACCOUNTS, {
        "owner_type": ref.owner_type, "owner_id": ref.owner_id, "purpose": ref.purpose, "currency": currency,
        "is_external": ref.is_external, "balance_cents": 0, "created_at": now(),
    }, conflict=["owner_type", "owner_id", "purpose", "currency"])
    return session.execute(_ACCOUNT_ID, match).scalar_one()


def balance_cents(session: Session, ref: AccountRef) -> int:
    """Return the stored balance of `ref` (0 if it has never been used)."""
    currency = get_settings().currency
    statement = select(ACCOUNTS.c.balance_cents).where(
        ACCOUNTS.c.owner_type == ref.owner_type, ACCOUNTS.c.owner_id == ref.owner_id,
        ACCOUNTS.c.purpose == ref.purpose, ACCOUNTS.c.currency == currency)
    return session.execute(statement).scalar_one_or_none() or 0


def transfer(session: Session, *, idempotency_key: str, kind: str, reason: str, legs: Sequence[Leg],
             reference_type: str | None = None, reference_id: str | None = None, savepoint: bool = True) -> int:
    """Record one balanced transfer and apply it to the stored balances.

    Args:
        session: The caller's unit of work.
        idempotency_key: Unique per movement; a second transfer with it fails.
        kind: What sort of movement this is (`escrow_hold`, `refund`, ...).
        reason: A sentence people read in their statement.
        legs: The movements; each must be positive and between two accounts.
        reference_type: What the transfer is about (`request`, `payout`, ...).
        reference_id: The id of that object.
        savepoint: False only for a caller whose whole transaction ends on a refusal (it never
            catches one and commits): then no savepoint is needed to keep a refusal whole.

    Returns:
        The transfer id.

    Raises:
        InsufficientFunds: A non-external account would go below zero; nothing is written.
    """
    _check_legs(legs)
    if not savepoint:
        return _write_transfer(session, idempotency_key, kind, reason, legs, reference_type, reference_id)
    # A savepoint keeps a refusal whole: when a later leg or the idempotency key fails,
    # the earlier balance updates go too, even for a caller that catches and commits.
    with session.begin_nested():
        return _write_transfer(session, idempotency_key, kind, reason, legs, reference_type, reference_id)


def _write_transfer(session: Session, idempotency_key: str, kind: str, reason: str, legs: Sequence[Leg],
                    reference_type: str | None, reference_id: str | None) -> int:
    _apply_balances(session, legs)
    created_at = now()
    transfer_id = session.execute(_INSERT_TRANSFER, {
        "idempotency_key": idempotency_key, "kind": kind, "reason": reason[:300], "reference_type": reference_type,
        "reference_id": reference_id, "created_at": created_at}).scalar_one()
    session.execute(_INSERT_ENTRIES, [
        {"transfer_id": transfer_id, "from_account_id": leg.from_account_id, "to_account_id": leg.to_account_id,
         "amount_cents": leg.amount_cents, "created_at": created_at}
        for leg in legs
    ])
    return transfer_id


def _check_legs(legs: Sequence[Leg]) -> None:
    if not legs:
        raise ValueError("a transfer needs at least one leg")
    for leg in legs:
        if not isinstance(leg.amount_cents, int) or isinstance(leg.amount_cents, bool) or leg.amount_cents <= 0:
            raise ValueError(f"leg amounts must be positive integers, got {leg.amount_cents!r}")
        if leg.from_account_id == leg.to_account_id:
            raise ValueError("a leg must move money between two different accounts")


def _apply_balances(session: Session, legs: Sequence[Leg]) -> None:
    deltas: dict[int, int] = defaultdict(int)
    for leg in legs:
        deltas[leg.from_account_id] -= leg.amount_cents
        deltas[leg.to_account_id] += leg.amount_cents
    for account, delta in sorted(deltas.items()):
        if delta == 0:
            continue
        statement = _DEBIT if delta < 0 else _CREDIT
        if session.execute(statement, {"account": account, "delta": delta, "needed": -delta}).rowcount != 1:
            _raise_insufficient(session, account, -delta)


def _raise_insufficient(session: Session, account: int, needed_cents: int) -> None:
    balance = session.execute(select(ACCOUNTS.c.balance_cents).where(ACCOUNTS.c.id == account)).scalar_one_or_none()
    if balance is None:
        raise NotFound(f"ledger account {account} does not exist")
    raise InsufficientFunds(f"account {account} holds {balance} cents, {needed_cents} needed",
                            account_id=account, balance_cents=balance)


def _place_hold_statement() -> Any:
    """PostgreSQL: WITH the transfer (RETURNING its id), its one entry, INSERT the hold."""
    placed = insert(TRANSFERS).values(
        idempotency_key=bindparam("idempotency_key"), kind=HOLD_KIND, reason=bindparam("reason"),
        reference_type=bindparam("reference_type"), reference_id=bindparam("reference_id"),
        created_at=bindparam("created_at")).returning(TRANSFERS.c.id).cte("placed_transfer")
    entry = insert(ENTRIES).from_select(
        ["transfer_id", "from_account_id", "to_account_id", "amount_cents", "created_at"],
        select(placed.c.id, bindparam("source_id", type_=ENTRIES.c.from_account_id.type),
               bindparam("escrow_id", type_=ENTRIES.c.to_account_id.type),
               bindparam("amount_cents", type_=ENTRIES.c.amount_cents.type),
               bindparam("created_at", type_=ENTRIES.c.created_at.type))).cte("placed_entry")
    return insert(HOLDS).values(
        id=bindparam("hold_id"), source_account_id=bindparam("source_id"), escrow_account_id=bindparam("escrow_id"),
        amount_cents=bindparam("amount_cents"), state=HoldState.pending, reference_type=bindparam("reference_type"),
        reference_id=bindparam("reference_id"), created_at=bindparam("created_at")).add_cte(placed).add_cte(entry)


_PLACE_HOLD = _place_hold_statement()


def place_hold(session: Session, *, hold_id: str, source: AccountRef, escrow: AccountRef, amount_cents: int,
               reason: str, reference_type: str | None = None, reference_id: str | None = None,
               savepoint: bool = True) -> str:
    """Move `amount_cents` from `source` into `escrow` as a pending hold.

    `savepoint` as in `transfer`: False only when a refusal ends the caller's whole transaction.

    Raises:
        InsufficientFunds: `source` cannot cover the amount; nothing is written.
    """
    source_id, escrow_id = account_id(session, source), account_id(session, escrow)
    legs = [Leg(source_id, escrow_id, amount_cents)]
    values = {"hold_id": hold_id, "idempotency_key": f"hold:{hold_id}:place", "reason": reason[:300],
              "source_id": source_id, "escrow_id": escrow_id, "amount_cents": amount_cents,
              "reference_type": reference_type, "reference_id": reference_id, "created_at": now()}
    if not is_postgres(session):
        transfer(session, idempotency_key=values["idempotency_key"], kind=HOLD_KIND, reason=reason, legs=legs,
                 reference_type=reference_type, reference_id=reference_id, savepoint=savepoint)
        session.execute(_INSERT_HOLD, {
            "id": hold_id, "source_account_id": source_id, "escrow_account_id": escrow_id,
            "amount_cents": amount_cents, "state": HoldState.pending, "reference_type": reference_type,
            "reference_id": reference_id, "created_at": values["created_at"]})
        return hold_id
    _check_legs(legs)
    with session.begin_nested() if savepoint else nullcontext():
        _apply_balances(session, legs)
        # PostgreSQL: the transfer, its entry and the hold in one round trip (one statement).
        session.execute(_PLACE_HOLD, values)
    return hold_id


def post_hold(session: Session, *, hold_id: str, payees: Sequence[tuple[AccountRef, int]], reason: str) -> int:
    """Resolve a pending hold by paying `payees`; any remainder returns to the source.

    The payee amounts must not exceed the hold. Exactly once: a hold that is no
    longer pending raises `StateConflict` and nothing moves.
    """
    return _resolve(session, hold_id=hold_id, payees=payees, reason=reason, state=HoldState.posted)


def void_hold(session: Session, *, hold_id: str, reason: str) -> int:
    """Resolve a pending hold by returning everything to its source, exactly once."""
    return _resolve(session, hold_id=hold_id, payees=(), reason=reason, state=HoldState.voided)


def _resolve(session: Session, *, hold_id: str, payees: Sequence[tuple[AccountRef, int]], reason: str,
             state: HoldState) -> int:
    hold = session.execute(select(HOLDS).where(HOLDS.c.id == hold_id)).one_or_none()
    if hold is None:
        raise NotFound(f"hold {hold_id} does not exist")
    if any(amount < 0 for _ref, amount in payees):
        raise ValueError("payee amounts must not be negative")
    # The claim and its transfer stand or fall together: a refused transfer must not
    # leave the hold resolved with its money still in escrow.
    with session.begin_nested():
        claimed = session.execute(update(HOLDS).where(HOLDS.c.id == hold_id, HOLDS.c.state == HoldState.pending)
                                  .values(state=state, resolved_at=now())).rowcount
        if claimed != 1:
            raise StateConflict(f"hold {hold_id} is already resolved")
        legs = [Leg(hold.escrow_account_id, account_id(session, ref), amount) for ref, amount in payees if amount > 0]
        paid_cents = sum(leg.amount_cents for leg in legs)
        if paid_cents > hold.amount_cents:
            raise ValueError(f"payees take {paid_cents} cents from a hold of {hold.amount_cents}")
        if hold.amount_cents - paid_cents > 0:
            legs.append(Leg(hold.escrow_account_id, hold.source_account_id, hold.amount_cents - paid_cents))
        kind = "escrow_post" if state is HoldState.posted else "escrow_void"
        return transfer(session, idempotency_key=f"hold:{hold_id}:{state}", kind=kind, reason=reason, legs=legs,
                        reference_type=hold.reference_type, reference_id=hold.reference_id)


@dataclass(frozen=True, slots=True)
class TransferSpec:
    """One transfer for `transfer_many`."""

    idempotency_key: str
    kind: str
    reason: str
    legs: Sequence[Leg]
    reference_type: str | None = None
    reference_id: str | None = None


def transfer_many(session: Session, specs: Sequence[TransferSpec]) -> int:
    """Record many balanced transfers with set-based statements (for sweeps); return how many.

    Balances are applied once per account for the whole batch, in account-id order,
    with the same conditional rule as `transfer`.
    """
    if not specs:
        return 0
    for spec in specs:
        _check_legs(spec.legs)
    with session.begin_nested():  # all or nothing, as in `transfer`
        _apply_balances(session, [leg for spec in specs for leg in spec.legs])
        moment = now()
        # Ids are matched by idempotency key: asking for RETURNING in parameter order would make
        # SQLAlchemy fall back to one INSERT per row on SQLite.
        ids = dict((key, transfer_id) for transfer_id, key in session.execute(
            insert(TRANSFERS).returning(TRANSFERS.c.id, TRANSFERS.c.idempotency_key), [
                {"idempotency_key": spec.idempotency_key, "kind": spec.kind, "reason": spec.reason[:300],
                 "reference_type": spec.reference_type, "reference_id": spec.reference_id, "created_at": moment}
                for spec in specs]).all())
        session.execute(insert(ENTRIES), [
            {"transfer_id": ids[spec.idempotency_key], "from_account_id": leg.from_account_id,
             "to_account_id": leg.to_account_id, "amount_cents": leg.amount_cents, "created_at": moment}
            for spec in specs for leg in spec.legs])
    return len(specs)


def void_holds(session: Session, hold_ids: Sequence[str], *, reason: str) -> int:
    """Void every still-pending hold in `hold_ids` (set-based, exactly once each); return how many.

    Four statements whatever the batch size (for sweeps): claim the holds with one conditional
    UPDATE, move the balances (one conditional UPDATE per account), then write the transfers and
    their entries with INSERT … SELECT from the claimed holds, so no row passes through Python
    again. A hold another sweeper claimed first is simply not in the claim.
    """
    if not hold_ids:
        return 0
    moment = now()
    with session.begin_nested():  # the claim, the balances and the journal stand or fall together
        claimed = session.execute(
            update(HOLDS).where(HOLDS.c.id.in_(list(hold_ids)), HOLDS.c.state == HoldState.pending)
            .values(state=HoldState.voided, resolved_at=moment)
            .returning(HOLDS.c.id, HOLDS.c.source_account_id, HOLDS.c.escrow_account_id, HOLDS.c.amount_cents)
        ).all()
        if not claimed:
            return 0
        legs = [Leg(hold.escrow_account_id, hold.source_account_id, hold.amount_cents) for hold in claimed]
        _check_legs(legs)
        _apply_balances(session, legs)
        _journal_voids(session, [hold.id for hold in claimed], reason=reason, moment=moment)
    return len(claimed)


def _journal_voids(session: Session, hold_ids: list[str], *, reason: str, moment: datetime) -> None:
    """One `escrow_void` transfer per hold (key `hold:<id>:voided`) and its entry, escrow → source."""
    key = literal("hold:", TRANSFERS.c.idempotency_key.type) + HOLDS.c.id + literal(f":{HoldState.voided}")
    stamp = literal(moment, TRANSFERS.c.created_at.type)
    session.execute(insert(TRANSFERS).from_select(
        ["idempotency_key", "kind", "reason", "reference_type", "reference_id", "created_at"],
        select(key, literal("escrow_void", TRANSFERS.c.kind.type), literal(reason[:300], TRANSFERS.c.reason.type),
               HOLDS.c.reference_type, HOLDS.c.reference_id, stamp).where(HOLDS.c.id.in_(hold_ids))))
    session.execute(insert(ENTRIES).from_select(
        ["transfer_id", "from_account_id", "to_account_id", "amount_cents", "created_at"],
        select(TRANSFERS.c.id, HOLDS.c.escrow_account_id, HOLDS.c.source_account_id, HOLDS.c.amount_cents,
               literal(moment, ENTRIES.c.created_at.type))
        .select_from(HOLDS.join(TRANSFERS, TRANSFERS.c.idempotency_key == key))
        .where(HOLDS.c.id.in_(hold_ids))))
