"""Showing lists of things: tables that turn into cards on phones, badges, pagers and empty states."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from marketplace_app.ui.components.common import loading

# Below this width a table of six or more columns shows one or two of them: items become cards.
TABLE_FROM = "sm"  # 48em, 768 px (Reflex's CSS breakpoints)
WIDE_ONLY = rx.breakpoints(initial="none", **{TABLE_FROM: "block"})
NARROW_ONLY = rx.breakpoints(initial="block", **{TABLE_FROM: "none"})


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
            # A box that scrolls must take the keyboard's focus, or arrow keys cannot reach its far columns.
            overflow_x="auto", width="100%", tab_index=0,
            custom_attrs={"role": "region", "aria-label": "Table (scrolls sideways)"},
        ),
        width="100%",
    )


def responsive_table(columns: tuple[str, ...], items: rx.Var[list], row: Callable[[rx.Var], rx.Component],
                     card: Callable[[rx.Var], rx.Component], *, table_id: str, min_width: str = "48rem"
                     ) -> rx.Component:
    """`items` as table rows on wide screens and as one card each on phones.

    Args:
        columns: The table's column headings.
        items: The list the page shows.
        row: Renders one item as a table row (cells made with `cell`).
        card: Renders the same item as a card (made with `record_card`).
        table_id: The table's id; the cards' list is `<table_id>-cards`.
        min_width: Below this the table scrolls sideways inside its card (tablets).

    Returns:
        Both layouts; CSS shows the one that fits the screen.
    """
    return rx.fragment(
        rx.box(data_table(columns, rx.foreach(items, row), table_id=table_id, min_width=min_width),
               display=WIDE_ONLY, width="100%"),
        rx.box(rx.vstack(rx.foreach(items, card), spacing="3", width="100%"),
               display=NARROW_ONLY, width="100%", id=f"{table_id}-cards"),
    )


def record_card(heading: rx.Component, *fields: tuple[str, rx.Component | rx.Var | str],
                footer: rx.Component | None = None, **props) -> rx.Component:
    """One item of a table as a card for phones: a heading, label / value lines and optional buttons."""
    return rx.card(
        rx.vstack(
            heading,
            rx.data_list.root(
                *[rx.data_list.item(rx.data_list.label(label, min_width="7rem"),
                                    rx.data_list.value(value, min_width="0", word_break="break-word"))
                  for label, value in fields],
                orientation="horizontal", size="2", width="100%",
            ),
            footer if footer is not None else rx.fragment(),
            spacing="3", width="100%",
        ),
        width="100%", **props,
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


def list_or_empty(loaded: rx.Var[bool], items: rx.Var[list], content: rx.Component, empty: rx.Component
                  ) -> rx.Component:
    """A spinner until the page has read, then `content` when `items` has any, else `empty`."""
    return rx.cond(loaded, rx.cond(items.length() > 0, content, empty), loading())


def empty_state(icon: str, title: str, sentence: rx.Var[str] | str, *actions: rx.Component, **props
                ) -> rx.Component:
    """The one empty state: what a list or a page says when it has nothing in it (yet).

    Args:
        icon: A Lucide icon name.
        title: A few words ("No disputes").
        sentence: What to expect or do next.
        *actions: Buttons or links under the sentence.
        **props: Given to the card (an `id` for tests).

    Returns:
        A card with the icon, the words and the actions, centred.
    """
    return rx.card(
        rx.vstack(
            rx.center(rx.icon(icon, size=22), color=rx.color("accent", 11), background_color=rx.color("accent", 3),
                      border_radius="var(--radius-3)", width="2.75rem", height="2.75rem"),
            rx.text(title, weight="bold", size="3"),
            rx.text(sentence, color_scheme="gray", size="2", text_align="center"),
            *actions,
            align="center", spacing="2", padding="1.5rem 0.5rem",
        ),
        width="100%", **props,
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
