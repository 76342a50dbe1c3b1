"""The page shell: `dashboard_page` registers a role's page inside the sidebar layout.

Every dashboard page is guarded twice: its on_load handler redirects visitors who may
not see it (no session → login, another role → their own home), and the body renders
only once the signed-in role matches, so nothing flashes before the redirect.
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from marketplace_app.ui.components.common import loading
from marketplace_app.ui.components.modes import mode_bar
from marketplace_app.ui.components.nav import sidebar, top_bar
from marketplace_app.ui.state.base import AppState
from marketplace_app.ui.theme import CONTENT_MAX_WIDTH, SOCIAL_IMAGE

PAGE_TITLE_SUFFIX = " · Handoff"


def dashboard_page(route: str, title: str, *, role: str, on_load: rx.event.EventType[()] | None = None,
                   ) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """Register a page for `role` at `route` inside the dashboard layout.

    Args:
        route: The URL path (from `routes`).
        title: The browser tab title.
        role: The one role that may open the page.
        on_load: A loader that must itself call `_require(role)`; the bare role guard if omitted.

    Returns:
        A decorator for a function that renders the page body.
    """
    def decorator(body: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def page() -> rx.Component:
            return shell(role, body(), reload=on_load)

        page.__name__ = body.__name__
        rx.page(route=route, title=title + PAGE_TITLE_SUFFIX, image=SOCIAL_IMAGE,
                on_load=[*_as_list(on_load if on_load is not None else AppState.require_role(role)),
                         AppState.show_landing_notice])(page)
        return page

    return decorator


def shell(role: str, body: rx.Component, *, reload: rx.event.EventType[()] | None = None) -> rx.Component:
    """The sidebar (or phone top bar and drawer) around a page body; company pages also get the
    Test / Live switch, which runs `reload` (the page's loader) after a flip."""
    return rx.flex(
        sidebar(role),
        rx.box(
            top_bar(role),
            rx.cond(AppState.user_role == "company", mode_bar(reload)) if role == "company" else rx.fragment(),
            rx.box(
                rx.cond(AppState.user_role == role, body, loading("Checking your session…")),
                padding=rx.breakpoints(initial="1.25rem 1rem", md="2rem 2.5rem"), max_width=CONTENT_MAX_WIDTH,
                margin_x="auto", width="100%",
            ),
            flex="1", min_width="0",
        ),
        width="100%", min_height="100vh",
    )


def centered_page(*children: rx.Component) -> rx.Component:
    """A narrow centred column for the sign-in and sign-up pages."""
    return rx.center(
        rx.vstack(*children, spacing="5", width="100%", max_width="28rem", align="center"),
        min_height="100vh", padding="2rem 1rem", width="100%",
        background=f"radial-gradient(circle at top, {rx.color('accent', 3)}, transparent 60%)",
    )


def _as_list(loader: rx.event.EventType[()]) -> list:
    # A page may give one loader or a list of them; Reflex refuses a list inside the list.
    return list(loader) if isinstance(loader, (list, tuple)) else [loader]
