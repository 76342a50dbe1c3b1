"""`ledger_health()`: proves the ledger's invariants from the database alone."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlmodel import Session

_TOTALS = text("SELECT COALESCE(SUM(balance_cents), 0), COUNT(*) FROM ledger_account")
_COUNTS = text("SELECT (SELECT COUNT(*) FROM ledger_transfer), (SELECT COUNT(*) FROM ledger_entry)")
_STORED_VS_ENTRIES = text("""
    SELECT a.id, a.balance_cents, COALESCE(i.total, 0) - COALESCE(o.total, 0) AS computed
    FROM ledger_account a
    LEFT JOIN (SELECT to_account_id AS id, SUM(amount_cents) AS total FROM ledger_entry GROUP BY to_account_id) i
        ON i.id = a.id
    LEFT JOIN (SELECT from_account_id AS id, SUM(amount_cents) AS total FROM ledger_entry GROUP BY from_account_id) o
        ON o.id = a.id
    WHERE a.balance_cents <> COALESCE(i.total, 0) - COALESCE(o.total, 0)
""")
_NEGATIVE = text("SELECT id, balance_cents FROM ledger_account WHERE NOT is_external AND balance_cents < 0")
_EMPTY_TRANSFERS = text("""
    SELECT t.id FROM ledger_transfer t WHERE NOT EXISTS (SELECT 1 FROM ledger_entry e WHERE e.transfer_id = t.id)
""")
_ESCROW_VS_HOLDS = text("""
    SELECT a.id, a.balance_cents, COALESCE(h.total, 0) AS held
    FROM ledger_account a
    LEFT JOIN (SELECT escrow_account_id AS id, SUM(amount_cents) AS total FROM ledger_hold
               WHERE state = 'pending' GROUP BY escrow_account_id) h ON h.id = a.id
    WHERE a.purpose = 'escrow' AND a.balance_cents <> COALESCE(h.total, 0)
""")


@dataclass(slots=True)
class LedgerHealth:
    """The result of one health check; `ok` only when every list is empty and the sum is zero."""

    total_cents: int
    account_count: int
    transfer_count: int
    entry_count: int
    balance_mismatches: list[tuple[int, int, int]] = field(default_factory=list)
    negative_accounts: list[tuple[int, int]] = field(default_factory=list)
    empty_transfers: list[int] = field(default_factory=list)
    escrow_mismatches: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every invariant holds."""
        return (self.total_cents == 0 and not self.balance_mismatches and not self.negative_accounts
                and not self.empty_transfers and not self.escrow_mismatches)


def ledger_health(session: Session) -> LedgerHealth:
    """Check: Σ balances = 0; each stored balance = Σ its entries; no non-external
    account negative; no transfer without entries; each escrow account = Σ its
    pending holds. (Each entry is balanced by construction.)"""
    total_cents, account_count = session.execute(_TOTALS).one()
    transfer_count, entry_count = session.execute(_COUNTS).one()
    return LedgerHealth(
        total_cents=int(total_cents), account_count=account_count,
        transfer_count=transfer_count, entry_count=entry_count,
        balance_mismatches=[tuple(row) for row in session.execute(_STORED_VS_ENTRIES)],
        negative_accounts=[tuple(row) for row in session.execute(_NEGATIVE)],
        empty_transfers=[row[0] for row in session.execute(_EMPTY_TRANSFERS)],
        escrow_mismatches=[tuple(row) for row in session.execute(_ESCROW_VS_HOLDS)],
    )
