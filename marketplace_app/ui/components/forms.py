"""Form pieces for the dashboards: labelled fields and the inline refusal."""

from __future__ import annotations

import reflex as rx


def field_label(text: str, html_for: str) -> rx.Component:
    """The one label style: medium-weight small text, tied to its control by id."""
    return rx.el.label(rx.text(text, size="2", weight="medium"), html_for=html_for)


def labelled(label: str, control: rx.Component, *, hint: str | rx.Var = "", html_for: str = "") -> rx.Component:
    """A control with its label above and an optional one-line hint below."""
    return rx.vstack(
        field_label(label, html_for) if html_for
        else rx.text(label, size="2", weight="medium"),
        control,
        rx.text(hint, size="1", color_scheme="gray") if isinstance(hint, rx.Var) or hint else rx.fragment(),
        spacing="1", width="100%",
    )


def text_field(label: str, name: str, *, hint: str = "", **props) -> rx.Component:
    """A labelled text input that submits as `name` (its id is `name` too)."""
    return labelled(label, rx.input(id=name, name=name, width="100%", **props), hint=hint, html_for=name)


def money_field(label: str, name: str, currency: str | rx.Var, *, hint: str = "", placeholder: str = "50.00",
                **props) -> rx.Component:
    """An amount like "50.00" with the currency shown beside it."""
    return labelled(
        label,
        rx.input(rx.input.slot(currency, side="right"), id=name, name=name, placeholder=placeholder,
                 input_mode="decimal", width="100%", **props),
        hint=hint, html_for=name,
    )


def dialog_footer(*buttons: rx.Component, size: str = "3") -> rx.Component:
    """A dialog's buttons, right-aligned: Cancel (closes it) and then `buttons` (the last one confirms)."""
    return rx.flex(
        rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray", size=size)),
        *buttons,
        justify="end", spacing="3", width="100%", wrap="wrap",
    )


def alert_footer(action: rx.Component, *, keep: str = "Cancel") -> rx.Component:
    """A confirmation's buttons, right-aligned: `keep` backs out, `action` (a button or a `rx.cond`
    of buttons) goes ahead; both close the alert."""
    return rx.hstack(
        rx.alert_dialog.cancel(rx.button(keep, variant="soft", color_scheme="gray")),
        rx.alert_dialog.action(action),
        justify="end", spacing="3", margin_top="1rem",
    )


def choice_cards(choices: tuple[tuple[str, str, str], ...], *, value: rx.Var[str], on_change: rx.EventHandler,
                 id_prefix: str, columns: str | dict[str, str] = "3") -> rx.Component:
    """One choice of a few, each a card with a title and a hint: `(value, title, hint)` per choice;
    each card's id is `<id_prefix>-<value>`."""
    return rx.radio_cards.root(
        *[rx.radio_cards.item(rx.vstack(rx.text(title, weight="bold", size="2"),
                                        rx.text(hint, size="1", color_scheme="gray"),
                                        spacing="0", align="center"),
                              value=choice, id=f"{id_prefix}-{choice}")
          for choice, title, hint in choices],
        value=value, on_value_change=on_change, columns=columns, gap="2", width="100%", size="1",
    )


def inline_error(message: rx.Var[str], *, error_id: str) -> rx.Component:
    """The service's refusal, in its own words, inside the form."""
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert", width="100%", id=error_id),
    )
