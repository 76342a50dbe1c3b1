"""The look of every dashboard: Radix Themes with one accent colour and no external assets."""

from __future__ import annotations

import reflex as rx

ACCENT = "indigo"
GRAY = "slate"
SIDEBAR_WIDTH = "15rem"
CONTENT_MAX_WIDTH = "72rem"

THEME = rx.theme(appearance="light", accent_color=ACCENT, gray_color=GRAY, radius="large", scaling="100%",
                 has_background=True, panel_background="solid")

# Kept empty on purpose: every style comes from Radix Themes, so pages load nothing from the web.
STYLESHEETS: list[str] = []

BORDER = f"1px solid {rx.color(GRAY, 5)}"
