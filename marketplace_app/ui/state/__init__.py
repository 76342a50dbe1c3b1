"""Reflex states: thin adapters that call services in a worker thread."""
