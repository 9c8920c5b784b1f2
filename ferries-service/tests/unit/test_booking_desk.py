"""The booking use cases on in-memory ports: price changes hold nothing, a lapsed hold expires,
issue gives e-tickets with boarding codes, an operator-cancelled sailing fails issuance, cancel
returns the operator's refund."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from adapters.cache import MemoryOfferCache
from domain.booking_desk import BookingDesk
from domain.bookings import Booking
from domain.errors import BookingCancelled, HoldExpired, OfferExpired, PriceChanged, SoldOut
from domain.models import Party, SearchCriteria
from domain.search import FerrySearch
from shared.booking_lifecycle import BookingStatus
from tests.conftest import details
from tests.fakes import FakeClock, FakeOperator, MemoryUnitOfWork


class World:
    def __init__(self) -> None:
        self.clock = FakeClock()
        self.operator = FakeOperator(self.clock)
        self.cache = MemoryOfferCache()
        self.store: dict[str, Booking] = {}
        self.desk = BookingDesk(self.operator, self.cache, lambda: MemoryUnitOfWork(self.store), self.clock)

    async def offer_id(self, adults: int = 2, vehicle: str | None = "IVA", index: int = 3) -> str:
        day = self.clock().date() + timedelta(days=5)
        criteria = SearchCriteria("MRK", "BKH", day, Party(adults), vehicle, "regular")
        result = await FerrySearch(self.operator, self.cache, ttl_seconds=60).search(criteria)
        return result.offers[index].offer_id


@pytest.fixture
def world() -> World:
    return World()


async def test_hold_quotes_at_the_offers_price_with_readable_lines(world: World) -> None:
    booking = await world.desk.hold("key-1", await world.offer_id(adults=2), details(2))
    assert booking.status is BookingStatus.HELD
    assert booking.total == Decimal(481_800)
    [item] = booking.items
    assert item.quantity == 1
    assert item.description.startswith(
        "Vehicle golongan IVA (car up to 5 m) B 1234 XYZ, driver and 1 passenger"
    )
    assert "MRK-BKH regular" in item.description


async def test_passengers_beyond_the_vehicle_pay_their_own_fare(world: World) -> None:
    booking = await world.desk.hold(
        "key-2", await world.offer_id(adults=2, vehicle="II"), details(2, vehicle="II")
    )
    assert [(i.quantity, i.unit_price) for i in booking.items] == [(1, Decimal(62_100)), (1, Decimal(22_700))]
    assert booking.total == sum(i.quantity * i.unit_price for i in booking.items)


async def test_a_changed_price_holds_nothing(world: World) -> None:
    offer_id = await world.offer_id()
    world.operator.price_change_pct = 10
    with pytest.raises(PriceChanged) as caught:
        await world.desk.hold("key-3", offer_id, details(2))
    assert (caught.value.previous, caught.value.current) == (Decimal(481_800), Decimal(529_980))
    assert "hold" not in world.operator.calls
    assert world.store == {}


async def test_unknown_offers_and_sold_out_sailings(world: World) -> None:
    with pytest.raises(OfferExpired):
        await world.desk.hold("key-4", "not-an-offer", details(2))
    offer_id = await world.offer_id(adults=1, vehicle=None)
    world.operator.seats = dict.fromkeys(world.operator.seats, 0)  # someone else took the last seats
    with pytest.raises(SoldOut):
        await world.desk.hold("key-5", offer_id, details(1, vehicle=None))


async def test_issue_gives_an_e_ticket_per_passenger_and_vehicle(world: World) -> None:
    held = await world.desk.hold("key-6", await world.offer_id(), details(2))
    issued = await world.desk.issue(held.reference)
    assert issued.status is BookingStatus.ISSUED
    assert [d.kind for d in issued.documents] == ["e-ticket"] * 3
    fields = [dict(d.fields) for d in issued.documents]
    assert [f.get("passenger") for f in fields] == ["Siti Rahayu", "Siti B Rahayu", None]
    assert fields[2]["plate_number"] == "B 1234 XYZ"
    assert len({f["boarding_code"] for f in fields}) == 3
    assert fields[0]["departure"].endswith("+07:00")
    assert (await world.desk.issue(held.reference)) == issued


async def test_a_lapsed_hold_expires_and_cannot_be_issued(world: World) -> None:
    held = await world.desk.hold("key-7", await world.offer_id(), details(2))
    world.clock.advance(minutes=31)
    assert (await world.desk.get(held.reference)).status is BookingStatus.EXPIRED
    with pytest.raises(HoldExpired):
        await world.desk.issue(held.reference)
    assert (await world.desk.cancel(held.reference)).status is BookingStatus.EXPIRED


async def test_an_operator_cancelled_sailing_fails_issuance_with_a_reason(world: World) -> None:
    held = await world.desk.hold("key-8", await world.offer_id(), details(2))
    world.operator.cancelled.add(held.sailing.sailing_id)
    failed = await world.desk.issue(held.reference)
    assert failed.status is BookingStatus.FAILED
    assert failed.failure_reason is not None
    assert "cancelled this sailing" in failed.failure_reason
    assert failed.documents == ()
    assert (await world.desk.cancel(held.reference)).status is BookingStatus.FAILED


async def test_cancel_releases_a_hold_and_refunds_issued_tickets(world: World) -> None:
    held = await world.desk.hold("key-9", await world.offer_id(), details(2))
    cancelled = await world.desk.cancel(held.reference)
    assert cancelled.status is BookingStatus.CANCELLED
    assert cancelled.refund_amount is None
    with pytest.raises(BookingCancelled):
        await world.desk.issue(held.reference)
    other = await world.desk.hold("key-10", await world.offer_id(index=4), details(2))
    await world.desk.issue(other.reference)
    refunded = await world.desk.cancel(other.reference)
    assert refunded.refund_amount == Decimal("361350.00")  # 75 % of 481,800
    assert len(refunded.documents) == 3  # kept, now void
