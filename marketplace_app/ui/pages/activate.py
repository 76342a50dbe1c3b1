"""`/activate/[token]`: the page an agent's activation mail links to (public, desktop and phone)."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, notice
from marketplace_app.ui.components.forms import inline_error
from marketplace_app.ui.components.layout import PAGE_TITLE_SUFFIX, centered_page
from marketplace_app.ui.components.nav import brand
from marketplace_app.ui.state.activate import ActivateState
from marketplace_app.ui.theme import SOCIAL_IMAGE


@rx.page(route=routes.ACTIVATE_AGENT, title="Activate your agent" + PAGE_TITLE_SUFFIX, image=SOCIAL_IMAGE,
         on_load=ActivateState.load)
def activate_agent() -> rx.Component:
    """The agent, its owner e-mail and fee, the terms box and the Activate button, or why the link is dead."""
    return centered_page(
        brand(),
        rx.card(
            rx.cond(
                ActivateState.loaded,
                rx.cond(ActivateState.link_error != "", dead_link(), activation_form()),
                loading("Checking the link…"),
            ),
            size="4", width="100%",
        ),
    )


def activation_form() -> rx.Component:
    """What is activated, for whom, at what cost; the terms and the button."""
    return rx.vstack(
        rx.heading("Activate your agent", size="6"),
        rx.data_list.root(
            fact("Agent", rx.text(ActivateState.agent_name, weight="bold", id="agent-name")),
            fact("Handle", rx.code("@" + ActivateState.handle, id="agent-handle")),
            fact("Owner e-mail", rx.text(ActivateState.owner_email, id="owner-email")),
            fact("Activation fee", rx.text(rx.cond(ActivateState.free, "Free (your first agent)",
                                                   ActivateState.fee + ", from your organisation's credits"),
                                           id="activation-fee")),
            orientation={"initial": "vertical", "sm": "horizontal"}, width="100%",
        ),
        inline_error(ActivateState.error, error_id="activate-error"),
        rx.hstack(
            rx.checkbox(checked=ActivateState.accepted, on_change=ActivateState.set_accepted, id="accept-terms",
                        size="3"),
            rx.text(rx.el.label("I accept the ", html_for="accept-terms"),
                    rx.link("terms of service", href=ActivateState.terms_url, is_external=True), ".", size="2"),
            align="center", spacing="2",
        ),
        rx.button("Activate", on_click=ActivateState.activate, size="3", width="100%", loading=ActivateState.busy,
                  disabled=~ActivateState.accepted, id="activate-submit"),
        rx.text("The API key is e-mailed to the owner after activation; it is never shown on a page.",
                size="1", color_scheme="gray"),
        spacing="4", width="100%",
    )


def fact(label: str, value: rx.Component) -> rx.Component:
    """One labelled line."""
    return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))


def dead_link() -> rx.Component:
    """A used, expired or unknown link: why, and what to do."""
    return rx.vstack(
        rx.heading("This link cannot be used", size="6"),
        notice(rx.text(ActivateState.link_error), rx.text("If the agent is already active, sign in to manage it."),
               icon="link-2-off", color_scheme="amber", id="link-error"),
        rx.link(rx.button("Sign in", size="3", width="100%"), href=routes.LOGIN, width="100%"),
        spacing="4", width="100%",
    )
