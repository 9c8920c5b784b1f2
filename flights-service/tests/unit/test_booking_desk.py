"""BookingDesk with in-memory fakes: holds at the offer's price with a quote that adds up, issue
with e-tickets and cancel through the transition table. (The Idempotency-Key's replay is the
route's, over shared.idempotency: tests/api/test_bookings_api.py.)"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from domain.booking_desk import BookingDesk
from domain.bookings import ContactInput, HoldRequest, PassengerInput
from domain.errors import (
    BookingCancelled,
    BookingNotFound,
    HoldExpired,
    InvalidBooking,
    OfferExpired,
    PriceChanged,
    PriceMovedAtHold,
    SupplierUnavailable,
)
from domain.models import SupplierOffer
from domain.offer_ids import encode_offer_id
from shared.booking_lifecycle import BookingStatus, Customer, LineItem
from tests.fakes import (
    NOW,
    BookingStore,
    FakeAirports,
    FakeSupplier,
    FakeUnitOfWork,
    MemoryCache,
    criteria,
    make_offer,
)

ADULT = PassengerInput("adult", "Budi", "Santoso", date(1990, 1, 15), title="mr")
CONTACT = ContactInput("budi@example.co.id", "081234567890")


class World:
    def __init__(self) -> None:
        self.now = NOW
        self.supplier = FakeSupplier("duffel")
        self.cache = MemoryCache()
        self.store = BookingStore()
        self.offer = make_offer(supplier="duffel", ref="off_1", price="1000000")
        self.cache.offers[self.offer.offer_id] = (SupplierOffer(self.offer, {"id": "off_1"}), criteria())
        refs = iter(f"ref-{i}" for i in range(1, 100))
        self.desk = BookingDesk(
            {"duffel": self.supplier},
            self.cache,
            FakeAirports(),
            lambda: FakeUnitOfWork(self.store),
            lambda: self.now,
            offer_ttl_seconds=60,
            references=lambda: next(refs),
        )

    def request(self, *passengers: PassengerInput) -> HoldRequest:
        return HoldRequest(passengers or (ADULT,), CONTACT)


def replace_uow(world: World, uow: Callable[[], FakeUnitOfWork]) -> BookingDesk:
    return BookingDesk(
        {"duffel": world.supplier},
        world.cache,
        FakeAirports(),
        uow,
        lambda: world.now,
        offer_ttl_seconds=60,
    )


@pytest.fixture
def world() -> World:
    return World()


async def test_a_hold_records_the_suppliers_confirmation(world: World) -> None:
    booking = await world.desk.hold("key-1", world.offer.offer_id, world.request())
    assert booking.status is BookingStatus.HELD
    assert (booking.reference, booking.supplier, booking.supplier_reference) == ("ref-1", "duffel", "PNR001")
    assert booking.total_price == Decimal("1000000")
    assert booking.passengers[0].supplier_passenger_id == "1"
    assert booking.contact.phone == "+6281234567890"
    assert world.supplier.price_calls == 1  # priced first, then held
    assert world.store.bookings["ref-1"] == booking
    assert booking.quote == (LineItem("Adult fare CGK-DPS GA 402 2030-05-01", 1, Decimal("1000000.00")),)
    assert [(leg.designator, leg.zone) for legs in booking.itineraries for leg in legs] == [("GA 402", "WIB")]
    assert booking.customer == Customer("Budi", "Santoso", "budi@example.co.id", "+6281234567890")


async def test_a_key_whose_booking_exists_returns_it_without_holding_again(world: World) -> None:
    # The process that held under this key died before the answer was recorded: the retry that
    # takes the key over must not hold seats a second time.
    first = await world.desk.hold("key-1", world.offer.offer_id, world.request())
    world.cache.offers.clear()
    assert await world.desk.hold("key-1", world.offer.offer_id, world.request()) == first
    assert len(world.supplier.holds) == 1


async def test_concurrent_holds_of_the_last_seat_leave_one_sold_out(world: World) -> None:
    world.supplier.seats["off_1"] = 1
    other = world.request(PassengerInput("adult", "Sari", "Dewi", date(1992, 3, 3), gender="f"))
    results = await asyncio.gather(
        world.desk.hold("key-1", world.offer.offer_id, world.request()),
        world.desk.hold("key-2", world.offer.offer_id, other),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["Booking", "HoldRefused"]
    assert len(world.store.bookings) == 1


async def test_a_hold_that_cannot_be_recorded_is_released_at_the_supplier(world: World) -> None:
    async def broken_commit() -> None:
        raise ConnectionError("the database went away")

    uow = FakeUnitOfWork(world.store)
    uow.commit = broken_commit  # type: ignore[method-assign]
    world.desk = replace_uow(world, lambda: uow)
    with pytest.raises(ConnectionError):
        await world.desk.hold("key-1", world.offer.offer_id, world.request())
    assert world.supplier.cancelled == [world.supplier.holds[0].order_id]
    assert world.store.bookings == {}


async def test_a_changed_price_is_refused_without_a_hold(world: World) -> None:
    world.supplier.reprice = "1100000"
    with pytest.raises(PriceChanged) as exc:
        await world.desk.hold("key-1", world.offer.offer_id, world.request())
    assert (exc.value.previous, exc.value.current) == (Decimal("1000000"), Decimal("1100000"))
    assert world.supplier.holds == []
    # the cache now carries the new price: the caller sees it when it asks again
    assert world.cache.offers[world.offer.offer_id][0].offer.total_price == Decimal("1100000")


async def test_a_hold_confirmed_at_another_total_is_released(world: World) -> None:
    world.supplier.hold_total = "1200000"
    with pytest.raises(PriceChanged) as exc:
        await world.desk.hold("key-1", world.offer.offer_id, world.request())
    assert exc.value.current == Decimal("1200000")
    assert world.supplier.cancelled == [world.supplier.holds[0].order_id]
    assert world.store.bookings == {}


async def test_a_price_moving_between_pricing_and_hold_reports_the_new_price(world: World) -> None:
    world.supplier.hold_error = PriceMovedAtHold("price discrepancy")

    async def price_then_move(cached: SupplierOffer, _: object) -> SupplierOffer:
        world.supplier.price_calls += 1
        if world.supplier.price_calls == 2:
            return SupplierOffer(replace(cached.offer, total_price=Decimal("1300000")), cached.raw)
        return cached

    world.supplier.price = price_then_move  # type: ignore[method-assign,assignment]
    with pytest.raises(PriceChanged) as exc:
        await world.desk.hold("key-1", world.offer.offer_id, world.request())
    assert exc.value.current == Decimal("1300000")


async def test_an_unknown_offer_is_gone_and_invalid_passengers_are_refused(world: World) -> None:
    with pytest.raises(OfferExpired):
        await world.desk.hold("key-1", encode_offer_id("duffel", "off_gone"), HoldRequest((ADULT,), CONTACT))
    with pytest.raises(InvalidBooking):
        await world.desk.hold("key-2", world.offer.offer_id, world.request(ADULT, ADULT))
    assert world.store.bookings == {}
    assert world.supplier.holds == []


async def test_hold_then_issue_then_issue_again(world: World) -> None:
    held = await world.desk.hold("key-1", world.offer.offer_id, world.request())
    issued = await world.desk.issue(held.reference)
    assert issued.status is BookingStatus.ISSUED
    assert [(t.passenger, t.ticket_number) for t in issued.tickets] == [("Budi Santoso", "126-1000000000")]
    assert await world.desk.issue(held.reference) == issued
    assert world.supplier.issued == [world.supplier.holds[0].order_id]


async def test_an_issued_booking_is_cancelled_at_the_supplier_with_its_refund(world: World) -> None:
    held = await world.desk.hold("key-1", world.offer.offer_id, world.request())
    issued = await world.desk.issue(held.reference)
    world.supplier.refund = Decimal("1350000.00")
    cancelled = await world.desk.cancel(held.reference)
    assert cancelled.status is BookingStatus.CANCELLED
    assert cancelled.tickets == issued.tickets  # void now, still listed
    assert cancelled.refund_amount == Decimal("1350000.00")
    assert world.store.bookings[held.reference] == cancelled
    assert await world.desk.cancel(held.reference) == cancelled
    assert world.supplier.cancelled == [world.supplier.holds[0].order_id]
    with pytest.raises(BookingCancelled):
        await world.desk.issue(held.reference)


async def test_a_supplier_failure_leaves_an_issued_booking_issued(world: World) -> None:
    held = await world.desk.hold("key-1", world.offer.offer_id, world.request())
    await world.desk.issue(held.reference)
    world.supplier.cancel_error = SupplierUnavailable("duffel", "HTTP 503")
    with pytest.raises(SupplierUnavailable):
        await world.desk.cancel(held.reference)
    assert world.store.bookings[held.reference].status is BookingStatus.ISSUED
    world.supplier.cancel_error = None
    assert (await world.desk.cancel(held.reference)).status is BookingStatus.CANCELLED


async def test_hold_then_cancel_is_idempotent_and_cannot_be_issued(world: World) -> None:
    held = await world.desk.hold("key-1", world.offer.offer_id, world.request())
    cancelled = await world.desk.cancel(held.reference)
    assert cancelled.status is BookingStatus.CANCELLED
    assert cancelled.refund_amount is None  # a released hold refunds nothing
    assert await world.desk.cancel(held.reference) == cancelled
    assert world.supplier.cancelled == [world.supplier.holds[0].order_id]
    with pytest.raises(BookingCancelled):
        await world.desk.issue(held.reference)


async def test_a_lapsed_hold_is_expired_and_cannot_be_issued(world: World) -> None:
    held = await world.desk.hold("key-1", world.offer.offer_id, world.request())
    world.now = held.hold_expires_at + timedelta(seconds=1)
    assert (await world.desk.get(held.reference)).status is BookingStatus.EXPIRED
    with pytest.raises(HoldExpired):
        await world.desk.issue(held.reference)
    assert world.supplier.issued == []
    assert (await world.desk.cancel(held.reference)).status is BookingStatus.EXPIRED


async def test_the_suppliers_word_on_expiry_or_cancellation_is_kept(world: World) -> None:
    first = await world.desk.hold("key-1", world.offer.offer_id, world.request())
    world.supplier.issue_error = HoldExpired("ORDER EXPIRED")
    with pytest.raises(HoldExpired):
        await world.desk.issue(first.reference)
    assert world.store.bookings[first.reference].status is BookingStatus.EXPIRED

    second = await world.desk.hold("key-2", world.offer.offer_id, world.request())
    world.supplier.issue_error = BookingCancelled("already_cancelled")
    with pytest.raises(BookingCancelled):
        await world.desk.issue(second.reference)
    assert world.store.bookings[second.reference].status is BookingStatus.CANCELLED


async def test_an_unknown_reference_is_not_found(world: World) -> None:
    for call in (world.desk.get, world.desk.issue, world.desk.cancel):
        with pytest.raises(BookingNotFound):
            await call("nope")
