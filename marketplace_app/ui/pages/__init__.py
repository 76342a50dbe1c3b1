"""Every page of the dashboards; importing this package registers them with Reflex."""

from marketplace_app.ui.pages import admin, auth, homes

__all__ = ["admin", "auth", "homes"]
