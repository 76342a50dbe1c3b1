"""The company dashboard's Test / Live switch and the "Test data" banner shown while it is on.

One bar at the top of every company page, at every width: a quiet switch in live mode, an
amber banner holding the same switch in test mode (as Stripe marks test data), so nobody
takes a test figure for a live one.
"""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui.state.company import CompanyState

TEST_DATA_NOTE = "Requests made with pk_test_ keys, answered by a simulated operator; no credits move."


def mode_bar(reload: rx.event.EventType[()] | None) -> rx.Component:
    """The switch, and the banner in test mode; flipping it runs `reload` (the page's loader) again."""
    return rx.cond(
        CompanyState.test_mode,
        rx.flex(
            rx.hstack(rx.icon("flask-conical", size=18),
                      rx.badge("Test data", color_scheme="amber", variant="solid", size="2"),
                      rx.text("You are viewing test mode. ", TEST_DATA_NOTE, size="2", weight="medium"),
                      align="center", spacing="2", wrap="wrap", flex="1", min_width="0"),
            _switch(reload),
            direction="row", align="center", gap="3", width="100%", padding="0.5rem 1rem",
            background_color=rx.color("amber", 4), color=rx.color("amber", 12),
            border_bottom=f"2px solid {rx.color('amber', 9)}", id="test-data-banner", role="status",
        ),
        rx.flex(_switch(reload), justify="end", width="100%", padding="0.5rem 1rem 0 1rem"),
    )


def _switch(reload: rx.event.EventType[()] | None) -> rx.Component:
    events = [CompanyState.set_test_mode]
    if reload is not None:
        events += reload if isinstance(reload, list) else [reload]
    return rx.el.label(
        rx.text("Test mode", size="2", weight="medium", white_space="nowrap"),
        rx.switch(checked=CompanyState.test_mode, on_change=events, color_scheme="amber", id="mode-switch",
                  aria_label="Show test data"),
        display="inline-flex", align_items="center", gap="0.5rem", cursor="pointer",
    )
