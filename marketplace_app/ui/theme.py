"""The look of every dashboard: Radix Themes with one accent colour; the only files are our own `assets/`."""

from __future__ import annotations

import reflex as rx

ACCENT = "indigo"
GRAY = "slate"
SIDEBAR_WIDTH = "15rem"
CONTENT_MAX_WIDTH = "72rem"

THEME = rx.theme(appearance="light", accent_color=ACCENT, gray_color=GRAY, radius="large", scaling="100%",
                 has_background=True, panel_background="solid")

# Our own files only (assets/), so pages load nothing from the web: every style comes from Radix
# Themes, with one correction for contrast (soft badges and callouts; see the file).
STYLESHEETS: list[str] = ["/contrast.css"]

# Served from assets/: the tab icon (SVG where the browser takes it, favicon.ico otherwise) and the
# image link previews show.
HEAD = [
    rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
    rx.el.meta(property="og:site_name", content="Handoff"),
]
SOCIAL_IMAGE = "/social.png"
LOGO = "/logo.svg"

BORDER = f"1px solid {rx.color(GRAY, 5)}"
