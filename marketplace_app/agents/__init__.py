"""Agents: marketplace identities owned by an organisation (a project with a public face)."""
