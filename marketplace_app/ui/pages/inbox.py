"""The development inbox: the mail kept for the signed-in person instead of being sent (any role).
In production there is no such page: it says so, as any unknown address does."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, page_header
from marketplace_app.ui.components.layout import PAGE_TITLE_SUFFIX, shell
from marketplace_app.ui.components.mail import mail_list, opened_mail
from marketplace_app.ui.pages.not_found import TITLE as NOT_FOUND
from marketplace_app.ui.state.mail import InboxState
from marketplace_app.ui.theme import SOCIAL_IMAGE

TITLE = "Your mail (development)"


@rx.page(route=routes.INBOX, title=TITLE + PAGE_TITLE_SUFFIX, image=SOCIAL_IMAGE, on_load=InboxState.load)
def inbox() -> rx.Component:
    """Inside the shell of whichever role is signed in (the loader sends visitors to sign in)."""
    return rx.match(
        InboxState.user_role,
        *[(role, shell(role, _body())) for role in routes.HOME_BY_ROLE],
        loading("Checking your session…"),
    )


def _body() -> rx.Component:
    return rx.cond(
        InboxState.loaded,
        rx.cond(InboxState.available, _mail(), _not_here()),
        loading(),
    )


def _mail() -> rx.Component:
    return rx.vstack(
        page_header(TITLE, "In development no mail leaves this machine: what was sent to your address is kept "
                           "here instead. Links in a mail work as they would in your mail program.",
                    rx.button(rx.icon("refresh-cw", size=16), "Refresh", on_click=InboxState.load, variant="soft")),
        mail_list(InboxState, list_id="inbox", empty_sentence="Mail sent to your address appears here."),
        opened_mail(InboxState),
        spacing="5", width="100%",
    )


def _not_here() -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(NOT_FOUND, size="6", as_="h1"),
                  rx.text("There is nothing at this address.", color_scheme="gray"),
                  spacing="3", align="start"),
        width="100%", max_width="36rem", id="not-found",
    )
