"""How a dispute looks on every dashboard: its status, tier, rulings with their reasoning, jury
result, refund, deadline and history; and a text area that counts its characters."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui.components.common import notice
from marketplace_app.ui.components.status import status_badge
from marketplace_app.ui.state.disputes import DisputeSummary


def counted_text_area(*, name: str, area_id: str, maximum: int, length: rx.Var[int], on_change: rx.EventHandler,
                      placeholder: str = "", rows: str = "4", required: bool = True) -> rx.Component:
    """A text area with "120 / 1000" under it (the browser stops typing at the limit)."""
    return rx.vstack(
        rx.text_area(name=name, id=area_id, max_length=maximum, rows=rows, width="100%", required=required,
                     placeholder=placeholder, on_change=on_change),
        rx.text(length, f" / {maximum:,}", size="1", align="right", width="100%",
                color_scheme=rx.cond(length >= maximum, "red", "gray"), id=f"{area_id}-count"),
        spacing="1", width="100%",
    )


def _line(label: str, value: rx.Component | rx.Var | str) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label, min_width="8rem"),
                             rx.data_list.value(value if isinstance(value, rx.Component) else rx.text(value)))


def dispute_summary(dispute: rx.Var[DisputeSummary]) -> rx.Component:
    """Status, tier, the outcome so far and the deadline, as label / value lines."""
    return rx.vstack(
        rx.flex(
            status_badge("dispute", dispute["status"], size="3", class_name="dispute-status"),
            rx.badge(dispute["tier"], variant="outline", size="2", class_name="dispute-tier"),
            rx.cond(dispute["small_claims"], rx.badge("small claim", color_scheme="gray", size="2")),
            spacing="2", wrap="wrap", align="center",
        ),
        notice(rx.text(rx.text.strong("What happens next: "), dispute["next_step"]), icon="info",
               color_scheme="blue", width="100%", id="dispute-next-step"),
        rx.cond(dispute["resolution"] != "", notice(
            rx.text("Resolved: ", rx.text.strong(dispute["resolution"]),
                    rx.cond(dispute["refund_words"] != "", rx.text.span(" · ", dispute["refund_words"]))),
            icon="circle-check", color_scheme="green", width="100%", class_name="dispute-resolution")),
        rx.cond(dispute["time_left"] != "", notice(
            rx.text(dispute["deadline_label"], " ", dispute["deadline"], " · ",
                    rx.cond(dispute["time_left"] == "over", "due now",
                            rx.text.span(rx.text.strong(dispute["time_left"]), " left"))),
            icon="timer", color_scheme="amber", width="100%", class_name="dispute-deadline")),
        rx.data_list.root(
            _line("Current ruling", rx.cond(dispute["ruling"] != "", rx.text(
                dispute["ruling"], rx.cond(dispute["ruling_refund_words"] != "",
                                           rx.text.span(" · ", dispute["ruling_refund_words"])),
                class_name="dispute-ruling"), rx.text("—"))),
            _line("Jury result", rx.text(rx.cond(dispute["jury_result"] != "", dispute["jury_result"], "—"),
                                         class_name="dispute-jury")),
            _line("Price", dispute["price"]),
            _line("Opened", dispute["opened"]),
            _line("Settlement offer", rx.cond(dispute["offer"] != "", rx.text(
                dispute["offer"], " refund, offered by the ", dispute["offer_by"], class_name="dispute-offer"),
                rx.text("—"))),
            orientation={"initial": "vertical", "sm": "horizontal"}, size="2", width="100%",
        ),
        spacing="3", width="100%",
    )


def statements(dispute: rx.Var[DisputeSummary]) -> rx.Component:
    """The company's complaint and the operator's statement."""
    return rx.grid(
        _quote("Why it was disputed", dispute["reason"], "dispute-reason"),
        _quote("The operator's statement", rx.cond(dispute["operator_statement"] != "",
                                                  dispute["operator_statement"], "No statement yet."),
               "dispute-statement"),
        columns={"initial": "1", "md": "2"}, spacing="3", width="100%",
    )


def _quote(title: str, text: rx.Var | str, class_name: str) -> rx.Component:
    return rx.box(
        rx.text(title, size="1", weight="bold", color_scheme="gray"),
        rx.text(text, size="2", white_space="pre-wrap", word_break="break-word", class_name=class_name),
        padding="0.75rem", border_radius="var(--radius-3)", background_color=rx.color("gray", 2), width="100%",
    )


def rulings_list(rulings: rx.Var[list[dict[str, str]]]) -> rx.Component:
    """Every ruling so far, with its reasoning."""
    return rx.vstack(
        rx.text("Rulings", size="2", weight="bold"),
        rx.foreach(rulings, lambda ruling: rx.box(
            rx.flex(rx.badge(ruling["tier"], variant="soft", size="1"), rx.text(ruling["ruling"], weight="bold",
                                                                                size="2"),
                    rx.cond(ruling["refund"] != "", rx.text(ruling["refund"], size="2")),
                    rx.text(ruling["at"], size="1", color_scheme="gray"),
                    spacing="2", wrap="wrap", align="center"),
            rx.text(ruling["reasoning"], size="2", color_scheme="gray", white_space="pre-wrap",
                    word_break="break-word"),
            padding_left="0.75rem", border_left=f"3px solid {rx.color('accent', 7)}", width="100%",
            class_name="dispute-ruling-entry",
        )),
        spacing="2", width="100%",
    )


def history_list(history: rx.Var[list[dict[str, str]]]) -> rx.Component:
    """Every step, oldest first, folded away until asked for."""
    return rx.el.details(
        rx.el.summary(rx.text("History", size="2", weight="bold", as_="span"), cursor="pointer"),
        rx.vstack(
            rx.foreach(history, lambda step: rx.vstack(
                rx.flex(rx.text(step["kind"], weight="medium", size="2"),
                        rx.badge(step["actor"], variant="outline", color_scheme="gray", size="1"),
                        rx.cond(step["tiers"] != "", rx.text(step["tiers"], size="1", color_scheme="gray")),
                        rx.text(step["at"], size="1", color_scheme="gray"),
                        spacing="2", wrap="wrap", align="center"),
                rx.cond(step["text"] != "", rx.text(step["text"], size="1", color_scheme="gray",
                                                    white_space="pre-wrap", word_break="break-word")),
                spacing="0", width="100%",
            )),
            spacing="2", width="100%", padding_top="0.5rem",
        ),
        width="100%", class_name="dispute-history",
    )


def dispute_panel(dispute: rx.Var[DisputeSummary], rulings: rx.Var[list[dict[str, str]]],
                  history: rx.Var[list[dict[str, str]]]) -> rx.Component:
    """The whole dispute, for reading: summary, both sides, rulings and history."""
    return rx.vstack(
        dispute_summary(dispute), statements(dispute),
        rx.cond(rulings.length() > 0, rulings_list(rulings)),
        history_list(history),
        spacing="4", width="100%",
    )
