"""Webhooks: per-project endpoints and per-request callbacks fed from the event outbox,
signed, delivered with retries by a scheduler job, every attempt logged."""
