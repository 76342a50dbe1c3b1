"""Reusable pieces of the dashboards: the layout shell, navigation and small display helpers."""
