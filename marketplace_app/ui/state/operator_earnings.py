"""The operator's earnings page: balances, pending rewards with their release date, a `CHART_DAYS`-day
chart, the payout form and the payout history."""

from __future__ import annotations

import dataclasses
import secrets
from datetime import timedelta
from typing import Any

import reflex as rx
from sqlmodel import Session

from marketplace_app.core.clock import now
from marketplace_app.core.errors import HandoffError
from marketplace_app.core.money import MINOR_UNITS_PER_MAJOR, parse_positive_money
from marketplace_app.earnings import payouts
from marketplace_app.earnings import service as earnings
from marketplace_app.earnings.models import EarningStatus
from marketplace_app.settings import get_settings
from marketplace_app.ui.state.base import role_page
from marketplace_app.ui.state.display import day, money, when
from marketplace_app.ui.state.operator import OperatorState

CHART_DAYS = 30


@dataclasses.dataclass
class EarningRow:
    """One earning as the page lists it; `frozen` while a dispute holds it back."""

    request_id: str = ""
    amount: str = ""
    status: str = ""
    frozen: bool = False
    earned: str = ""
    available_on: str = ""


def earnings_snapshot(session: Session, *, operator_id: str) -> dict[str, Any]:
    """Balances, earnings, the chart's points and the payouts, as plain values."""
    totals = earnings.summary(session, operator_id=operator_id)
    since = (now() - timedelta(days=CHART_DAYS - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    daily = earnings.daily_totals(session, operator_id=operator_id, since=since)
    refusal = payouts.payout_refusal(totals.available_cents)
    settings = get_settings()
    return {
        "payout_refusal": refusal or "", "payout_allowed": refusal is None,
        "payout_destination": payouts.where_payouts_go(), "currency": settings.currency,
        "chart_empty": not any(cents for _day, cents in daily),
        "settlement_days": settings.settlement_hold_days,
        "pending": money(totals.pending_cents), "available": money(totals.available_cents),
        "in_payout": money(totals.in_payout_cents), "total": money(totals.total_earned_cents),
        "items": [EarningRow(request_id=item.request_id, amount=money(item.amount_cents), status=item.status,
                             frozen=item.frozen, earned=when(item.created_at), available_on=day(item.available_on))
                  for item in earnings.list_earnings(session, operator_id=operator_id)],
        "chart": chart_points(daily, since=since), "month_total": money(sum(cents for _day, cents in daily)),
        "payouts": [{"id": payout.id, "amount": money(payout.amount_cents), "status": payout.status,
                     "requested": when(payout.created_at), "resolved": when(payout.resolved_at),
                     "reason": payout.failure_reason or ""}
                    for payout in payouts.list_payouts(session, operator_id=operator_id)],
    }


def chart_points(totals: list[tuple[str, int]], *, since) -> list[dict[str, Any]]:
    """One point per day (zero-filled) for the chart; amounts in major units, for display only."""
    by_day = dict(totals)
    points = []
    for offset in range(CHART_DAYS):
        key = (since + timedelta(days=offset)).date().isoformat()
        cents = by_day.get(key, 0)
        points.append({"day": key[5:], "amount": cents / MINOR_UNITS_PER_MAJOR})
    return points


def parse_amount(text: object) -> int:
    """The payout amount typed by the operator ("25", "25.00" or "25.00 EUR") in cents.

    Raises:
        ValidationFailed: Not an amount in the platform currency.
    """
    return parse_positive_money(str(text or "").replace(" ", "").replace(",", "."),
                                currency=get_settings().currency, field="amount")


class EarningsState(OperatorState):
    """Balances, the chart, the payout form and the history."""

    pending: str = ""
    available: str = ""
    in_payout: str = ""
    total: str = ""
    items: list[EarningRow] = []
    chart: list[dict[str, Any]] = []
    month_total: str = ""
    payouts: list[dict[str, str]] = []
    payout_error: str = ""
    payout_refusal: str = ""
    payout_allowed: bool = False
    payout_destination: str = ""
    currency: str = ""
    chart_empty: bool = True
    settlement_days: int = 0
    paying: bool = False
    payout_token: str = ""
    loaded: bool = False

    @rx.var
    def pending_items(self) -> list[EarningRow]:
        """Rewards still in their settlement hold."""
        return [item for item in self.items if item.status == EarningStatus.pending]

    @rx.var
    def minimum_payout(self) -> str:
        """The smallest payout, in words."""
        return money(get_settings().payout_minimum_cents)

    @rx.event
    @role_page("operator")
    async def load(self):
        """Guard the page for operators, then read their money."""
        await self._read()
        self.payout_error, self.paying, self.payout_token = "", False, secrets.token_hex(8)
        self.loaded = True
        return None

    async def _read(self) -> None:
        snapshot = await self._call(earnings_snapshot, operator_id=self._user_id)
        for name, value in snapshot.items():
            setattr(self, name, value)

    @rx.event
    async def request_payout(self, form: dict[str, Any]):
        """Pay out from the available balance; a repeated submit of the same form does nothing."""
        if form.get("token") != self.payout_token or self.paying:
            return
        self.paying, self.payout_error = True, ""
        yield
        try:
            amount_cents = parse_amount(form.get("amount"))
            operator_id = await self._operator_id()
            await self._call(payouts.request_payout, operator_id=operator_id, amount_cents=amount_cents)
        except HandoffError as exc:
            self.paying, self.payout_error = False, exc.message
            return
        self.payout_token = secrets.token_hex(8)
        await self._read()
        self.paying = False
        yield [rx.toast.success(f"Payout of {money(amount_cents)} requested"), rx.set_value("payout-amount", "")]


__all__ = ["EarningsState"]
