"""Requests: the core object an agent creates and an operator completes."""
