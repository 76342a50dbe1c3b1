"""Idempotency keys: a retried POST returns the stored response instead of acting twice."""
