"""In-memory stand-ins for the flights ports, and a builder for normalised offers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from types import TracebackType
from typing import Self

from domain.bookings import Booking, Passenger, SupplierHold, SupplierOrder, Ticket
from domain.errors import HoldRefused, SupplierUnavailable
from domain.models import (
    Airport,
    CabinClass,
    Itinerary,
    Offer,
    PassengerPrice,
    PassengerType,
    SearchCriteria,
    SearchResult,
    Segment,
    SupplierOffer,
)
from domain.offer_ids import encode_offer_id
from shared.booking_lifecycle import Contact

WIB = timezone(timedelta(hours=7))
WITA = timezone(timedelta(hours=8))

AIRPORTS = {
    "CGK": Airport("CGK", "Soekarno-Hatta International Airport", "Jakarta", "ID", "Asia/Jakarta"),
    "DPS": Airport("DPS", "Ngurah Rai International Airport", "Denpasar", "ID", "Asia/Makassar"),
    "SUB": Airport("SUB", "Juanda International Airport", "Surabaya", "ID", "Asia/Jakarta"),
    "SIN": Airport("SIN", "Changi Airport", "Singapore", "SG", "Asia/Singapore"),
}


class FakeAirports:
    def get(self, iata: str) -> Airport | None:
        return AIRPORTS.get(iata.upper())

    def search(self, query: str, limit: int) -> list[Airport]:
        q = query.lower()
        return [a for a in AIRPORTS.values() if q in a.iata.lower() or q in a.city.lower()][:limit]


def make_offer(
    *,
    supplier: str = "amadeus",
    ref: str = "1",
    price: str = "1000000",
    flights: tuple[tuple[str, str], ...] = (("GA", "402"),),
    depart: datetime = datetime(2030, 5, 1, 6, 0, tzinfo=WIB),
    leg_minutes: int = 110,
    cabin: CabinClass = CabinClass.ECONOMY,
    route: tuple[str, ...] | None = None,
    party: tuple[tuple[PassengerType, int], ...] = ((PassengerType.ADULT, 1),),
) -> Offer:
    segments = []
    at = depart
    stops = list(route) if route else ["CGK", *(f"X{i}" for i in range(len(flights) - 1)), "DPS"]
    for i, (carrier, number) in enumerate(flights):
        arrive = (at + timedelta(minutes=leg_minutes)).astimezone(WITA)
        segments.append(
            Segment(carrier, carrier, number, stops[i], stops[i + 1], at, arrive, leg_minutes, "320")
        )
        at = arrive + timedelta(minutes=60)
    total_minutes = int((segments[-1].arrival_at - segments[0].departure_at).total_seconds() // 60)
    return Offer(
        offer_id=encode_offer_id(supplier, ref),
        supplier=supplier,
        supplier_offer_id=ref,
        itineraries=(Itinerary(tuple(segments), total_minutes),),
        cabin_class=cabin,
        total_price=Decimal(price),
        passenger_prices=tuple(PassengerPrice(kind, count, Decimal(price)) for kind, count in party),
    )


class FakeSupplier:
    def __init__(
        self,
        name: str,
        offers: list[Offer] | None = None,
        *,
        delay: float = 0.0,
        fail: bool = False,
        reprice: str | None = None,
    ) -> None:
        self.name = name
        self.offers = offers or []
        self.delay = delay
        self.fail = fail
        self.reprice = reprice
        self.search_calls = 0
        self.price_calls = 0
        # booking knobs and records
        self.hold_delay = 0.0
        self.hold_error: Exception | None = None
        self.hold_total: str | None = None  # the supplier confirms another total than it priced
        self.hold_expires_at = HOLD_EXPIRY
        self.issue_error: Exception | None = None
        self.cancel_error: Exception | None = None
        self.refund: Decimal | None = None  # what a cancel of an issued order refunds
        # Seats left per supplier offer id (absent: plenty); a hold takes one per passenger and
        # a cancel gives them back, like an airline's inventory.
        self.seats: dict[str, int] = {}
        self.holds: list[SupplierHold] = []
        self.issued: list[str] = []
        self.cancelled: list[str] = []
        self.held_offers: dict[str, str] = {}  # order id → supplier offer id

    async def search(self, criteria: SearchCriteria) -> list[SupplierOffer]:
        self.search_calls += 1
        await asyncio.sleep(self.delay)
        if self.fail:
            raise SupplierUnavailable(self.name, "HTTP 500")
        return [SupplierOffer(o, {"id": o.supplier_offer_id}) for o in self.offers]

    async def price(self, cached: SupplierOffer, criteria: SearchCriteria) -> SupplierOffer:
        self.price_calls += 1
        offer = cached.offer
        if self.reprice is not None:
            offer = replace(offer, total_price=Decimal(self.reprice))
        return SupplierOffer(offer, cached.raw)

    async def hold(
        self, priced: SupplierOffer, passengers: tuple[Passenger, ...], contact: Contact
    ) -> SupplierHold:
        await asyncio.sleep(self.hold_delay)
        if self.hold_error is not None:
            raise self.hold_error
        offer_ref = priced.offer.supplier_offer_id
        if offer_ref in self.seats:
            if self.seats[offer_ref] < len(passengers):
                raise HoldRefused(self.name, "offer_no_longer_available")
            self.seats[offer_ref] -= len(passengers)
        n = len(self.holds) + 1
        held = SupplierHold(
            order_id=f"{self.name}-order-{uuid.uuid4().hex[:12]}",  # unique across test databases
            reference=f"PNR{n:03d}",
            total_price=Decimal(self.hold_total) if self.hold_total else priced.offer.total_price,
            hold_expires_at=self.hold_expires_at,
            passengers=tuple(replace(p, supplier_passenger_id=str(i + 1)) for i, p in enumerate(passengers)),
        )
        self.holds.append(held)
        self.held_offers[held.order_id] = offer_ref
        return held

    async def issue(self, order: SupplierOrder) -> tuple[Ticket, ...]:
        if self.issue_error is not None:
            raise self.issue_error
        self.issued.append(order.order_id)
        return tuple(
            Ticket(p.full_name, f"126-{1000000000 + i}", p.supplier_passenger_id)
            for i, p in enumerate(order.passengers)
        )

    async def cancel(self, order: SupplierOrder) -> Decimal | None:
        if self.cancel_error is not None:
            raise self.cancel_error
        self.cancelled.append(order.order_id)
        offer_ref = self.held_offers.get(order.order_id)
        if offer_ref in self.seats:
            self.seats[offer_ref] += len(order.passengers)
        return self.refund if order.order_id in self.issued else Decimal("0.00")


class BookingStore:
    """The committed state of the fake bookings database, shared by its units of work."""

    def __init__(self) -> None:
        self.bookings: dict[str, Booking] = {}


class FakeBookingRepository:
    def __init__(self, store: BookingStore, uow: FakeUnitOfWork) -> None:
        self._store = store
        self._uow = uow

    async def find_by_key(self, idempotency_key: str) -> Booking | None:
        return next((b for b in self._store.bookings.values() if b.idempotency_key == idempotency_key), None)

    async def add(self, booking: Booking) -> None:
        self._uow.pending_bookings[booking.reference] = booking

    async def get(self, reference: str, *, for_update: bool = False) -> Booking | None:
        return self._uow.pending_bookings.get(reference) or self._store.bookings.get(reference)

    async def save(self, booking: Booking) -> None:
        self._uow.pending_bookings[booking.reference] = booking


class FakeUnitOfWork:
    def __init__(self, store: BookingStore) -> None:
        self.store = store
        self.pending_bookings: dict[str, Booking] = {}
        self.commits = 0
        self._bookings = FakeBookingRepository(store, self)

    @property
    def bookings(self) -> FakeBookingRepository:
        return self._bookings

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.pending_bookings.clear()

    async def commit(self) -> None:
        self.store.bookings.update(self.pending_bookings)
        self.pending_bookings.clear()
        self.commits += 1


class MemoryCache:
    def __init__(self) -> None:
        self.offers: dict[str, tuple[SupplierOffer, SearchCriteria]] = {}
        self.searches: dict[str, SearchResult] = {}

    async def put_offers(self, offers: list[SupplierOffer], criteria: SearchCriteria, ttl: float) -> None:
        for o in offers:
            self.offers[o.offer.offer_id] = (o, criteria)

    async def get_offer(self, offer_id: str) -> tuple[SupplierOffer, SearchCriteria] | None:
        return self.offers.get(offer_id)

    async def put_search(self, key: str, result: SearchResult, ttl: float) -> None:
        self.searches[key] = result

    async def get_search(self, key: str) -> SearchResult | None:
        return self.searches.get(key)


NOW = datetime(2030, 4, 1, 3, 0, tzinfo=UTC)
HOLD_EXPIRY = NOW + timedelta(minutes=20)


def fixed_clock(at: datetime = NOW) -> Callable[[], datetime]:
    return lambda: at


class MovableClock:
    """A clock the tests move forward (to let holds lapse)."""

    def __init__(self, at: datetime = NOW) -> None:
        self.now = at

    def __call__(self) -> datetime:
        return self.now


def criteria(**overrides: object) -> SearchCriteria:
    values: dict[str, object] = {"origin": "CGK", "destination": "DPS", "departure_date": date(2030, 5, 1)}
    values.update(overrides)
    return SearchCriteria(**values)  # type: ignore[arg-type]
