"""Buyer organisations: companies, members, projects and their API keys."""
