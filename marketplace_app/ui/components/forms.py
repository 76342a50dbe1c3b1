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


def inline_error(message: rx.Var[str], *, error_id: str) -> rx.Component:
    """The service's refusal, in its own words, inside the form."""
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert", width="100%", id=error_id),
    )
