"""Per-key, per-user and per-address hourly request limits, shared by every worker through Redis."""
