"""Staff queues: KYC review and payouts to settle (the dispute queues live in `admin_disputes`)."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, page_header
from marketplace_app.ui.components.data import empty_state
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import confirm_dialog, reason_dialog, status_badge
from marketplace_app.ui.state.admin_queues import KycQueueState, PayoutQueueState


def _row(label: str, value: rx.Component | rx.Var | str) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label, min_width="7rem"), rx.data_list.value(value))


def _refresh(handler) -> rx.Component:
    return rx.button(rx.icon("refresh-cw", size=16), "Refresh", on_click=handler, variant="soft")


@dashboard_page(routes.ADMIN_KYC, "KYC queue", role="admin", on_load=KycQueueState.load)
def admin_kyc() -> rx.Component:
    """Pending identity checks, oldest first."""
    return rx.vstack(
        page_header("KYC queue", "Compare the declared identity with the document, then decide.",
                    _refresh(KycQueueState.load)),
        rx.cond(
            KycQueueState.loaded,
            rx.cond(KycQueueState.items.length() > 0,
                    rx.grid(rx.foreach(KycQueueState.items, _kyc_card), columns={"initial": "1", "lg": "2"},
                            spacing="4", width="100%", id="kyc-queue"),
                    empty_state("id-card", "Queue empty", "No submission is waiting for review.")),
            loading(),
        ),
        reason_dialog(open_=KycQueueState.rejecting.contains("id"), title="Reject this submission",
                      description=rx.text("Tell ", KycQueueState.rejecting["legal_name"],
                                          " what to fix; they can submit again."),
                      on_submit=KycQueueState.reject, on_close=KycQueueState.close_reject,
                      error=KycQueueState.reject_error, confirm="Reject", form_id="kyc-reject"),
        confirm_dialog(open_=KycQueueState.approving.contains("id"), title="Verify this identity?",
                       description=rx.text("Approve ", rx.text.strong(KycQueueState.approving["legal_name"]), " (",
                                           KycQueueState.approving["email"], ") as a verified operator: they can "
                                           "take paid work and be paid out."),
                       on_confirm=KycQueueState.approve, on_close=KycQueueState.close_approve, confirm="Approve",
                       confirm_id="kyc-approve-confirm"),
        document_dialog(),
        spacing="5", width="100%",
    )


def _kyc_card(item: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading(item["legal_name"], size="4"), rx.spacer(), rx.badge(item["country"], size="2"),
                      align="center", width="100%"),
            rx.data_list.root(
                _row("Account", rx.vstack(rx.text(item["display_name"]), rx.text(item["email"], size="1",
                                                                                  color_scheme="gray"),
                                          spacing="0")),
                _row("Date of birth", item["date_of_birth"]),
                _row("Document", rx.vstack(
                    rx.link(rx.hstack(rx.icon("file-image", size=14), rx.text(item["document"]), align="center",
                                      spacing="1"),
                            on_click=KycQueueState.show_document(item["id"]), cursor="pointer",
                            class_name="kyc-document"),
                    rx.text(item["document_kind"], size="1", color_scheme="gray"), spacing="0")),
                _row("Submitted", item["submitted"]),
                orientation={"initial": "vertical", "sm": "horizontal"}, size="2",
            ),
            rx.flex(
                rx.button(rx.icon("check", size=16), "Approve", on_click=KycQueueState.start_approve(item),
                          color_scheme="green", size="3", flex="1", class_name="kyc-approve"),
                rx.button(rx.icon("x", size=16), "Reject", on_click=KycQueueState.start_reject(item),
                          color_scheme="red", variant="soft", size="3", flex="1", class_name="kyc-reject"),
                spacing="3", width="100%",
            ),
            spacing="3", width="100%",
        ),
        width="100%", custom_attrs={"data-submission": item["id"]},
    )


def document_dialog() -> rx.Component:
    """The submitted image, large enough to read."""
    preview = KycQueueState.preview
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(preview["name"]),
            rx.image(src=preview["url"], alt="ID document", width="100%", border_radius="var(--radius-3)"),
            rx.flex(rx.dialog.close(rx.button("Close", variant="soft", size="3")), justify="end",
                    padding_top="1rem"),
            max_width="48rem",
        ),
        open=preview.contains("url"), on_open_change=KycQueueState.close_preview,
    )


@dashboard_page(routes.ADMIN_PAYOUTS, "Payouts", role="admin", on_load=PayoutQueueState.load)
def admin_payouts() -> rx.Component:
    """Payouts waiting for the manual provider, and the latest settled ones."""
    return rx.vstack(
        page_header("Payouts", "Send the money, then mark it paid; or mark it failed with a reason (the amount "
                               "returns to the operator's available balance).", _refresh(PayoutQueueState.load)),
        rx.cond(
            PayoutQueueState.loaded,
            rx.vstack(
                rx.heading("Waiting", size="4"),
                rx.cond(PayoutQueueState.waiting.length() > 0,
                        rx.vstack(rx.foreach(PayoutQueueState.waiting, _waiting_payout), spacing="3", width="100%",
                                  id="payouts-waiting"),
                        empty_state("banknote", "Nothing to pay", "No payout is waiting.")),
                rx.heading("Recently settled", size="4"),
                rx.cond(PayoutQueueState.recent.length() > 0,
                        rx.vstack(rx.foreach(PayoutQueueState.recent, _settled_payout), spacing="2", width="100%",
                                  id="payouts-settled"),
                        rx.text("None yet.", size="2", color_scheme="gray")),
                spacing="4", width="100%",
            ),
            loading(),
        ),
        reason_dialog(open_=PayoutQueueState.failing.contains("id"), title="Mark this payout failed",
                      description=rx.text(PayoutQueueState.failing["amount"], " to ",
                                          PayoutQueueState.failing["email"],
                                          " returns to their available balance with your reason."),
                      on_submit=PayoutQueueState.mark_failed, on_close=PayoutQueueState.close_fail,
                      error=PayoutQueueState.fail_error, confirm="Mark failed", form_id="payout-fail"),
        confirm_dialog(open_=PayoutQueueState.confirming_paid.contains("id"), title="Mark this payout paid?",
                       description=rx.text("Confirm you sent ", rx.text.strong(PayoutQueueState.confirming_paid[
                           "amount"]), " to ", rx.text.strong(PayoutQueueState.confirming_paid["display_name"]),
                           " (", PayoutQueueState.confirming_paid["email"], "). This settles the payout for good."),
                       on_confirm=PayoutQueueState.mark_paid, on_close=PayoutQueueState.close_paid,
                       confirm="Mark paid", confirm_id="payout-paid-confirm"),
        spacing="5", width="100%",
    )


def _waiting_payout(payout: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(
                rx.hstack(rx.heading(payout["amount"], size="5"), rx.badge(payout["provider"], variant="outline"),
                          align="center"),
                rx.text(payout["display_name"], " · ", payout["email"], size="2"),
                rx.text("Requested ", payout["requested"], " · ", payout["id"], size="1", color_scheme="gray"),
                spacing="1", flex="1", min_width="0",
            ),
            rx.flex(
                rx.button(rx.icon("check", size=16), "Mark paid", on_click=PayoutQueueState.start_paid(payout),
                          color_scheme="green", size="3", flex="1", class_name="payout-paid"),
                rx.button(rx.icon("x", size=16), "Mark failed", on_click=PayoutQueueState.start_fail(payout),
                          color_scheme="red", variant="soft", size="3", flex="1", class_name="payout-failed"),
                spacing="3", width=rx.breakpoints(initial="100%", sm="auto"),
            ),
            direction={"initial": "column", "sm": "row"}, spacing="3", align={"sm": "center"}, width="100%",
        ),
        width="100%", custom_attrs={"data-payout": payout["id"]},
    )


def _settled_payout(payout: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text(payout["amount"], weight="bold"), rx.text(payout["email"], size="2", color_scheme="gray"),
                      rx.spacer(), status_badge("payout", payout["status"]), align="center", width="100%", wrap="wrap"),
            rx.text("Settled ", payout["resolved"], size="1", color_scheme="gray"),
            rx.cond(payout["reason"] != "", rx.text("Reason: ", payout["reason"], size="2", color_scheme="red")),
            spacing="1", width="100%",
        ),
        width="100%",
    )
