"""What a party may do on an open dispute, one component for the company and the operator: appeal
a ruling, accept the other side's standing offer, offer a settlement.

Which parts show is the state's: it sets `can_appeal` and `can_accept_offer` from the domain's
predicates (`disputes.rules`), for the party `disputes.parties.party_of` found. The party only
chooses the words (whose money a refund is) and the element ids (`<party>-appeal-submit`, …).
"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from marketplace_app.disputes.models import Party
from marketplace_app.settings import get_settings
from marketplace_app.ui.components.common import notice
from marketplace_app.ui.components.disputes import counted_text_area
from marketplace_app.ui.components.forms import alert_footer, inline_error, money_field
from marketplace_app.ui.state.disputes import MAX_REASON_CHARACTERS


@dataclass(frozen=True)
class PartyWords:
    """How one side is spoken to about a refund."""

    other: str
    offer_received: str
    accepted_before: str
    accepted_after: str
    offer_hint: str


WORDS = {
    Party.company: PartyWords(
        other="operator",
        offer_received=".",
        accepted_before="You receive ",
        accepted_after=" and the dispute ends here.",
        offer_hint="). If the operator accepts, the dispute ends with that refund."),
    Party.operator: PartyWords(
        other="company",
        offer_received="; you keep the rest of the reward.",
        accepted_before="The company receives ",
        accepted_after=" back, you keep the rest of the reward, and the dispute ends here.",
        offer_hint="); the rest of your reward stays yours if they accept."),
}


def dispute_actions(state: type[rx.State], party: Party, *, appeal_error: rx.Var[str] | str = "",
                    offer_error: rx.Var[str] | str = "") -> rx.Component:
    """Appeal while a ruling awaits appeal, accept a standing offer, and offer a settlement.

    Args:
        state: A dispute state with `dispute`, `can_appeal`, `can_accept_offer`, `appeal_length`
            and the handlers `count_appeal`, `appeal`, `offer` and `accept_offer`.
        party: The side the page is for (company or operator).
        appeal_error: The appeal form's refusal, when the state keeps one per form.
        offer_error: The offer form's refusal, likewise.

    Returns:
        The actions, stacked; the caller shows them while the party may still act.
    """
    return rx.vstack(
        rx.cond(state.can_appeal, _appeal_form(state, party, appeal_error)),
        rx.cond(state.can_accept_offer, _accept_card(state, party)),
        _offer_form(state, party, offer_error),
        spacing="4", width="100%",
    )


def _appeal_form(state: type[rx.State], party: Party, error: rx.Var[str] | str) -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Appeal this ruling", size="3"),
            rx.text("The next tier takes the dispute; without an appeal the ruling becomes final when the window "
                    "closes.", size="2", color_scheme="gray"),
            inline_error(error, error_id=f"{party}-appeal-error") if isinstance(error, rx.Var) else rx.fragment(),
            counted_text_area(name="reason", area_id=f"{party}-appeal-reason", maximum=MAX_REASON_CHARACTERS,
                              length=state.appeal_length, on_change=state.count_appeal,
                              placeholder="Why the ruling is wrong", rows="3"),
            rx.button(rx.icon("undo-2", size=16), "Appeal", type="submit", id=f"{party}-appeal-submit"),
            spacing="2", width="100%",
        ),
        on_submit=state.appeal, reset_on_submit=False, width="100%",
    )


def _accept_card(state: type[rx.State], party: Party) -> rx.Component:
    """The other side's standing offer, with a confirmation before it settles (money moves)."""
    words = WORDS[party]
    offer = state.dispute["offer"]
    return notice(
        rx.flex(
            rx.text(f"The {words.other} offers to settle for a refund of ", rx.text.strong(offer),
                    words.offer_received),
            rx.alert_dialog.root(
                rx.alert_dialog.trigger(rx.button("Accept offer", color_scheme="green", size="2",
                                                  id=f"{party}-accept-offer")),
                rx.alert_dialog.content(
                    rx.alert_dialog.title("Settle for this refund?"),
                    rx.alert_dialog.description(
                        rx.text(words.accepted_before, offer, words.accepted_after), size="2"),
                    alert_footer(rx.button("Accept and settle", color_scheme="green", on_click=state.accept_offer,
                                           id=f"{party}-confirm-accept-offer"), keep="Not yet"),
                    max_width="28rem",
                ),
            ),
            direction={"initial": "column", "sm": "row"}, gap="3", justify="between", align={"sm": "center"},
            width="100%",
        ),
        icon="handshake", color_scheme="green", width="100%", id=f"{words.other}-offer",
    )


def _offer_form(state: type[rx.State], party: Party, error: rx.Var[str] | str) -> rx.Component:
    words = WORDS[party]
    return rx.form(
        rx.vstack(
            rx.heading("Offer a settlement", size="3"),
            rx.text("Name a refund to the company (from 0 to ", state.dispute["price"], words.offer_hint,
                    size="2", color_scheme="gray"),
            rx.cond(state.dispute["offer_by"] == str(party),
                    rx.text("Your offer of ", state.dispute["offer"], f" is waiting for the {words.other}.",
                            size="2", id=f"{party}-offer-waiting")),
            inline_error(error, error_id=f"{party}-offer-error") if isinstance(error, rx.Var) else rx.fragment(),
            rx.flex(
                rx.box(money_field("Refund", "refund", get_settings().currency, placeholder="5.00",
                                   required=True), flex="1", min_width="10rem"),
                rx.button(rx.icon("handshake", size=16), "Send offer", type="submit", variant="soft",
                          id=f"{party}-offer-submit"),
                spacing="3", width="100%", wrap="wrap", align="end",
            ),
            spacing="2", width="100%",
        ),
        on_submit=state.offer, reset_on_submit=False, width="100%",
    )
