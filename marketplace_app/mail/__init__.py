"""E-mail: an outbox written in the transaction that causes the mail, and single-use link tokens."""
