"""Small display helpers shared by the pages."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.forms import alert_footer
from marketplace_app.ui.state.base import AppState


def page_header(title: str, subtitle: str = "", *actions: rx.Component) -> rx.Component:
    """A page title with a one-line explanation and optional buttons on the right."""
    return rx.flex(
        rx.vstack(rx.heading(title, size="7", weight="bold"), rx.text(subtitle, color_scheme="gray", size="3"),
                  spacing="1"),
        rx.spacer(),
        rx.hstack(*actions, spacing="2"),
        direction={"initial": "column", "sm": "row"}, gap="3", width="100%", align={"sm": "end"},
    )


def welcome_header() -> rx.Component:
    """Greets the signed-in user by name, with their e-mail and role."""
    return rx.card(
        rx.hstack(
            rx.avatar(fallback=AppState.user_initial, size="5", radius="full"),
            rx.vstack(
                rx.heading("Welcome, ", AppState.user_name, size="6", id="welcome-name"),
                rx.hstack(rx.text(AppState.user_email, color_scheme="gray", size="2"),
                          rx.badge(AppState.role_label, variant="soft", size="2", id="role-badge"),
                          align="center", wrap="wrap"),
                spacing="2",
            ),
            align="center", spacing="4",
        ),
        width="100%", size="3",
    )


def next_steps(title: str, *steps: tuple[str, str, str]) -> rx.Component:
    """An honest list of what this dashboard will offer: (icon, heading, sentence) per step."""
    return rx.vstack(
        rx.heading(title, size="4"),
        rx.grid(*[_step(*step) for step in steps], columns={"initial": "1", "md": "2"}, spacing="4", width="100%"),
        spacing="3", width="100%",
    )


def _step(icon: str, heading: str, sentence: str) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.center(rx.icon(icon, size=18), color=rx.color("accent", 11), background_color=rx.color("accent", 3),
                      border_radius="var(--radius-3)", min_width="2.25rem", height="2.25rem"),
            rx.vstack(rx.hstack(rx.text(heading, weight="bold", size="3"),
                                rx.badge("coming soon", variant="outline", color_scheme="gray", size="1"),
                                align="center", wrap="wrap"),
                      rx.text(sentence, color_scheme="gray", size="2"), spacing="1"),
            align="start", spacing="3",
        ),
        width="100%",
    )


def stat(label: str, value: rx.Var | str, hint: rx.Var | str = "") -> rx.Component:
    """A labelled number in a card."""
    return rx.card(
        rx.vstack(rx.text(label, size="2", color_scheme="gray", weight="medium"),
                  rx.heading(value, size="6"),
                  rx.text(hint, size="1", color_scheme="gray"),
                  spacing="1"),
        width="100%",
    )


def notice(*children: rx.Component | rx.Var | str, icon: str, **props) -> rx.Component:
    """A callout whose body may hold paragraphs, links and buttons.

    `rx.callout` puts its body in a `<p>`, and a `<p>` may not hold another `<p>` or a `<div>`
    (browsers split it and React warns), so the body here is a `<div>` with the callout's colours.
    """
    return rx.callout.root(rx.callout.icon(rx.icon(icon)),
                           rx.callout.text(*children, custom_attrs={"as": "div"}), **props)


def loading(label: str = "Loading…") -> rx.Component:
    """A centred spinner while the page checks the session or fetches data."""
    return rx.center(rx.hstack(rx.spinner(size="3"), rx.text(label, color_scheme="gray"), align="center"),
                     width="100%", padding="4rem 0")


def live_badge(live: rx.Var[bool]) -> rx.Component:
    """A green dot and "Real-time" while the page follows events as they happen (not "Live", which
    the company dashboard's Test / Live switch means)."""
    return rx.cond(
        live,
        rx.badge(rx.box(width="0.45rem", height="0.45rem", border_radius="9999px",
                        background_color=rx.color("green", 9)),
                 "Real-time", color_scheme="green", variant="soft", radius="full", id="live-indicator",
                 # Radix's soft green text reads at 4.28:1 on its tint; the high-contrast shade passes AA.
                 high_contrast=True,
                 title="This page updates by itself as events happen"),
    )


def show_once_dialog(state: type, *, title: str, warning: str, id_prefix: str) -> rx.Component:
    """The show-once secret dialog for a `ShowOnceSecret` state: the secret, a note, Copy and done.
    Element ids are `<id_prefix>`, `<id_prefix>-note`, `copy-<id_prefix>` and `<id_prefix>-done`."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(title),
            rx.vstack(
                rx.callout(warning, icon="triangle-alert", color_scheme="amber", width="100%"),
                rx.box(rx.code(state.secret, size="3", id=id_prefix, word_break="break-all"),
                       padding="0.75rem", border_radius="var(--radius-3)", background_color=rx.color("gray", 3),
                       width="100%"),
                rx.cond(state.secret_note != "",
                        rx.callout(state.secret_note, icon="info", width="100%", id=f"{id_prefix}-note")),
                rx.hstack(
                    rx.button(rx.icon("copy", size=16), "Copy", variant="soft", on_click=state.copy_secret,
                              id=f"copy-{id_prefix}"),
                    rx.dialog.close(rx.button("I have stored it", id=f"{id_prefix}-done")),
                    justify="end", width="100%", spacing="3",
                ),
                spacing="4", width="100%",
            ),
            max_width="36rem", width="100%",
        ),
        open=state.secret_open, on_open_change=state.set_secret_open,
    )


def confirm_action_dialog(state: type, *, destructive: str, titles: tuple[str, str],
                          texts: tuple[rx.Component, rx.Component], buttons: tuple[str, str],
                          action_id: str) -> rx.Component:
    """The question a `ConfirmAction` state asks before one of its two row actions: the
    `destructive` one (red, cannot be undone) or the other (a rotation). Each pair is
    (destructive, other); the confirming button's id is `action_id`."""
    chosen = state.confirm_action == destructive
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(rx.cond(chosen, *titles)),
            rx.alert_dialog.description(rx.cond(chosen, *texts), size="2", word_break="break-word"),
            alert_footer(rx.cond(
                chosen,
                rx.button(buttons[0], color_scheme="red", on_click=state.confirm, id=action_id),
                rx.button(buttons[1], on_click=state.confirm, id=action_id),
            )),
            max_width="30rem",
        ),
        open=state.confirm_open, on_open_change=state.set_confirm_open,
    )


def project_first(what: str) -> rx.Component:
    """What a company page says when there is no project yet: "<what> belong(s) to a project.
    Create a project first." (`what` is the sentence's start, e.g. "A key belongs")."""
    return notice(rx.text(f"{what} to a project. ", rx.link("Create a project", href=routes.COMPANY_PROJECTS),
                          " first."), icon="info", width="100%")
