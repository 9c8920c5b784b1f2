"""The booking desk's use cases on in-memory ports: no database, no HTTP."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from adapters.cache import MemorySearchCache
from domain.booking_desk import BookingDesk
from domain.bookings import Booking
from domain.errors import HoldExpired, OfferExpired, SupplierTimeout
from domain.models import CachedOffer, Occupancy, SearchCriteria, Stay
from shared.booking_lifecycle import BookingStatus
from tests.fakes import FakeHotelSupplier, FakeUnitOfWork, MovableClock

CRITERIA = SearchCriteria("DPS-4", Stay(date(2027, 1, 10), date(2027, 1, 12)), Occupancy(1, 2, (7,)))
DETAILS = {
    "guests": [{"first_name": "Siti", "last_name": "Rahayu"}],
    "contact": {"email": "siti@example.co.id", "phone": "+6281234567890"},
}


@pytest.fixture
def supplier() -> FakeHotelSupplier:
    return FakeHotelSupplier()


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
async def desk_and_offer(
    supplier: FakeHotelSupplier, clock: MovableClock
) -> tuple[BookingDesk, CachedOffer, dict[str, Booking]]:
    cache = MemorySearchCache()
    result = await supplier.availability(CRITERIA)
    offers = [CachedOffer(o, h.hotel, CRITERIA) for h in result.hotels for o in h.offers]
    await cache.put_offers(offers, 600)
    store: dict[str, Booking] = {}
    desk = BookingDesk(
        supplier, cache, lambda: FakeUnitOfWork(store), clock, quote_ttl_seconds=900, offer_ttl_seconds=600
    )
    refundable = next(c for c in offers if c.offer.refundable)
    return desk, refundable, store


async def test_a_hold_keeps_the_checked_rate_and_books_nothing(
    desk_and_offer: tuple[BookingDesk, CachedOffer, dict[str, Booking]], supplier: FakeHotelSupplier
) -> None:
    desk, cached, store = desk_and_offer
    booking = await desk.hold("key-1", cached.offer.offer_id, DETAILS)
    assert booking.status is BookingStatus.HELD
    assert booking.total == cached.offer.total_price
    assert booking.quote[0].unit_price * booking.quote[0].quantity == booking.total
    assert store[booking.reference] == booking
    assert supplier.calls == ["availability", "checkrates"]


async def test_an_unknown_offer_is_expired_before_anything_is_asked(
    desk_and_offer: tuple[BookingDesk, CachedOffer, dict[str, Booking]], supplier: FakeHotelSupplier
) -> None:
    desk, _, _ = desk_and_offer
    with pytest.raises(OfferExpired):
        await desk.hold("key-2", "htl_nope", DETAILS)
    assert "checkrates" not in supplier.calls


async def test_cancelling_a_quote_asks_the_supplier_nothing(
    desk_and_offer: tuple[BookingDesk, CachedOffer, dict[str, Booking]], supplier: FakeHotelSupplier
) -> None:
    desk, cached, _ = desk_and_offer
    booking = await desk.hold("key-3", cached.offer.offer_id, DETAILS)
    cancelled = await desk.cancel(booking.reference)
    assert cancelled.status is BookingStatus.CANCELLED
    assert cancelled.refund_amount is None
    assert supplier.calls == ["availability", "checkrates"]


async def test_a_lapsed_quote_expires_on_read_and_refuses_issue(
    desk_and_offer: tuple[BookingDesk, CachedOffer, dict[str, Booking]], clock: MovableClock
) -> None:
    desk, cached, _ = desk_and_offer
    booking = await desk.hold("key-4", cached.offer.offer_id, DETAILS)
    clock.advance(900)
    assert (await desk.get(booking.reference)).status is BookingStatus.EXPIRED
    with pytest.raises(HoldExpired):
        await desk.issue(booking.reference)


async def test_issue_adopts_the_booking_an_earlier_attempt_made(
    desk_and_offer: tuple[BookingDesk, CachedOffer, dict[str, Booking]], supplier: FakeHotelSupplier
) -> None:
    desk, cached, store = desk_and_offer
    booking = await desk.hold("key-5", cached.offer.offer_id, DETAILS)
    supplier.times_out_after_booking = True
    with pytest.raises(SupplierTimeout):
        await desk.issue(booking.reference)
    assert store[booking.reference].status is BookingStatus.HELD  # rolled back, nothing recorded
    issued = await desk.issue(booking.reference)
    assert issued.status is BookingStatus.ISSUED
    assert [b.reference for b in supplier.bookings.values()] == [issued.supplier_reference]


async def test_refund_is_paid_less_the_fee_and_never_negative(
    desk_and_offer: tuple[BookingDesk, CachedOffer, dict[str, Booking]], supplier: FakeHotelSupplier
) -> None:
    desk, cached, _ = desk_and_offer
    booking = await desk.hold("key-6", cached.offer.offer_id, DETAILS)
    await desk.issue(booking.reference)
    supplier.fee = booking.total + Decimal("1000")  # a supplier charging more than was paid
    cancelled = await desk.cancel(booking.reference)
    assert cancelled.refund_amount == Decimal("0")
