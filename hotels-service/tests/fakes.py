"""In-memory stand-ins for the hotels ports: a hotel supplier whose answers tests steer, a fixed
clock, and a unit of work over a dict."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from types import TracebackType
from typing import Literal, Self

from domain.bookings import Booking, Guest
from domain.errors import (
    HotelNotFound,
    OfferExpired,
    PriceChanged,
    SoldOut,
    SupplierTimeout,
    SupplierUnavailable,
)
from domain.models import (
    Board,
    CancellationPolicy,
    Destination,
    Hotel,
    HotelAvailability,
    HotelDetails,
    HotelOffer,
    NightlyPrice,
    RoomDescription,
    SearchCriteria,
    SearchResult,
)
from domain.ports import CheckedRate, SupplierBooking, SupplierBookingStatus
from shared.booking_lifecycle import Contact

WITA = timezone(timedelta(hours=8))
NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)  # 11:00 in Bali


def fixed_clock(start: datetime = NOW) -> Callable[[], datetime]:
    return lambda: start


class MovableClock:
    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


DESTINATIONS = [
    Destination("DPS", "Bali", "ID"),
    Destination("DPS-4", "Ubud, Bali", "ID"),
    Destination("DPS-2", "Seminyak, Bali", "ID"),
    Destination("JKT", "Jakarta", "ID"),
]

UBUD_VILLA = Hotel(
    "612002",
    "Alaya Ubud Sawah",
    4,
    "Jl. Hanoman, Ubud",
    "Bali",
    "Ubud",
    Decimal("-8.5148"),
    Decimal("115.2646"),
    timedelta(hours=8),
)
UBUD_INN = Hotel(
    "612003",
    "Pondok Bambu Ubud",
    3,
    "Jl. Monkey Forest No. 55, Ubud",
    "Bali",
    "Ubud",
    Decimal("-8.5124"),
    Decimal("115.2608"),
    timedelta(hours=8),
)


def policies(
    check_in: date, total: Decimal, first_night: Decimal, refundable: bool
) -> tuple[CancellationPolicy, ...]:
    if not refundable:
        return (CancellationPolicy(NOW.astimezone(WITA), total),)
    return (
        CancellationPolicy(datetime.combine(check_in - timedelta(days=4), time(23, 59), WITA), first_night),
        CancellationPolicy(datetime.combine(check_in - timedelta(days=1), time(23, 59), WITA), total),
    )


@dataclass
class FakeBooking:
    reference: str
    rate_key: str
    status: SupplierBookingStatus
    total: Decimal
    holder: Guest
    guests: tuple[Guest, ...]
    remark: str | None
    client_reference: str
    outcome: Literal["issued", "failed"] | None = None


@dataclass
class FakeHotelSupplier:
    """Two Ubud hotels with RO/BB rates, refundable and not. Tests steer it: `price_moves`
    (checkrates answers this much more), `sold_out_on_book`, `pending_next` (the next booking is
    on request and later settles as issued or failed), `fee` (what cancelling costs), `down`."""

    name: str = "hotelbeds"
    calls: list[str] = field(default_factory=list)
    price_moves: Decimal = Decimal(0)
    sold_out_on_check: bool = False
    sold_out_on_book: bool = False
    repriced_on_book: bool = False
    pending_next: Literal["issued", "failed"] | None = None
    fee: Decimal | None = None  # None: the first policy in force decides (free here)
    down: bool = False
    times_out_after_booking: bool = False
    bookings: dict[str, FakeBooking] = field(default_factory=dict)
    prices: dict[str, Decimal] = field(default_factory=dict)  # rate key → its total
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(4391877))

    def _call(self, what: str) -> None:
        self.calls.append(what)
        if self.down:
            raise SupplierUnavailable(self.name, "HTTP 500: SYSTEM_ERROR")

    async def destinations(self) -> list[Destination]:
        self._call("destinations")
        return list(DESTINATIONS)

    async def availability(self, criteria: SearchCriteria) -> SearchResult:
        self._call("availability")
        if not criteria.destination.startswith("DPS"):
            return SearchResult(criteria, ())
        nights = criteria.stay.night_dates()
        rooms = criteria.occupancy.rooms
        hotels = []
        for hotel, base in ((UBUD_VILLA, Decimal(1_650_000)), (UBUD_INN, Decimal(650_000))):
            offers = []
            for board, extra in ((Board.ROOM_ONLY, Decimal(0)), (Board.BED_AND_BREAKFAST, Decimal(250_000))):
                for refundable in (True, False):
                    night = (base + extra) * rooms * (1 if refundable else Decimal("0.9"))
                    total = night * len(nights)
                    rate_class = "NOR" if refundable else "NRF"
                    key = f"{criteria.cache_key()}|{hotel.hotel_id}|{board}|{rate_class}|{total}"
                    self.prices[key] = total.quantize(Decimal("0.01"))
                    offers.append(
                        HotelOffer(
                            offer_id=HotelOffer.id_for(self.name, key),
                            supplier=self.name,
                            rate_key=key,
                            recheck=False,
                            hotel_id=hotel.hotel_id,
                            room_code="DBL.ST",
                            room_name="Double Standard",
                            board=board,
                            total_price=total.quantize(Decimal("0.01")),
                            nightly_prices=tuple(
                                NightlyPrice(d, night.quantize(Decimal("0.01"))) for d in nights
                            ),
                            refundable=refundable,
                            policies=policies(criteria.stay.check_in, total, night, refundable),
                        )
                    )
            hotels.append(HotelAvailability(hotel, tuple(offers)))
        return SearchResult(criteria, tuple(hotels))

    async def hotel_details(self, hotel_id: str) -> HotelDetails:
        self._call("details")
        for hotel in (UBUD_VILLA, UBUD_INN):
            if hotel.hotel_id == hotel_id:
                rooms = (RoomDescription("DBL.ST", "DOUBLE STANDARD", 2, 1, 3),)
                return HotelDetails(
                    hotel, f"{hotel.name} in Ubud.", (Board.ROOM_ONLY, Board.BED_AND_BREAKFAST), rooms
                )
        raise HotelNotFound(f"No hotel {hotel_id!r}.")

    async def check_rate(self, offer: HotelOffer) -> CheckedRate:
        self._call("checkrates")
        if self.sold_out_on_check:
            raise OfferExpired("Insufficient allotment")
        # Like Hotelbeds: the price now is the rate's own price moved by the market, whatever key
        # (the search's or an earlier check's) asks.
        base = offer.rate_key.split("|moved", 1)[0]
        total = self.prices[base] + self.price_moves
        key = base if not self.price_moves else f"{base}|moved{self.price_moves}"
        self.prices[key] = total
        return CheckedRate(key, total, offer.policies)

    async def book(
        self,
        rate_key: str,
        holder: Guest,
        guests: tuple[Guest, ...],
        contact: Contact,
        client_reference: str,
        remark: str | None,
    ) -> SupplierBooking:
        self._call("book")
        if self.sold_out_on_book:
            raise SoldOut("Insufficient allotment")
        if self.repriced_on_book:
            raise PriceChanged(Decimal(0), Decimal(0))
        reference = f"102-{next(self._numbers)}"
        status = SupplierBookingStatus.PENDING if self.pending_next else SupplierBookingStatus.CONFIRMED
        total = self.prices[rate_key]
        self.bookings[reference] = FakeBooking(
            reference,
            rate_key,
            status,
            total,
            holder,
            guests,
            remark,
            client_reference,
            outcome=self.pending_next,
        )
        self.pending_next = None
        if self.times_out_after_booking:
            # The hotel booked, but the answer never arrived.
            self.times_out_after_booking = False
            raise SupplierTimeout(self.name, "timed out")
        return SupplierBooking(reference, status, total)

    async def find(
        self, client_reference: str, created_from: date, created_to: date
    ) -> SupplierBooking | None:
        self._call("find")
        for b in self.bookings.values():
            if b.client_reference == client_reference and b.status is not SupplierBookingStatus.CANCELLED:
                return SupplierBooking(b.reference, b.status, b.total)
        return None

    def settle(self, reference: str) -> None:
        """The hotelier answers an on-request booking."""
        booking = self.bookings[reference]
        booking.status = (
            SupplierBookingStatus.CONFIRMED
            if booking.outcome == "issued"
            else SupplierBookingStatus.CANCELLED
        )

    async def read(self, reference: str) -> SupplierBooking:
        self._call("read")
        b = self.bookings[reference]
        return SupplierBooking(reference, b.status, b.total)

    async def cancellation_fee(self, reference: str) -> Decimal:
        self._call("simulate")
        return self.fee or Decimal(0)

    async def cancel(self, reference: str) -> Decimal:
        self._call("cancel")
        self.bookings[reference].status = SupplierBookingStatus.CANCELLED
        return self.fee or Decimal(0)


class FakeBookings:
    def __init__(self, store: dict[str, Booking]) -> None:
        self._store = store

    async def add(self, booking: Booking) -> None:
        self._store[booking.reference] = booking

    async def get(self, reference: str, *, for_update: bool = False) -> Booking | None:
        return self._store.get(reference)

    async def save(self, booking: Booking) -> None:
        self._store[booking.reference] = replace(booking)


class FakeUnitOfWork:
    """Commits by copying a staged dict over the shared one; leaving without commit drops it."""

    def __init__(self, store: dict[str, Booking]) -> None:
        self._shared = store
        self._staged: dict[str, Booking] = {}

    @property
    def bookings(self) -> FakeBookings:
        return FakeBookings(self._staged)

    async def __aenter__(self) -> Self:
        self._staged = dict(self._shared)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._staged = {}

    async def commit(self) -> None:
        self._shared.clear()
        self._shared.update(self._staged)
