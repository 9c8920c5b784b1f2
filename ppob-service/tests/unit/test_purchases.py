"""The purchase use cases on in-memory ports: the price list cache and its limit, holds and the
deposit guard, issue outcomes, callbacks applied once, status checks with back-off."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.catalogue import Catalogue
from domain.errors import DepositTooLow, NotCancellable, OfferExpired, SupplierUnavailable
from domain.models import Margin, PurchaseResult
from domain.price_list import PriceListCache
from domain.purchases import PurchasePolicy, Purchases
from shared.booking_lifecycle import BookingStatus
from tests.fakes import Clock, FakeAggregator, FakeAlerts, MemoryRepository, MemoryUnitOfWork

CONTACT = {"contact": {"email": "budi@example.co.id", "phone": "081234567890"}}


class Shop:
    def __init__(self) -> None:
        self.clock = Clock()
        self.aggregator = FakeAggregator()
        self.alerts = FakeAlerts()
        self.repo = MemoryRepository()
        self.checker_woken = 0
        self.prices = PriceListCache(self.aggregator, self.clock, 300)
        self.catalogue = Catalogue(
            self.aggregator, self.prices, self.uow, self.clock, default_margin=Margin(), quote_ttl_seconds=900
        )
        self.purchases = Purchases(
            self.aggregator,
            self.catalogue,
            self.uow,
            self.clock,
            self.alerts,
            PurchasePolicy(deposit_cache_seconds=0),
            self.wake_checker,
        )

    def wake_checker(self) -> None:
        self.checker_woken += 1

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.repo)

    async def held(self, product: str = "tsel50", number: str = "081234567890") -> str:
        offer = await self.catalogue.inquire(product, number)
        return (await self.purchases.hold("key-1", offer.offer_id, CONTACT)).reference


@pytest.fixture
def shop() -> Shop:
    return Shop()


async def test_the_price_list_is_asked_once_per_interval_and_a_failed_refresh_keeps_the_copy(
    shop: Shop,
) -> None:
    await shop.prices.entries("prepaid")
    shop.clock.advance(299)
    await shop.prices.entries("prepaid")
    assert shop.aggregator.price_list_calls == 1
    shop.clock.advance(2)
    shop.aggregator.rate_limited = True
    assert "tsel50" in await shop.prices.entries("prepaid")  # rc 83: the old copy is served
    shop.aggregator.rate_limited = False
    await shop.prices.entries("prepaid")
    assert shop.aggregator.price_list_calls == 1  # not asked again until the interval has passed
    shop.clock.advance(300)
    await shop.prices.entries("prepaid")
    assert shop.aggregator.price_list_calls == 2


async def test_without_any_copy_an_outage_is_supplier_unavailable(shop: Shop) -> None:
    shop.aggregator.down = True
    with pytest.raises(SupplierUnavailable):
        await shop.prices.entries("prepaid")


async def test_a_hold_needs_a_deposit_above_the_cost_and_the_reserve(shop: Shop) -> None:
    offer = await shop.catalogue.inquire("tsel50", "081234567890")
    shop.aggregator.deposit = Decimal("99849.00")
    with pytest.raises(DepositTooLow):
        await shop.purchases.hold("key-2", offer.offer_id, CONTACT)
    assert shop.alerts.low == [(Decimal("99849.00"), Decimal("99850.00"))]
    shop.aggregator.deposit = Decimal("99850.00")
    assert (await shop.purchases.hold("key-3", offer.offer_id, CONTACT)).status is BookingStatus.HELD


async def test_an_unknown_offer_is_expired(shop: Shop) -> None:
    with pytest.raises(OfferExpired):
        await shop.purchases.hold("key-4", "ppob_nope", CONTACT)


async def test_issue_uses_the_booking_reference_as_ref_id_and_twice_buys_once(shop: Shop) -> None:
    reference = await shop.held()
    first = await shop.purchases.issue(reference)
    again = await shop.purchases.issue(reference)
    assert first == again
    assert first.status is BookingStatus.ISSUED
    assert shop.aggregator.sends == [reference]
    assert [d.kind for d in first.documents] == ["serial-number"]


async def test_a_callback_settles_a_pending_purchase_once(shop: Shop) -> None:
    shop.aggregator.next_outcomes.append(("pending", "failed"))
    reference = await shop.held()
    assert (await shop.purchases.issue(reference)).status is BookingStatus.PENDING
    failed = PurchaseResult(reference, "failed", "02", "Transaksi Gagal")
    assert (await shop.purchases.receive_callback(failed, "d1")) is not None
    assert await shop.purchases.receive_callback(failed, "d1") is None  # the same delivery
    late_success = PurchaseResult(reference, "success", "00", "Sukses", "SN1")
    await shop.purchases.receive_callback(late_success, "d2")  # out of order: changes nothing
    booking = await shop.purchases.get(reference)
    assert booking.status is BookingStatus.FAILED
    assert booking.failure_reason == "The operator or biller refused the purchase."
    assert shop.alerts.finished == ["failed"]


async def test_status_checks_back_off_and_a_sent_purchase_cannot_be_cancelled(shop: Shop) -> None:
    shop.aggregator.next_outcomes.append(("pending", "success"))
    reference = await shop.held()
    await shop.purchases.issue(reference)
    with pytest.raises(NotCancellable):
        await shop.purchases.cancel(reference)
    waits = []
    for _ in range(4):
        booking = await shop.purchases.get(reference)
        assert booking.next_check_at is not None
        waits.append((booking.next_check_at - shop.clock()).total_seconds())
        shop.clock.now = booking.next_check_at
        assert await shop.purchases.check_due() == 1
    assert waits == [5, 10, 20, 40]
    shop.aggregator.settle(reference)
    shop.clock.advance(80)
    await shop.purchases.check_due()
    assert (await shop.purchases.get(reference)).status is BookingStatus.ISSUED


async def test_a_held_quote_expires_and_cancel_returns_it_as_it_is(shop: Shop) -> None:
    reference = await shop.held()
    shop.clock.advance(900)
    assert (await shop.purchases.get(reference)).status is BookingStatus.EXPIRED
    assert (await shop.purchases.cancel(reference)).status is BookingStatus.EXPIRED


async def test_a_purchase_gone_pending_wakes_the_checker_which_learns_when_its_check_is_due(
    shop: Shop,
) -> None:
    assert await shop.purchases.seconds_to_next_check() is None
    await shop.purchases.issue(await shop.held())
    assert shop.checker_woken == 0  # issued at once: nothing to check
    shop.aggregator.next_outcomes.append(("pending", "success"))
    reference = await shop.held("tsel50", "081298765432")
    await shop.purchases.issue(reference)
    assert shop.checker_woken == 1
    assert await shop.purchases.seconds_to_next_check() == 5
    await shop.purchases.issue(reference)  # pending already: not sent again, nobody woken
    assert shop.checker_woken == 1
    shop.clock.advance(7)
    assert await shop.purchases.seconds_to_next_check() == -2
    shop.aggregator.settle(reference)
    assert await shop.purchases.check_due() == 1
    assert await shop.purchases.seconds_to_next_check() is None
