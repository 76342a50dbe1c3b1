"""What happens next in a dispute, in one plain sentence block for the person reading it.

A ruling moves no money until its appeal window closes, and an appeal may skip the jury; the
dispute pages say so through `next_step`: what happens next, when, and to whose money, worded
for the viewer (the company, the operator or staff). Every window it names comes from settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from marketplace_app.core.money import display_money
from marketplace_app.disputes import queries
from marketplace_app.disputes.models import DisputeStatus, MoneyState, Party
from marketplace_app.disputes.money import refund_shares
from marketplace_app.settings import Settings, get_settings


def moment_words(moment: datetime) -> str:
    """A deadline as people read it: "9 Dec 14:00 UTC" (SQLite's naive values are UTC)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    aware = aware.astimezone(UTC)
    return f"{aware.day} {aware:%b %H:%M} UTC"


def for_viewer(session: Session, dispute: Mapping[str, Any], *, viewer: Party) -> str:
    """`next_step` for a dispute read from the database (its jurors counted here)."""
    return next_step(dispute, viewer=viewer, jurors_seated=len(queries.jurors(session, dispute["id"])))


def next_step(dispute: Mapping[str, Any], *, viewer: Party, jurors_seated: int,
              settings: Settings | None = None) -> str:
    """What happens next in `dispute`, when, and to whose money, worded for `viewer`.

    Args:
        dispute: The dispute row (status, tier, ruling, refunds, money state, deadline).
        viewer: Who reads it: the company, the operator, or staff (any other party reads as staff).
        jurors_seated: How many jurors were ever seated (0 after a tier 1 appeal means the jury was skipped).
        settings: The deployment's settings (the windows it names); the current ones by default.

    Returns:
        One to three plain sentences.
    """
    settings = settings or get_settings()
    status = DisputeStatus(dispute["status"])
    if status is DisputeStatus.resolved:
        return _resolved(dispute, viewer)
    if status is DisputeStatus.awaiting_appeal:
        return _awaiting_appeal(dispute, viewer, settings)
    if status is DisputeStatus.jury_review:
        return _jury(dispute, settings)
    if status is DisputeStatus.specialist_review:
        return _specialist(dispute, settings, jurors_seated=jurors_seated)
    if status is DisputeStatus.board_review:
        return _board(dispute, viewer, settings)
    return "Handoff's automated review is ruling on this dispute now. No money moves until it rules."


def _awaiting_appeal(dispute: Mapping[str, Any], viewer: Party, settings: Settings) -> str:
    refund = dispute["ruling_refund_cents"] or 0
    outcome, rest = _money_words(dispute, refund, viewer, settings, future=True)
    deadline = moment_words(dispute["deadline_at"])
    appeal_to = _next_tier_words(dispute["current_tier"], settings)
    return (f"{outcome} on {deadline} unless {_appellant(dispute, refund, viewer)}{rest}. "
            f"Until then no money moves; an appeal within the {settings.appeal_window_hours}-hour window "
            f"goes to {appeal_to}.")


def _jury(dispute: Mapping[str, Any], settings: Settings) -> str:
    held = _while_open(dispute)
    return (f"A jury of {settings.jury_size} operators votes by {moment_words(dispute['deadline_at'])}"
            f" ({settings.jury_vote_hours} hours). {held} Its ruling can be appealed within "
            f"{settings.appeal_window_hours} hours.")


def _specialist(dispute: Mapping[str, Any], settings: Settings, *, jurors_seated: int) -> str:
    skipped = ""
    if jurors_seated == 0:
        skipped = (f"The jury was skipped: fewer than {settings.jury_size} verified operators uninvolved in "
                   f"this request exist, so a Handoff specialist took the appeal. ")
    return (f"{skipped}A specialist rules by {moment_words(dispute['deadline_at'])} "
            f"({settings.specialist_hours} hours); if no ruling comes by then, the board takes the dispute. "
            f"{_while_open(dispute)}")


def _board(dispute: Mapping[str, Any], viewer: Party, settings: Settings) -> str:
    deadline = moment_words(dispute["deadline_at"])
    fallback = "the dispute is dismissed"
    if dispute["ruling"]:
        last, rest = _money_words(dispute, dispute["ruling_refund_cents"] or 0, viewer, settings, future=True)
        fallback = f"the last ruling stands: {_lower_first(last)}{rest}"
    return (f"The board rules by {deadline} ({settings.board_business_days} business days); its ruling is final "
            f"and moves the money at once. If it does not rule by then, {fallback}.")


def _resolved(dispute: Mapping[str, Any], viewer: Party) -> str:
    refund = dispute["refund_cents"] or 0
    on = f" on {moment_words(dispute['resolved_at'])}" if dispute["resolved_at"] else ""
    outcome, rest = _money_words(dispute, refund, viewer, get_settings(), future=False)
    return f"Resolved{on}: {_lower_first(outcome)}{rest}. The decision is final."


def _money_words(dispute: Mapping[str, Any], refund_cents: int, viewer: Party, settings: Settings, *,
                 future: bool) -> tuple[str, str]:
    """What a ruling with `refund_cents` does to whose money, as a main clause ("8.00 EUR will be refunded
    to your balance") and the rest (" and the operator keeps 3.00 EUR"), so a caller can put the date
    between them."""
    if dispute["money_state"] == MoneyState.none:
        return ("No money moves" if future else "No money moved"), " (a test-mode request)"
    price = dispute["price_cents"]
    reward = price - dispute["fee_cents"]
    from_reward, _from_fee = refund_shares(refund_cents, reward_cents=reward, fee_cents=dispute["fee_cents"])
    kept = _money(reward - from_reward, settings)
    if refund_cents == 0:
        return _operator_paid(dispute, viewer, kept, future=future)
    will = "will be" if future else "was"
    refunded = f"{_money(refund_cents, settings)} {will} refunded to {_company_balance(viewer)}"
    if refund_cents >= price or reward - from_reward == 0:
        return refunded, (", so you are not paid for this request" if viewer is Party.operator else "")
    keeper = "you keep" if viewer is Party.operator else "the operator keeps"
    return refunded, f", and {keeper} {kept}"


def _operator_paid(dispute: Mapping[str, Any], viewer: Party, kept: str, *, future: bool) -> tuple[str, str]:
    held = dispute["money_state"] == MoneyState.held
    if viewer is Party.operator:
        if held:
            return f"{kept} {'will be' if future else 'was'} paid to your earnings", ""
        return f"You {'keep' if future else 'kept'} your {kept} reward", ""
    nothing = ", and nothing is refunded" if future else ", and nothing was refunded"
    if held:
        return f"The operator {'will be' if future else 'was'} paid {kept} from the held credit", nothing
    return f"The operator {'keeps' if future else 'kept'} the {kept} paid", nothing


def _appellant(dispute: Mapping[str, Any], refund_cents: int, viewer: Party) -> str:
    """Who would appeal: the side the ruling goes against (either side after a split)."""
    if refund_cents >= dispute["price_cents"]:
        loser = Party.operator
    elif refund_cents == 0:
        loser = Party.company
    else:
        loser = None
    if viewer not in (Party.company, Party.operator):
        return f"the {loser} appeals" if loser else "either party appeals"
    other = Party.operator if viewer is Party.company else Party.company
    if loser is None:
        return f"you or the {other} appeal"
    return "you appeal" if loser is viewer else f"the {other} appeals"


def _next_tier_words(tier: int, settings: Settings) -> str:
    if tier == 0:
        return (f"a jury of {settings.jury_size} operators (a specialist when fewer than {settings.jury_size} "
                f"uninvolved operators are verified)")
    if tier == 1:
        return "a Handoff specialist"
    return "the board, whose ruling is final"


def _while_open(dispute: Mapping[str, Any]) -> str:
    if dispute["money_state"] == MoneyState.held:
        return f"Until a ruling is final, the {_money(dispute['price_cents'])} stays held in escrow."
    if dispute["money_state"] == MoneyState.posted:
        return "Until a ruling is final, the operator's reward stays frozen."
    return "No money moves (a test-mode request)."


def _company_balance(viewer: Party) -> str:
    return "your balance" if viewer is Party.company else "the company's balance"


def _money(cents: int, settings: Settings | None = None) -> str:
    return display_money(cents, (settings or get_settings()).currency)


def _lower_first(text: str) -> str:
    # Amounts start with a digit and stay as they are; only a leading word is lowered.
    return text[:1].lower() + text[1:] if text[:1].isalpha() else text
