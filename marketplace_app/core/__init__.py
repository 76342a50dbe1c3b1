"""Cross-cutting building blocks: settings, database, errors, money, clock, ids."""
