"""Showing lists of things: tables that scroll sideways on phones, badges, pagers and empty states."""

from __future__ import annotations

import reflex as rx

REQUEST_STATUS_COLOURS = {
    "matching": "blue", "in_progress": "amber", "submitted": "violet", "needs_review": "orange",
    "completed": "green", "expired": "gray", "cancelled": "gray", "disputed": "red",
}
KEY_STATUS_COLOURS = {"active": "green", "rotating": "amber", "revoked": "red", "expired": "gray"}
POLICY_COLOURS = {"open": "green", "redacted": "blue", "sandboxed": "purple"}
ENDPOINT_STATUS_COLOURS = {"enabled": "green", "disabled": "red"}
DELIVERY_STATUS_COLOURS = {"pending": "amber", "delivered": "green", "failed": "red"}


def coloured_badge(value: rx.Var[str], colours: dict[str, str], **props) -> rx.Component:
    """A badge whose colour follows its value; underscores read as spaces."""
    return rx.match(
        value,
        *[(name, rx.badge(name.replace("_", " "), color_scheme=colour, **props)) for name, colour in colours.items()],
        rx.badge(value, color_scheme="gray", **props),
    )


def request_status_badge(status: rx.Var[str], **props) -> rx.Component:
    """A request's status."""
    return coloured_badge(status, REQUEST_STATUS_COLOURS, **props)


def mode_badge(mode: rx.Var[str]) -> rx.Component:
    """Live or test, so test keys and requests never pass for real ones."""
    return rx.cond(mode == "live", rx.badge("live", color_scheme="green", variant="solid"),
                   rx.badge("test", color_scheme="amber", variant="outline"))


def data_table(columns: tuple[str, ...], body: rx.Component, *, table_id: str, min_width: str = "48rem"
               ) -> rx.Component:
    """A table in a card that scrolls sideways when the screen is narrower than `min_width`."""
    return rx.card(
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(name) for name in columns])),
                rx.table.body(body),
                variant="ghost", size="2", width="100%", min_width=min_width, id=table_id,
            ),
            overflow_x="auto", width="100%",
        ),
        width="100%",
    )


def cell(value: rx.Component | rx.Var | str, column: str, **props) -> rx.Component:
    """A table cell tagged with its column (tests and scripts find values by `data-column`)."""
    return rx.table.cell(value, custom_attrs={"data-column": column}, **props)


def pager(page: rx.Var[int], has_more: rx.Var[bool], *, on_previous: rx.EventHandler, on_next: rx.EventHandler,
          previous_label: str = "Previous", next_label: str = "Next", pager_id: str = "pager") -> rx.Component:
    """Previous / page number / Next under a server-side paginated list."""
    return rx.hstack(
        rx.button(rx.icon("chevron-left", size=16), previous_label, on_click=on_previous, disabled=page <= 1,
                  variant="soft", color_scheme="gray", id=f"{pager_id}-previous"),
        rx.text("Page ", page, size="2", color_scheme="gray", id=f"{pager_id}-page"),
        rx.button(next_label, rx.icon("chevron-right", size=16), on_click=on_next, disabled=~has_more,
                  variant="soft", color_scheme="gray", id=f"{pager_id}-next"),
        justify="center", align="center", spacing="3", width="100%",
    )


def empty_state(icon: str, title: str, sentence: str, *actions: rx.Component) -> rx.Component:
    """What a list says when it has nothing in it yet."""
    return rx.card(
        rx.vstack(
            rx.center(rx.icon(icon, size=22), color=rx.color("accent", 11), background_color=rx.color("accent", 3),
                      border_radius="var(--radius-3)", width="2.75rem", height="2.75rem"),
            rx.text(title, weight="bold", size="3"),
            rx.text(sentence, color_scheme="gray", size="2", text_align="center"),
            *actions,
            align="center", spacing="2", padding="1.5rem 0.5rem",
        ),
        width="100%",
    )


def detail_list(items: rx.Var[list[dict[str, str]]]) -> rx.Component:
    """Label / value pairs that stack on phones."""
    return rx.data_list.root(
        rx.foreach(items, lambda item: rx.data_list.item(
            rx.data_list.label(item["label"], min_width="9rem"),
            rx.data_list.value(rx.text(item["value"], word_break="break-word")),
        )),
        orientation={"initial": "vertical", "sm": "horizontal"}, size="2", width="100%",
    )
