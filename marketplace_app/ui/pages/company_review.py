"""The company's review queue: unsure results to approve (the operator is paid) or reject with a
reason (the request goes to dispute)."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, notice, page_header
from marketplace_app.ui.components.data import empty_state
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import reason_dialog, status_badge
from marketplace_app.ui.state.company_review import CompanyReviewState, ReviewItem

State = CompanyReviewState


@dashboard_page(routes.COMPANY_REVIEW, "Review", role="company", on_load=State.load)
def company_review() -> rx.Component:
    """Results whose automatic verification was unsure."""
    return rx.vstack(
        page_header("Review", "Results the automatic checks were unsure about. Silence approves them when the "
                              "review window closes.",
                    rx.button(rx.icon("refresh-cw", size=16), "Refresh", on_click=State.refresh, variant="soft")),
        rx.cond(State.problem != "",
                rx.callout(State.problem, icon="triangle-alert", color_scheme="red", width="100%")),
        rx.cond(State.decided.length() > 0,
                rx.vstack(rx.foreach(State.decided, _decided), spacing="2", width="100%", id="review-decided")),
        rx.cond(
            State.loaded,
            rx.cond(State.items.length() > 0,
                    rx.vstack(rx.foreach(State.items, _review_card), spacing="4", width="100%", id="review-queue"),
                    empty_state("list-checks", "Nothing to review", "Every result passed or has been decided.")),
            loading(),
        ),
        rx.cond(State.more, rx.text("Showing the newest 50; decide these to see older ones.", size="2",
                                    color_scheme="gray")),
        rx.cond(~State.can_decide & (State.items.length() > 0),
                rx.text("Only company owners and admins can approve or reject.", size="2", color_scheme="gray")),
        reason_dialog(open_=State.rejecting.contains("id"), title="Reject this result",
                      description="The request goes to dispute and its escrow stays held until staff decide.",
                      on_submit=State.reject, on_close=State.close_reject, error=State.reject_error,
                      confirm="Reject", form_id="review-reject"),
        spacing="5", width="100%", max_width="56rem",
    )


def _decided(item: rx.Var[dict[str, str]]) -> rx.Component:
    return notice(
        rx.hstack(rx.text("Request "), rx.link(rx.code(item["id"]), href=routes.COMPANY_REQUESTS + "/" + item["id"]),
                  rx.text(" is now "), status_badge("request", item["status"]),
                  align="center", spacing="1", wrap="wrap"),
        icon="circle-check", color_scheme="green", width="100%", custom_attrs={"data-request": item["id"]},
    )


def _review_card(item: rx.Var[ReviewItem]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.badge(item.skill, variant="soft"), rx.text(item.price, weight="bold"), rx.spacer(),
                      rx.badge("score ", item.score, "/100", color_scheme="orange", size="2", class_name="score"),
                      align="center", width="100%", wrap="wrap"),
            rx.link(rx.heading(rx.cond(item.title != "", item.title, item.id), size="4"),
                    href=routes.COMPANY_REQUESTS + "/" + item.id, color="inherit"),
            rx.text(item.context, size="2", color_scheme="gray", white_space="pre-wrap"),
            rx.box(
                rx.text("Operator's answer", size="1", weight="bold", color_scheme="gray"),
                rx.text(item.answer, size="3", white_space="pre-wrap", class_name="answer"),
                rx.cond(item.proof_notes != "", rx.text("Notes: ", item.proof_notes, size="2", color_scheme="gray")),
                rx.text("Confidence ", item.confidence, " · ", item.files, " file(s)", size="1", color_scheme="gray"),
                padding="0.75rem", border_radius="var(--radius-3)", background_color=rx.color("gray", 3),
                width="100%",
            ),
            rx.cond(item.reasons.length() > 0,
                    rx.vstack(rx.text("Why the checks were unsure", size="1", weight="bold", color_scheme="gray"),
                              rx.el.ul(rx.foreach(item.reasons, lambda reason: rx.el.li(rx.text(reason, size="2"))),
                                       padding_left="1.25rem", margin="0", list_style_type="disc"),
                              spacing="1", width="100%")),
            rx.text("Submitted ", item.submitted, " · approved automatically at ", item.auto_approves, size="1",
                    color_scheme="gray"),
            rx.cond(State.can_decide, rx.flex(
                rx.button(rx.icon("check", size=16), "Approve", on_click=State.approve(item.id), color_scheme="green",
                          size="3", flex="1", loading=State.deciding == item.id, class_name="review-approve"),
                rx.button(rx.icon("x", size=16), "Reject", on_click=State.start_reject(item.id), color_scheme="red",
                          variant="soft", size="3", flex="1", class_name="review-reject"),
                spacing="3", width="100%",
            )),
            spacing="3", width="100%",
        ),
        width="100%", size="3", custom_attrs={"data-request": item.id},
    )
