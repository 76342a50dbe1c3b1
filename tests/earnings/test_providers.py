"""RELIABILITY 8 through a real payout service on loopback (bench/payout_provider.py): the
provider pays and then times out or drops the connection, 100 times in a row → exactly one
transfer; and one payout the provider cannot answer never strands the rest of the batch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.payout_provider import FakePayoutProvider
from marketplace_app.earnings import payouts
from marketplace_app.earnings.models import Payout
from marketplace_app.earnings.providers import HttpProvider, ProviderUnavailable, current_provider
from tests.ledger.helpers import assert_ledger_balanced, hold_state, transfer_count
from tests.work import helpers as w

TIMEOUT_SECONDS = 0.1
MAX_TRIES = 150


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePayoutProvider]:
    """The loopback payout service, configured as this deployment's payout provider."""
    fake = FakePayoutProvider(stall_seconds=TIMEOUT_SECONDS * 3).start()
    w.set_setting(monkeypatch, "payout_provider", "http")
    w.set_setting(monkeypatch, "payout_provider_url", fake.url)
    w.set_setting(monkeypatch, "payout_provider_timeout_seconds", str(TIMEOUT_SECONDS))
    yield fake
    fake.stop()


@pytest.fixture
def operator():
    return w.make_operator()


def ask(operator, cents: int) -> Payout:
    return w.in_unit(lambda session: payouts.request_payout(session, operator_id=operator.user_id,
                                                            amount_cents=cents))


def status_of(payout_id: str) -> tuple[str, str | None]:
    payout = w.in_unit(lambda session: session.get(Payout, payout_id))
    return payout.status, payout.provider_reference


def test_the_http_provider_is_chosen_by_its_setting(provider):
    assert isinstance(current_provider(), HttpProvider)


def test_a_timeout_after_the_provider_paid_injected_100_times_makes_exactly_one_transfer(provider, operator):
    # given a requested payout, and a provider that pays and then stalls or hangs up, 100 times over
    w.give_available(operator.user_id, cents=5_000)
    payout = ask(operator, 1_200)
    provider.faults_after_success = 100

    # when the sending job runs until the provider's answer gets through (on a loaded machine a
    # plain answer can miss the short timeout too: one more timeout after success, no harm)
    tries = 0
    while tries < MAX_TRIES and status_of(payout.id)[0] == "requested":
        payouts.send_pending()
        tries += 1

    # then every try sent the same key, the provider paid once, and the ledger posted once
    assert provider.faults_injected == 100
    assert list(provider.calls) == [f"payout:{payout.id}"]
    assert provider.calls[f"payout:{payout.id}"] == tries >= 101
    assert provider.paid_per_payout() == {payout.id: 1}
    assert status_of(payout.id) == ("paid", provider.transfers[f"payout:{payout.id}"].reference)
    assert (w.available_cents(operator.user_id), w.in_payout_cents(operator.user_id)) == (3_800, 0)
    assert w.paid_out_cents("http") == 1_200
    assert hold_state(f"hold_{payout.id}") == "posted"
    assert payouts.send_pending() == 0
    assert_ledger_balanced()


def test_one_payout_the_provider_cannot_answer_does_not_strand_the_rest_of_the_batch(provider, operator,
                                                                                    monkeypatch):
    # given three requested payouts, the provider unavailable for the second one only
    w.give_available(operator.user_id, cents=5_000)
    first, second, third = (ask(operator, 1_000) for _ in range(3))
    provider.unavailable_for = {second.id}
    w.set_setting(monkeypatch, "payout_provider_timeout_seconds", "10")  # no timeouts here, only the 503

    # when the sending job runs
    answered = payouts.send_pending()

    # then the first and third are paid and the second stays due, untouched
    assert answered == 2
    assert [status_of(row.id)[0] for row in (first, second, third)] == ["paid", "requested", "paid"]
    assert status_of(second.id) == ("requested", None)
    assert hold_state(f"hold_{second.id}") == "pending"

    # when the provider recovers and the job runs again
    provider.unavailable_for = set()
    assert payouts.send_pending() == 1

    # then each payout was paid exactly once
    assert provider.paid_per_payout() == {first.id: 1, second.id: 1, third.id: 1}
    assert transfer_count(kind="escrow_post") == 3
    assert (w.available_cents(operator.user_id), w.paid_out_cents("http")) == (2_000, 3_000)
    assert_ledger_balanced()


def test_no_usable_answer_raises_provider_unavailable(provider):
    # given a provider that cannot answer this payout
    provider.unavailable_for = {"po_x"}
    sender = current_provider()

    # when / then
    with pytest.raises(ProviderUnavailable, match="po_x"):
        sender.send(payout_id="po_x", operator_id="usr_x", amount_cents=1_000, idempotency_key="payout:po_x")
    assert provider.paid_per_payout() == {}
