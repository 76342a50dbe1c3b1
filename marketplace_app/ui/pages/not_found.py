"""The page for an address that does not exist: inside the dashboard shell for a signed-in user (so
the navigation is still there), in the centred layout otherwise, with a link back either way."""

from __future__ import annotations

import reflex as rx
from reflex import constants

from marketplace_app.ui import routes
from marketplace_app.ui.components.layout import PAGE_TITLE_SUFFIX, centered_page, shell
from marketplace_app.ui.components.nav import brand
from marketplace_app.ui.state.base import AppState
from marketplace_app.ui.theme import SOCIAL_IMAGE

TITLE = "Page not found"


@rx.page(route=constants.Page404.SLUG, title=TITLE + PAGE_TITLE_SUFFIX, image=SOCIAL_IMAGE,
         on_load=AppState.load_visitor)
def not_found() -> rx.Component:
    """The shell of the visitor's role around the message, or the sign-in layout when signed out."""
    return rx.match(
        AppState.user_role,
        *[(role, shell(role, _message(home, "Back to your dashboard"))) for role, home in routes.HOME_BY_ROLE.items()],
        centered_page(brand(), _message(routes.LOGIN, "Sign in")),
    )


def _message(href: str, label: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(TITLE, size="6", as_="h1"),
            rx.text("There is nothing at this address. It may have moved, or the link may be incomplete.",
                    color_scheme="gray"),
            rx.link(rx.icon("arrow-left", size=16), label, href=href, id="not-found-back",
                    display="inline-flex", align_items="center", gap="0.35rem", weight="medium"),
            spacing="3", align="start",
        ),
        width="100%", max_width="36rem", id="not-found",
    )
