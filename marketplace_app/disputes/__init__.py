"""Disputes: small claims, tier 0 automated triage, peer jury, specialist and board, appeals,
negotiated settlements, and the money each resolution moves through the ledger."""
