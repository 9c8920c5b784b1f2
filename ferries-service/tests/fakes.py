"""An in-memory ferry operator (the FerryOperator port) with the operator's rules that matter to
the service: a timetable, fares per passenger type and golongan, seats and lane metres, holds
with a deadline, tickets, refunds and cancelled sailings; and a clock tests can move."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from types import TracebackType
from typing import Self

from domain.bookings import Booking, BookingDetails, OperatorBooking, OperatorQuote, OperatorTicket
from domain.errors import (
    BookingCancelled,
    HoldExpired,
    NotCancellable,
    SailingCancelled,
    SoldOut,
    SupplierUnavailable,
)
from domain.models import FareLine, Offer, Port, Route, RouteService, Sailing, SearchCriteria
from domain.offer_ids import decode_offer_id

WIB = timezone(timedelta(hours=7))
WITA = timezone(timedelta(hours=8))
PORTS = [
    Port("MRK", "Pelabuhan Merak", "Cilegon", "Banten", "Asia/Jakarta"),
    Port("BKH", "Pelabuhan Bakauheni", "Lampung Selatan", "Lampung", "Asia/Jakarta"),
    Port("KTP", "Pelabuhan Ketapang", "Banyuwangi", "Jawa Timur", "Asia/Jakarta"),
    Port("GLM", "Pelabuhan Gilimanuk", "Jembrana", "Bali", "Asia/Makassar"),
]
ROUTES = [
    Route(
        "MRK",
        "BKH",
        "PT ASDP Indonesia Ferry (Persero)",
        (RouteService("regular", 150, 60), RouteService("executive", 75, 120)),
    ),
    Route(
        "BKH",
        "MRK",
        "PT ASDP Indonesia Ferry (Persero)",
        (RouteService("regular", 150, 60), RouteService("executive", 75, 120)),
    ),
    Route("KTP", "GLM", "PT ASDP Indonesia Ferry (Persero)", (RouteService("regular", 45, 60),)),
    Route("GLM", "KTP", "PT ASDP Indonesia Ferry (Persero)", (RouteService("regular", 45, 60),)),
]
# Merak–Bakauheni regular, 2023 (IDR); children and infants as the operator prices them.
FARES = {"adult": 22_700, "child": 18_200, "infant": 2_300, "II": 62_100, "IVA": 481_800, "VB": 835_300}
LANE = {"II": Decimal("2.5"), "IVA": Decimal("5.5"), "VB": Decimal("7.5")}
SEATS_INSIDE = {"II": 1, "IVA": 7, "VB": 2}


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class _Booking:
    id: str
    code: str
    sailing_id: str
    seats: int
    lane: Decimal
    total: Decimal
    expires_at: datetime
    details: BookingDetails
    status: str = "HELD"
    tickets: tuple[OperatorTicket, ...] = ()
    refund: Decimal | None = None


def fare_lines(
    party_counts: dict[str, int], vehicle: str | None, change_pct: int = 0
) -> tuple[FareLine, ...]:
    def price(code: str) -> Decimal:
        return Decimal(FARES[code] * (100 + change_pct) // 100)

    lines: list[FareLine] = []
    room = 0
    if vehicle:
        room = SEATS_INSIDE[vehicle]
        lines.append(FareLine("vehicle", vehicle, 1, price(vehicle), price(vehicle)))
    for pax in ("adult", "child", "infant"):
        n = party_counts[pax]
        if n:
            inside = min(room, n)
            room -= inside
            lines.append(FareLine("passenger", pax, n, price(pax), price(pax) * (n - inside), inside))
    return tuple(lines)


class FakeOperator:
    """Sailings every hour on every route; 300 seats and 200 lane metres each unless a test
    sets what is left."""

    name = "ferry-operator"

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.seats: dict[str, int] = {}
        self.lanes: dict[str, Decimal] = {}
        self.cancelled: set[str] = set()
        self.bookings: dict[str, _Booking] = {}
        self.price_change_pct = 0
        self.down = False
        self.calls: list[str] = []
        self._ids = itertools.count(1)
        self._lock = asyncio.Lock()

    def _up(self, call: str) -> None:
        self.calls.append(call)
        if self.down:
            raise SupplierUnavailable("HTTP 500")

    async def ports(self) -> list[Port]:
        self._up("ports")
        return list(PORTS)

    async def routes(self) -> list[Route]:
        self._up("routes")
        return list(ROUTES)

    def _sailing(
        self, route: Route, service: RouteService, day: date, hour: int, criteria: SearchCriteria
    ) -> Sailing:
        origin_zone = WIB
        dest_zone = WITA if route.destination == "GLM" else WIB
        departure = datetime.combine(day, time(hour, 0), tzinfo=origin_zone)
        sailing_id = f"{route.origin}{route.destination}-{day:%Y%m%d}-{hour:02d}00-{service.name[:3].upper()}"
        counts = {
            "adult": criteria.party.adults,
            "child": criteria.party.children,
            "infant": criteria.party.infants,
        }
        lines = fare_lines(counts, criteria.vehicle_class)
        seats = self.seats.setdefault(sailing_id, 300)
        lane = self.lanes.setdefault(sailing_id, Decimal(200))
        needs_lane = LANE[criteria.vehicle_class] if criteria.vehicle_class else Decimal(0)
        cancelled = sailing_id in self.cancelled
        return Sailing(
            sailing_id=sailing_id,
            origin=route.origin,
            destination=route.destination,
            service_class=service.name,
            vessel="KMP Legundi",
            operator=route.operator,
            departure_at=departure,
            arrival_at=(departure + timedelta(minutes=service.duration_minutes)).astimezone(dest_zone),
            duration_minutes=service.duration_minutes,
            cancelled=cancelled,
            bookable=not cancelled and seats >= criteria.party.seats and lane >= needs_lane,
            seats_left=seats,
            lane_meters_left=lane,
            fares=lines,
            total=sum((line.amount for line in lines), Decimal(0)),
        )

    async def sailings(self, criteria: SearchCriteria) -> list[Sailing]:
        self._up("sailings")
        route = next(
            r for r in ROUTES if (r.origin, r.destination) == (criteria.origin, criteria.destination)
        )
        out = []
        for service in route.services:
            if criteria.service_class and service.name != criteria.service_class:
                continue
            step = service.departures_every_minutes // 60
            out += [
                self._sailing(route, service, criteria.departure_date, h, criteria)
                for h in range(0, 24, step)
            ]
        return sorted(out, key=lambda s: s.departure_at)

    async def quote(self, offer: Offer) -> OperatorQuote:
        self._up("quote")
        sailing_id, party, vehicle = decode_offer_id(offer.offer_id)
        if sailing_id in self.cancelled:
            raise SailingCancelled("The operator cancelled this sailing")
        counts = {"adult": party.adults, "child": party.children, "infant": party.infants}
        lines = fare_lines(counts, vehicle, self.price_change_pct)
        return OperatorQuote(
            f"FQ{next(self._ids)}:{offer.offer_id}", sum((x.amount for x in lines), Decimal(0)), lines
        )

    async def hold(self, quote: OperatorQuote, details: BookingDetails) -> OperatorBooking:
        self._up("hold")
        offer_id = quote.quote_id.split(":", 1)[1]
        sailing_id, party, vehicle = decode_offer_id(offer_id)
        lane = LANE[vehicle] if vehicle else Decimal(0)
        async with self._lock:
            await asyncio.sleep(0)  # let a racing hold reach the lock
            if (
                self.seats.get(sailing_id, 300) < party.seats
                or self.lanes.get(sailing_id, Decimal(200)) < lane
            ):
                raise SoldOut("Not enough seats or deck space left")
            self.seats[sailing_id] = self.seats.get(sailing_id, 300) - party.seats
            self.lanes[sailing_id] = self.lanes.get(sailing_id, Decimal(200)) - lane
        n = uuid.uuid4().hex  # the test database outlives this fake: ids never repeat
        booking = _Booking(
            f"FB{n[:16]}",
            f"K{n[16:23].upper()}",
            sailing_id,
            party.seats,
            lane,
            quote.total,
            self.clock() + timedelta(minutes=30),
            details,
        )
        self.bookings[booking.id] = booking
        return self._view(booking)

    def _view(self, b: _Booking) -> OperatorBooking:
        return OperatorBooking(b.id, b.code, b.status, b.expires_at, b.total, b.tickets, b.refund)

    async def issue(self, booking_id: str) -> OperatorBooking:
        self._up("issue")
        b = self.bookings[booking_id]
        if b.status == "ISSUED":
            return self._view(b)
        if b.status == "CANCELLED":
            raise BookingCancelled("The booking is cancelled")
        if self.clock() >= b.expires_at:
            raise HoldExpired("The hold lapsed")
        if b.sailing_id in self.cancelled:
            raise SailingCancelled("The operator cancelled this sailing")
        tickets = [
            OperatorTicket("passenger", f"TKT{b.code}{i}", f"BC{b.code}{i}", p.full_name, i)
            for i, p in enumerate(b.details.passengers)
        ]
        if b.details.vehicle:
            tickets.append(
                OperatorTicket("vehicle", f"TKK{b.code}", f"BV{b.code}", b.details.vehicle.plate_number)
            )
        b.status, b.tickets = "ISSUED", tuple(tickets)
        return self._view(b)

    async def cancel(self, booking_id: str) -> OperatorBooking:
        self._up("cancel")
        b = self.bookings[booking_id]
        if b.status == "ISSUED":
            if b.sailing_id in self.cancelled:
                b.refund = b.total
            else:
                b.refund = (b.total * Decimal("0.75")).quantize(Decimal("0.01"))
        elif b.status == "DEPARTED":
            raise NotCancellable("The sailing has left")
        if b.status in ("HELD", "ISSUED"):
            self.seats[b.sailing_id] += b.seats
            self.lanes[b.sailing_id] += b.lane
        b.status = "CANCELLED"
        return self._view(b)

    def depart(self, booking_id: str) -> None:
        self.bookings[booking_id] = replace(self.bookings[booking_id], status="DEPARTED")


class MemoryBookings:
    """The BookingRepository port over a dict shared by every unit of work of one test."""

    def __init__(self, store: dict[str, Booking]) -> None:
        self._store = store

    async def add(self, booking: Booking) -> None:
        assert booking.reference not in self._store
        self._store[booking.reference] = booking

    async def get(self, reference: str, *, for_update: bool = False) -> Booking | None:
        return self._store.get(reference)

    async def save(self, booking: Booking) -> None:
        self._store[booking.reference] = booking


class MemoryUnitOfWork:
    """Changes reach the shared store only on commit, like the SQL unit of work."""

    def __init__(self, store: dict[str, Booking]) -> None:
        self._store = store
        self._pending: dict[str, Booking] = {}
        self.bookings = MemoryBookings(self._pending)

    async def __aenter__(self) -> Self:
        self._pending.update(self._store)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._pending.clear()

    async def commit(self) -> None:
        self._store.update(self._pending)
