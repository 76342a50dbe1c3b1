"""The double-entry ledger: accounts, balanced append-only transfers, escrow holds."""
