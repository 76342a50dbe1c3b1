"""Requests: the filtered list and one request's detail with its timeline, result, cancel and rating."""

from __future__ import annotations

import reflex as rx

from marketplace_app.requests.models import RequestStatus
from marketplace_app.ui import routes
from marketplace_app.ui.components.common import live_badge, loading, notice, page_header
from marketplace_app.ui.components.data import (
    cell,
    detail_list,
    empty_state,
    mode_badge,
    pager,
    record_card,
    responsive_table,
)
from marketplace_app.ui.components.forms import alert_footer, inline_error, labelled
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import status_badge
from marketplace_app.ui.pages.company_disputes import dispute_button, dispute_section
from marketplace_app.ui.state.company_disputes import RequestDisputeState
from marketplace_app.ui.state.company_request import SCORES, RequestDetailState
from marketplace_app.ui.state.company_requests import ALL, OPEN, RequestsState
from marketplace_app.ui.state.request_result import ProofFile

COLUMNS = ("Request", "Status", "Skill", "Project", "Mode", "Max price", "Created")
STATUS_CHOICES = ((ALL, "All statuses"), (OPEN, "Open (not finished)"),
                  *[(status.value, status.value.replace("_", " ").capitalize()) for status in RequestStatus])


@dashboard_page(routes.COMPANY_REQUESTS, "Requests", role="company", on_load=RequestsState.load)
def requests_list() -> rx.Component:
    """The company's requests, newest first, 20 per page."""
    return rx.vstack(
        page_header("Requests", "Everything your agents asked for, newest first.", live_badge(RequestsState.live)),
        filters(),
        rx.cond(
            RequestsState.loaded,
            rx.cond(
                RequestsState.rows.length() > 0,
                rx.vstack(
                    responsive_table(COLUMNS, RequestsState.rows, _request_row, _request_card,
                                     table_id="requests-table", min_width="56rem"),
                    pager(RequestsState.page, RequestsState.has_more, on_previous=RequestsState.previous_page,
                          on_next=RequestsState.next_page, pager_id="requests-pager"),
                    spacing="3", width="100%",
                ),
                empty_state("inbox", "No requests here", "Nothing matches these filters yet. Agents create "
                            "requests with a project key through the API."),
            ),
            loading(),
        ),
        spacing="5", width="100%",
    )


def filters() -> rx.Component:
    """Status, skill and project filters; each change reads the first page again."""
    state = RequestsState
    return rx.flex(
        _filter("Status", "filter-status", state.status_filter, state.set_status_filter,
                *[rx.select.item(label, value=value) for value, label in STATUS_CHOICES]),
        _filter("Skill", "filter-skill", state.skill_filter, state.set_skill_filter,
                rx.select.item("All skills", value=ALL),
                rx.foreach(state.skills, lambda skill: rx.select.item(skill["title"], value=skill["name"]))),
        _filter("Project", "filter-project", state.project_filter, state.set_project_filter,
                rx.select.item("All projects", value=ALL),
                rx.foreach(state.projects, lambda project: rx.select.item(project["name"], value=project["id"]))),
        direction={"initial": "column", "sm": "row"}, spacing="3", width="100%",
    )


def _filter(label: str, select_id: str, value: rx.Var[str], on_change: rx.EventHandler, *items: rx.Component
            ) -> rx.Component:
    # The trigger is a combobox: its name is the filter, the value it shows is read as its value.
    trigger = rx.select.trigger(width="100%", min_width="12rem", id=select_id, aria_label=label)
    return labelled(label, rx.select.root(trigger, rx.select.content(*items), value=value, on_change=on_change),
                    html_for=select_id)


def _request_row(row: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(_request_link(row), max_width="22rem"),
        cell(status_badge("request", row["status"]), "status"),
        cell(row["skill"], "skill"),
        cell(row["project"], "project"),
        cell(mode_badge(row["mode"]), "mode"),
        cell(rx.text(row["price"], white_space="nowrap"), "price"),
        cell(rx.text(row["created"], white_space="nowrap"), "created"),
        align="center", custom_attrs={"data-request": row["id"]},
    )


def _request_card(row: rx.Var[dict[str, str]]) -> rx.Component:
    return record_card(
        _request_link(row),
        ("Status", status_badge("request", row["status"])),
        ("Skill", row["skill"]),
        ("Project", row["project"]),
        ("Mode", mode_badge(row["mode"])),
        ("Max price", row["price"]),
        ("Created", row["created"]),
        custom_attrs={"data-request-card": row["id"]},
    )


def _request_link(row: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.link(
        rx.vstack(rx.text(row["label"], weight="medium", size="2"),
                  rx.code(row["id"], size="1", variant="ghost", color_scheme="gray", word_break="break-all"),
                  spacing="0"),
        href=routes.COMPANY_REQUESTS + "/" + row["id"], underline="hover", color="inherit",
    )


@dashboard_page(routes.COMPANY_REQUEST, "Request", role="company",
                on_load=[RequestDetailState.load, RequestDisputeState.load])
def request_detail() -> rx.Component:
    """One request: fields, timeline, result and operator, cancel and rate."""
    return rx.vstack(
        rx.link(rx.icon("arrow-left", size=14), "All requests", href=routes.COMPANY_REQUESTS, size="2",
                display="inline-flex", align_items="center", gap="0.25rem"),
        rx.cond(
            RequestDetailState.loaded,
            rx.cond(RequestDetailState.found, detail_body(),
                    rx.box(empty_state("search-x", "Request not found", RequestDetailState.missing),
                           id="request-missing", width="100%")),
            loading(),
        ),
        spacing="4", width="100%",
    )


def detail_body() -> rx.Component:
    """The request, once read."""
    state = RequestDetailState
    return rx.vstack(
        page_header(rx.cond(state.title != "", state.title, "Request"), state.shown_id,
                    status_badge("request", state.status, size="3", id="request-status"), live_badge(state.live),
                    rx.cond(state.can_cancel, cancel_button()), dispute_button()),
        rx.cond(state.status == "needs_review", notice(
            rx.text("The automatic checks were unsure about this result. ",
                    rx.link("Approve or reject it in Review", href=routes.COMPANY_REVIEW), "."),
            icon="clipboard-check", color_scheme="orange", width="100%")),
        dispute_section(),
        rx.grid(
            rx.vstack(
                rx.card(rx.heading("Context", size="3", margin_bottom="0.5rem"),
                        rx.text(state.context, white_space="pre-wrap", size="2", id="request-context"), width="100%"),
                timeline_card(),
                rx.cond(state.has_result, result_card()),
                rx.cond(state.human.length() > 0, rx.card(
                    rx.heading("Operator", size="3", margin_bottom="0.5rem"), detail_list(state.human),
                    width="100%", id="request-operator")),
                rx.cond(state.rating != "", rx.card(rx.heading("Your rating", size="3"),
                                                    rx.text(state.rating, size="2"), width="100%")),
                rx.cond(state.can_rate, rate_card()),
                spacing="4", width="100%",
            ),
            rx.card(rx.heading("Details", size="3", margin_bottom="0.5rem"), detail_list(state.fields), width="100%"),
            columns={"initial": "1", "md": "2"}, spacing="4", width="100%",
        ),
        spacing="5", width="100%",
    )


def cancel_button() -> rx.Component:
    """Cancel a matching request, once confirmed; its escrow comes back."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(rx.icon("circle-x", size=16), "Cancel request", color_scheme="red",
                                          variant="soft", loading=RequestDetailState.busy, id="cancel-request")),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Cancel this request?"),
            rx.alert_dialog.description("No operator has taken it yet. Its max price goes back to your available "
                                        "credit.", size="2"),
            alert_footer(rx.button("Cancel request", color_scheme="red", on_click=RequestDetailState.cancel,
                                   id="confirm-cancel"), keep="Keep it"),
            max_width="28rem",
        ),
    )


def timeline_card() -> rx.Component:
    """Every status change, oldest first, as a vertical line of dots."""
    return rx.card(
        rx.heading("Timeline", size="3", margin_bottom="0.75rem"),
        rx.vstack(rx.foreach(RequestDetailState.timeline, _timeline_entry), spacing="0", width="100%",
                  id="request-timeline"),
        width="100%",
    )


def _timeline_entry(line: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.box(width="0.75rem", height="0.75rem", border_radius="9999px", background_color=rx.color("accent", 9),
                   flex_shrink="0"),
            rx.box(width="2px", flex="1", min_height="1.5rem", background_color=rx.color("gray", 5)),
            align="center", spacing="1", padding_top="0.3rem", align_self="stretch",
        ),
        rx.vstack(
            rx.hstack(status_badge("request", line["status"]), rx.text(line["at"], size="1", color_scheme="gray"),
                      align="center", wrap="wrap"),
            rx.hstack(rx.text(line["note"], size="1", color_scheme="gray"),
                      rx.badge(line["actor"], variant="outline", color_scheme="gray", size="1"),
                      align="center", spacing="2", wrap="wrap"),
            spacing="1", padding_bottom="0.75rem",
        ),
        align="start", spacing="3", width="100%", custom_attrs={"data-status": line["status"]},
    )


def result_card() -> rx.Component:
    """What the operator delivered: the answer, confidence, the automatic check and the proof files."""
    result = RequestDetailState.result
    return rx.card(
        rx.vstack(
            rx.heading("Result", size="3"),
            rx.box(rx.cond(result.answer_is_json,
                           rx.el.pre(result.answer, white_space="pre-wrap", word_break="break-word", margin="0",
                                     font_size="0.8rem"),
                           rx.text(result.answer, white_space="pre-wrap", size="2")),
                   padding="0.75rem", background_color=rx.color("gray", 2), border_radius="var(--radius-3)",
                   overflow_x="auto", width="100%", id="request-result"),
            rx.cond(result.confidence != "", rx.text(rx.text.strong("Operator's confidence: "), result.confidence,
                                                     size="2", id="result-confidence")),
            rx.cond(result.verification != "", rx.text(result.verification, size="2", id="result-verification")),
            rx.cond(result.proof_notes != "", rx.text(rx.text.strong("Notes: "), result.proof_notes, size="2",
                                                      white_space="pre-wrap")),
            rx.cond(result.files.length() > 0, proof_files()),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def proof_files() -> rx.Component:
    """Each proof file: images as thumbnails that open full size, other files as links."""
    return rx.vstack(
        rx.text(rx.text.strong("Proof files"), rx.text.span(" — links work for a few minutes; reload for fresh ones",
                                                          color_scheme="gray"), size="2"),
        rx.flex(rx.foreach(RequestDetailState.result.files, _proof_file), wrap="wrap", gap="0.75rem",
                width="100%"),
        spacing="2", width="100%", id="result-files",
    )


def _proof_file(file: rx.Var[ProofFile]) -> rx.Component:
    caption = rx.text(file.name, " · ", file.kind, " · ", file.size, size="1", color_scheme="gray",
                      word_break="break-all")
    return rx.cond(
        file.is_image,
        rx.link(rx.vstack(rx.image(src=file.url, alt="Proof photo: " + file.name, width="8rem", height="8rem",
                                   object_fit="cover", border_radius="var(--radius-2)", class_name="proof-thumbnail"),
                          caption, spacing="1", max_width="8rem"),
                href=file.url, is_external=True, color="inherit"),
        rx.link(rx.icon("file-text", size=16), file.name, href=file.url, is_external=True, size="2",
                display="inline-flex", align_items="center", gap="0.25rem", class_name="proof-link"),
    )


def rate_card() -> rx.Component:
    """1 to 5 stars and a comment, once."""
    state = RequestDetailState
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Rate this result", size="3"),
                inline_error(state.rate_error, error_id="rate-error"),
                rx.hstack(*[rx.icon_button(
                    rx.icon("star", size=22, fill=rx.cond(state.score >= score, "currentColor", "none")),
                    type="button", variant="ghost", color_scheme="amber", on_click=state.set_score(score),
                    aria_label=f"{score} star" + ("s" if score > 1 else ""), id=f"star-{score}",
                ) for score in SCORES], spacing="1"),
                labelled("Comment (optional)", rx.text_area(name="comment", id="rating-comment", max_length=500,
                                                            rows="3", width="100%"), html_for="rating-comment"),
                rx.button("Save rating", type="submit", id="rate-submit"),
                spacing="3", width="100%",
            ),
            on_submit=state.rate, reset_on_submit=False, width="100%",
        ),
        width="100%",
    )
