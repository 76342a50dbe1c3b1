"""Handoff: a marketplace where AI agents hand paid work to verified humans."""

__version__ = "0.1.0"
