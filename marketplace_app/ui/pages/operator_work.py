"""The operator's live feed, their work list and the task page (accept, proof, submit, result)."""

from __future__ import annotations

import reflex as rx

from marketplace_app.ui import routes
from marketplace_app.ui.components.common import loading, notice, page_header
from marketplace_app.ui.components.data import empty_state
from marketplace_app.ui.components.forms import choice_cards, field_label
from marketplace_app.ui.components.layout import dashboard_page
from marketplace_app.ui.components.status import status_badge, upload_zone
from marketplace_app.ui.state.operator_work import FEED_REFRESH_MS, PROOF_UPLOAD_ID, FeedState, TaskState, WorkState

META_ROW = {"wrap": "wrap", "column_gap": "1rem", "row_gap": "0.25rem", "color": rx.color("gray", 11)}
BULLETS = {"padding_left": "1.25rem", "margin": "0", "list_style_type": "disc"}
CONFIDENCE_CHOICES = (("low", "Low", "I am unsure"), ("medium", "Medium", "Probably right"),
                      ("high", "High", "I checked it"))


@dashboard_page(routes.OPERATOR_FEED, "Feed", role="operator", on_load=FeedState.load)
def operator_feed() -> rx.Component:
    """Matching requests, refreshed every few seconds while the page is open."""
    return rx.vstack(
        page_header("Live feed", "Requests that match your skills, most urgent first."),
        live_indicator(),
        rx.cond(
            FeedState.loaded,
            rx.cond(
                FeedState.blocked != "",
                notice(
                    rx.vstack(rx.text(FeedState.blocked),
                              rx.link("Open your profile", href=routes.OPERATOR_PROFILE, weight="bold"),
                              spacing="1"),
                    icon="lock", color_scheme="amber", width="100%", id="feed-blocked"),
                rx.cond(FeedState.items.length() > 0,
                        rx.vstack(rx.foreach(FeedState.items, feed_card), spacing="3", width="100%", id="feed"),
                        empty_state("radio-tower", "Nothing for you right now",
                                   "New requests for your skills appear here by themselves; keep this page open.",
                                   id="feed-empty")),
            ),
            loading(),
        ),
        spacing="4", width="100%", max_width="44rem",
    )


def live_indicator() -> rx.Component:
    """A green dot while the feed follows new requests as they come, and the slow timer that counts time down."""
    return rx.hstack(
        rx.box(width="0.5rem", height="0.5rem", border_radius="9999px",
               background_color=rx.cond(FeedState.live, rx.color("green", 9), rx.color("gray", 8))),
        rx.text(rx.cond(FeedState.live, "Live", "Connecting"), " · updated ", FeedState.refreshed_at, size="1",
                color_scheme="gray"),
        rx.moment(interval=FEED_REFRESH_MS, format="HH:mm:ss", on_change=FeedState.tick, display="none"),
        align="center", spacing="2", id="feed-live",
        custom_attrs={"data-live": rx.cond(FeedState.live, "true", "false")},
    )


def feed_card(item: rx.Var[dict[str, str]]) -> rx.Component:
    """One open request with its reward, urgency, time left and the accept button."""
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.flex(rx.badge(item["skill"], size="2", variant="soft"),
                        rx.badge(rx.icon("zap", size=12), item["urgency"], size="2", color_scheme="orange",
                                 variant="soft"),
                        spacing="2", wrap="wrap", min_width="0"),
                rx.heading(item["reward"], size="5", white_space="nowrap", class_name="reward"),
                justify="between", align="start", spacing="3", width="100%",
            ),
            rx.cond(item["title"] != "", rx.text(item["title"], weight="bold", size="3")),
            rx.cond(item["notice"] != "",
                    rx.callout(item["notice"], icon="eye-off", color_scheme="gray", size="1", width="100%"),
                    rx.text(item["context"], size="2", white_space="pre-wrap", class_name="context")),
            rx.cond(item["location"] != "", rx.hstack(rx.icon("map-pin", size=14), rx.text(item["location"], size="2"),
                                                      align="center", spacing="1")),
            rx.flex(
                _meta("timer", rx.text("Accept within ", rx.text.strong(item["time_left"]))),
                _meta("hourglass", rx.text(item["duration"], " of work")),
                rx.cond(item["proof_count"] != "0", _meta("list-checks", rx.text(item["proof_count"], " proof items"))),
                **META_ROW,
            ),
            rx.flex(
                rx.button(rx.icon("hand", size=18), "Accept", on_click=FeedState.accept(item["id"]), size="3",
                          flex="1", class_name="accept"),
                rx.link(rx.button("Details", variant="soft", size="3", width="100%"),
                        href=routes.OPERATOR_WORK + "/" + item["id"], flex="1"),
                spacing="3", width="100%",
            ),
            spacing="3", width="100%",
        ),
        width="100%", size="2", custom_attrs={"data-request": item["id"]},
    )


def _meta(icon: str, text: rx.Component) -> rx.Component:
    return rx.hstack(rx.icon(icon, size=14), rx.box(text, font_size="var(--font-size-2)"), align="center",
                     spacing="1")


@dashboard_page(routes.OPERATOR_WORK, "My work", role="operator", on_load=WorkState.load)
def operator_work() -> rx.Component:
    """Every task the operator accepted, with its status and outcome."""
    return rx.vstack(
        page_header("My work", "Tasks you accepted, newest first."),
        rx.cond(
            WorkState.loaded,
            rx.cond(WorkState.items.length() > 0,
                    rx.vstack(rx.foreach(WorkState.items, work_row), spacing="3", width="100%", id="work-list"),
                    empty_state("clipboard-list", "No work yet", "Accept a request from the feed to start.",
                               rx.link(rx.button("Open the feed", size="3"), href=routes.OPERATOR_FEED))),
            loading(),
        ),
        spacing="4", width="100%", max_width="44rem",
    )


def work_row(item: rx.Var[dict[str, str]]) -> rx.Component:
    """One accepted task, as a tappable card."""
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(status_badge("request", item["status"]), rx.badge(item["skill"], variant="soft"), rx.spacer(),
                          rx.text(item["reward"], weight="bold"), align="center", width="100%", wrap="wrap"),
                rx.text(rx.cond(item["title"] != "", item["title"], item["context"]), size="2", weight="medium",
                        overflow="hidden", text_overflow="ellipsis",
                        style={"display": "-webkit-box", "-webkit-line-clamp": "2",
                               "-webkit-box-orient": "vertical"}),
                rx.text("Accepted ", item["accepted"], " · ", item["outcome"],
                        rx.cond(item["score"] != "", " · score " + item["score"] + "/100", ""),
                        size="1", color_scheme="gray"),
                spacing="2", width="100%",
            ),
            width="100%", _hover={"border_color": rx.color("accent", 8)},
        ),
        href=routes.OPERATOR_WORK + "/" + item["id"], underline="none", color="inherit", width="100%",
    )


@dashboard_page(routes.OPERATOR_TASK, "Task", role="operator", on_load=TaskState.load)
def operator_task() -> rx.Component:
    """The whole task once it is yours; accept, hand in the result, read the verification."""
    return rx.vstack(
        rx.link(rx.hstack(rx.icon("arrow-left", size=16), rx.text("My work"), align="center", spacing="1"),
                href=routes.OPERATOR_WORK, size="2"),
        rx.cond(
            TaskState.loaded,
            rx.cond(TaskState.missing != "",
                    rx.callout(TaskState.missing, icon="circle-alert", color_scheme="amber", width="100%",
                               id="task-missing"),
                    task_body()),
            loading(),
        ),
        spacing="4", width="100%", max_width="44rem",
    )


def task_body() -> rx.Component:
    """Brief, proof, then the form or the result."""
    task = TaskState.task
    return rx.vstack(
        rx.vstack(
            rx.flex(
                rx.flex(status_badge("request", task["status"], id="task-status"),
                        rx.badge(task["skill"], variant="soft"),
                        spacing="2", wrap="wrap", min_width="0"),
                rx.heading(task["reward"], size="6", white_space="nowrap"),
                justify="between", align="center", spacing="3", width="100%",
            ),
            rx.heading(rx.cond(task["title"] != "", task["title"], "Task " + task["id"]), size="5"),
            spacing="2", width="100%",
        ),
        brief_card(),
        rx.cond(TaskState.proof.length() > 0, proof_card()),
        rx.cond(task["status"] == "matching",
                rx.button(rx.icon("hand", size=18), "Accept this task", on_click=TaskState.accept, size="4",
                          width="100%", loading=TaskState.accepting, id="task-accept")),
        rx.cond(TaskState.can_submit, submit_card()),
        rx.cond(TaskState.result["score"] != "", result_card()),
        spacing="4", width="100%",
    )


def brief_card() -> rx.Component:
    """What to do, as much as the information policy allows."""
    task = TaskState.task
    return rx.card(
        rx.vstack(
            rx.cond(task["notice"] != "",
                    rx.callout(task["notice"], icon="eye-off", color_scheme="gray", width="100%"),
                    rx.text(task["context"], size="3", white_space="pre-wrap", id="task-context")),
            rx.cond(task["location"] != "", rx.hstack(rx.icon("map-pin", size=16), rx.text(task["location"]),
                                                      align="center", spacing="1")),
            rx.separator(),
            rx.flex(
                _meta("zap", rx.text("Urgency ", task["urgency"])),
                _meta("hourglass", rx.text(task["duration"], " of work")),
                rx.cond(task["status"] == "matching",
                        _meta("timer", rx.text("Accept within ", rx.text.strong(task["time_left"])))),
                rx.cond((task["work_due_iso"] != "") & (task["status"] == "in_progress"),
                        _meta("alarm-clock", rx.text("Due ", rx.moment(task["work_due_iso"], from_now=True,
                                                                         interval=30_000),
                                                     " (", task["work_due"], ")"))),
                **META_ROW,
            ),
            rx.cond((task["policy"] != "open") & ~TaskState.mine,
                    rx.text("Some details are hidden until you accept (the company's information policy).",
                            size="1", color_scheme="gray")),
            spacing="3", width="100%",
        ),
        width="100%", size="3",
    )


def proof_card() -> rx.Component:
    """What the result must show."""
    return rx.card(
        rx.vstack(
            rx.heading("Proof required", size="3"),
            rx.el.ul(rx.foreach(TaskState.proof, lambda item: rx.el.li(rx.text(item, size="2"))), **BULLETS),
            spacing="2", width="100%",
        ),
        width="100%",
    )


def submit_card() -> rx.Component:
    """Answer, confidence, notes and files."""
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Hand in your result", size="4"),
                rx.cond(TaskState.form_error != "", rx.callout(TaskState.form_error, icon="triangle-alert",
                                                               color_scheme="red", width="100%", id="submit-error")),
                field_label("Answer", "answer"),
                rx.text_area(name="answer", id="answer", required=True, rows="6", width="100%", size="3",
                             placeholder="What you found or did, in full"),
                rx.text("How confident are you?", size="2", weight="medium"),
                choice_cards(CONFIDENCE_CHOICES, value=TaskState.confidence, on_change=TaskState.set_confidence,
                             id_prefix="confidence"),
                field_label("Proof notes (optional)", "proof_notes"),
                rx.text_area(name="proof_notes", id="proof_notes", rows="3", width="100%", size="3",
                             placeholder="Where you looked, what each file shows"),
                rx.text("Files (optional)", size="2", weight="medium"),
                rx.foreach(TaskState.files, _uploaded_file),
                upload_zone(PROOF_UPLOAD_ID, multiple=True,
                            on_drop=TaskState.upload_proof(rx.upload_files(
                                upload_id=PROOF_UPLOAD_ID, on_upload_progress=TaskState.set_upload_progress)),
                            percent=TaskState.upload_percent, busy=TaskState.uploading,
                            prompt="Tap to add photos, screenshots or PDFs"),
                rx.button(rx.icon("send", size=18), "Submit result", type="submit", size="4", width="100%",
                          loading=TaskState.submitting, disabled=TaskState.uploading, id="task-submit"),
                spacing="3", width="100%",
            ),
            on_submit=TaskState.submit, reset_on_submit=False, width="100%",
        ),
        width="100%", size="3",
    )


def _uploaded_file(file: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.hstack(
        rx.icon("paperclip", size=16), rx.text(file["name"], size="2", flex="1", word_break="break-all"),
        rx.icon_button(rx.icon("x", size=16), on_click=TaskState.remove_file(file["id"]), variant="ghost",
                       color_scheme="gray", type="button", aria_label="Remove file"),
        align="center", width="100%", padding="0.5rem 0.75rem", border_radius="var(--radius-3)",
        background_color=rx.color("gray", 3), class_name="uploaded-file",
    )


def result_card() -> rx.Component:
    """The verification's score and reasons, and what was handed in."""
    result = TaskState.result
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading("Verification", size="4"), rx.spacer(),
                      rx.heading(result["score"], "/100", size="6", id="verification-score"),
                      align="center", width="100%"),
            rx.progress(value=TaskState.score_value, max=100, size="3", width="100%",
                        color_scheme=rx.cond(TaskState.score_value >= 90, "green",
                                             rx.cond(TaskState.score_value >= 50, "amber", "red"))),
            rx.match(
                TaskState.task["status"],
                ("completed", rx.callout("Accepted. Your reward is pending until its settlement date.",
                                         icon="circle-check", color_scheme="green", width="100%")),
                ("needs_review", rx.callout("The company will review your result (it is approved automatically "
                                            "if they stay silent).", icon="hourglass", color_scheme="amber",
                                            width="100%")),
                ("disputed", notice(rx.text("This request is disputed. Give your side, appeal or settle in ",
                                                rx.link("My disputes", href=routes.OPERATOR_DISPUTES), "."),
                                        icon="triangle-alert", color_scheme="red", width="100%")),
                rx.fragment(),
            ),
            rx.cond(TaskState.reasons.length() > 0,
                    rx.el.ul(rx.foreach(TaskState.reasons, lambda reason: rx.el.li(rx.text(reason, size="2"))),
                             id="verification-reasons", **BULLETS),
                    rx.text("Every check passed.", size="2", color_scheme="gray")),
            rx.separator(),
            rx.text("Your answer", size="2", weight="medium"),
            rx.text(result["answer"], size="2", white_space="pre-wrap", color_scheme="gray"),
            rx.text("Confidence ", result["confidence"], " · ", result["files"], " file(s)", size="1",
                    color_scheme="gray"),
            spacing="3", width="100%",
        ),
        width="100%", size="3", id="task-result",
    )
