"""The ferry operator's state and rules: access tokens, fares for a party, quotes, bookings held
with a deadline, tickets with boarding codes, cancellation with the operator's refund rules, and
sailings the operator cancels. The HTTP shapes live in ferry_api.py."""

from __future__ import annotations

import random
import secrets
import string
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ferry_network import PASSENGER_TYPES, VEHICLE_CLASSES
from ferry_sailings import Deck, Sailing, find_sailing, weather_cancelled
from holds import Clock

from config import FerrySettings

HELD, ISSUED, CANCELLED, EXPIRED = "HELD", "ISSUED", "CANCELLED", "EXPIRED"
CENT = Decimal("0.01")
FULL_REFUND_BEFORE = timedelta(hours=24)
REFUND_SHARE = Decimal("0.75")  # cancelled by the customer 24 h or more before departure


class FerryError(Exception):
    """An operator error: HTTP status and one {code, title, detail} entry of its error body."""

    def __init__(
        self, status: int, code: str, title: str, detail: str, field_name: str | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.body: dict[str, Any] = {"code": code, "title": title, "detail": detail}
        if field_name:
            self.body["source"] = {"field": field_name}


def _whole_second(moment: datetime) -> datetime:
    """Rounded up: the API writes whole seconds, and the deadline it states is the one it keeps."""
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)


def money(value: Decimal) -> str:
    return f"{value.quantize(CENT)}"


@dataclass(frozen=True)
class Party:
    adult: int
    child: int = 0
    infant: int = 0

    def count(self, pax_type: str) -> int:
        return int(getattr(self, pax_type))

    @property
    def seats(self) -> int:
        """Infants sit on a lap."""
        return self.adult + self.child


def fare_lines(
    sailing: Sailing, party: Party, vehicle_class: str | None, change_pct: float = 0.0
) -> list[dict[str, Any]]:
    """The fare breakdown: the vehicle (its fare carries its driver and the people inside, up to
    what it seats, adults first), then each passenger type with how many pay their own fare."""
    fares = sailing.service.fares
    factor = Decimal(1) + Decimal(str(change_pct)) / 100

    def price(code: str) -> Decimal:
        return (Decimal(fares[code]) * factor / 100).quantize(Decimal(1)) * 100

    lines: list[dict[str, Any]] = []
    room = 0
    if vehicle_class is not None:
        label, _, room = VEHICLE_CLASSES[vehicle_class]
        unit = price(vehicle_class)
        lines.append(
            {
                "category": "vehicle",
                "code": vehicle_class,
                "description": label,
                "quantity": 1,
                "unit_price": money(unit),
                "amount": money(unit),
            }
        )
    for pax_type in PASSENGER_TYPES:
        count = party.count(pax_type)
        if not count:
            continue
        inside = min(room, count)
        room -= inside
        unit = price(pax_type)
        lines.append(
            {
                "category": "passenger",
                "code": pax_type,
                "quantity": count,
                "included_in_vehicle": inside,
                "unit_price": money(unit),
                "amount": money(unit * (count - inside)),
            }
        )
    return lines


def total_of(lines: list[dict[str, Any]]) -> Decimal:
    return sum((Decimal(line["amount"]) for line in lines), Decimal(0))


@dataclass
class Quote:
    id: str
    sailing: Sailing
    party: Party
    vehicle_class: str | None
    lines: list[dict[str, Any]]
    expires_at: datetime
    used: bool = False

    @property
    def total(self) -> Decimal:
        return total_of(self.lines)


@dataclass
class Booking:
    id: str
    code: str
    sailing: Sailing
    party: Party
    vehicle: dict[str, str] | None
    passengers: list[dict[str, Any]]
    contact: dict[str, Any]
    lines: list[dict[str, Any]]
    lane_meters: Decimal
    created_at: datetime
    expires_at: datetime
    status: str = HELD
    tickets: list[dict[str, Any]] = field(default_factory=list)
    refund_amount: Decimal | None = None
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None  # "customer" | "operator"

    @property
    def total(self) -> Decimal:
        return total_of(self.lines)


class FerryOperator:
    """Everything the operator remembers; `reset()` forgets bookings, quotes, space and cancelled
    sailings (tokens survive: clients keep theirs)."""

    def __init__(self, settings: FerrySettings, clock: Clock, seed: int) -> None:
        self.settings = settings
        self.clock = clock
        self.seed = seed
        self.tokens: dict[str, datetime] = {}
        # Space follows SANDBOX_SEED; booking ids, codes and boarding codes must not repeat after a restart.
        self.rng = random.Random(f"{seed}:ferry:{secrets.token_hex(16)}")
        self.reset()

    def reset(self) -> None:
        self.deck = Deck(self.seed)
        self.quotes: dict[str, Quote] = {}
        self.bookings: dict[str, Booking] = {}
        self.cancelled_sailings: set[str] = set()

    def token(self, length: int, alphabet: str = string.ascii_uppercase + string.digits) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    # --- timetable ----------------------------------------------------------------------------

    def sailing(self, sailing_id: str) -> Sailing:
        found = find_sailing(sailing_id, self.seed)
        if found is None:
            raise FerryError(404, "SAILING_NOT_FOUND", "Sailing not found", f"No sailing {sailing_id}")
        return found

    def is_cancelled(self, sailing: Sailing) -> bool:
        return sailing.id in self.cancelled_sailings or weather_cancelled(sailing, self.seed)

    def sales_open(self, sailing: Sailing) -> bool:
        """Sales open `sales_window_days` ahead (local date) and close before departure."""
        now = self.clock()
        today = now.astimezone(sailing.departure.tzinfo).date()
        horizon = today + timedelta(days=self.settings.sales_window_days)
        closes = sailing.departure - timedelta(minutes=self.settings.sales_close_minutes)
        return sailing.departure.date() <= horizon and now < closes

    def on_sale_day(self, day: date, zone_now: date) -> bool:
        return zone_now <= day <= zone_now + timedelta(days=self.settings.sales_window_days)

    # --- quotes and holds ---------------------------------------------------------------------

    def quote(self, sailing: Sailing, party: Party, vehicle_class: str | None, change_pct: float) -> Quote:
        self._check_sellable(sailing)
        quote = Quote(
            id="FQ" + self.token(14),
            sailing=sailing,
            party=party,
            vehicle_class=vehicle_class,
            lines=fare_lines(sailing, party, vehicle_class, change_pct),
            expires_at=self.clock() + timedelta(seconds=self.settings.quote_ttl_seconds),
        )
        self.quotes[quote.id] = quote
        return quote

    def _check_sellable(self, sailing: Sailing) -> None:
        if self.is_cancelled(sailing):
            raise FerryError(
                409, "SAILING_CANCELLED", "Sailing cancelled", "The operator cancelled this sailing"
            )
        if not self.sales_open(sailing):
            raise FerryError(
                422,
                "SALES_CLOSED",
                "Sales closed",
                "This sailing is not on sale (too far ahead or departing)",
            )

    async def hold(
        self,
        quote: Quote,
        passengers: list[dict[str, Any]],
        vehicle: dict[str, str] | None,
        contact: dict[str, Any],
    ) -> Booking | None:
        """A new booking holding seats and deck space, or None when either has run out."""
        self.sweep()
        self._check_sellable(quote.sailing)
        lane = VEHICLE_CLASSES[quote.vehicle_class][1] if quote.vehicle_class else Decimal(0)
        if not await self.deck.take(quote.sailing, quote.party.seats, lane):
            return None
        quote.used = True
        now = self.clock()
        booking = Booking(
            id="FB" + self.token(16, string.ascii_letters + string.digits),
            code=self.token(8),
            sailing=quote.sailing,
            party=quote.party,
            vehicle=vehicle,
            passengers=passengers,
            contact=contact,
            lines=quote.lines,
            lane_meters=lane,
            created_at=now,
            expires_at=_whole_second(now + timedelta(seconds=self.settings.hold_ttl_seconds)),
        )
        self.bookings[booking.id] = booking
        return booking

    def get(self, booking_id: str) -> Booking:
        booking = self.bookings.get(booking_id)
        if booking is None:
            raise FerryError(404, "BOOKING_NOT_FOUND", "Booking not found", f"No booking {booking_id}")
        self._expire_if_due(booking)
        return booking

    def sweep(self) -> None:
        for booking in list(self.bookings.values()):
            self._expire_if_due(booking)

    def _expire_if_due(self, booking: Booking) -> None:
        if booking.status == HELD and self.clock() >= booking.expires_at:
            booking.status = EXPIRED
            self._give_back(booking)

    def _give_back(self, booking: Booking) -> None:
        self.deck.give_back(booking.sailing, booking.party.seats, booking.lane_meters)

    # --- issue and cancel -----------------------------------------------------------------------

    def issue(self, booking: Booking) -> None:
        if booking.status == ISSUED:
            return
        if booking.status == EXPIRED:
            raise FerryError(409, "BOOKING_EXPIRED", "Booking expired", "The hold lapsed before payment")
        if booking.status == CANCELLED:
            raise FerryError(409, "BOOKING_CANCELLED", "Booking cancelled", "The booking is cancelled")
        if self.is_cancelled(booking.sailing):
            raise FerryError(
                409, "SAILING_CANCELLED", "Sailing cancelled", "The operator cancelled this sailing"
            )
        booking.status = ISSUED
        for index, passenger in enumerate(booking.passengers):
            booking.tickets.append(
                {
                    "ticket_number": "TKT" + self.token(10, string.digits),
                    "boarding_code": self.token(10),
                    "category": "passenger",
                    "passenger_index": index,
                    "name": passenger["full_name"],
                    "passenger_type": passenger["type"],
                }
            )
        if booking.vehicle is not None:
            booking.tickets.append(
                {
                    "ticket_number": "TKK" + self.token(10, string.digits),
                    "boarding_code": self.token(10),
                    "category": "vehicle",
                    "plate_number": booking.vehicle["plate_number"],
                    "vehicle_class": booking.vehicle["class"],
                }
            )

    def refund_quote(self, booking: Booking) -> dict[str, Any]:
        """What cancelling now would refund: everything when the operator cancelled the sailing;
        75 % of the fare up to 24 h before departure; nothing after that; a hold refunds nothing
        (nothing was paid)."""
        if booking.status != ISSUED:
            return {
                "refundable": False,
                "refund_amount": money(Decimal(0)),
                "fee": money(Decimal(0)),
                "policy": "NOTHING_PAID",
            }
        if self.is_cancelled(booking.sailing):
            amount, policy = booking.total, "SAILING_CANCELLED_FULL_REFUND"
        elif self.clock() >= booking.sailing.departure:
            raise FerryError(409, "ALREADY_DEPARTED", "Already departed", "The sailing has left; no refund")
        elif booking.sailing.departure - self.clock() >= FULL_REFUND_BEFORE:
            amount, policy = (booking.total * REFUND_SHARE).quantize(CENT), "REFUND_75_PERCENT"
        else:
            amount, policy = Decimal(0), "NO_REFUND_WITHIN_24_HOURS"
        return {
            "refundable": amount > 0,
            "refund_amount": money(amount),
            "fee": money(booking.total - amount),
            "policy": policy,
        }

    def cancel(self, booking: Booking) -> None:
        if booking.status in (CANCELLED, EXPIRED):
            return
        if booking.status == ISSUED:
            booking.refund_amount = Decimal(self.refund_quote(booking)["refund_amount"])
        booking.status = CANCELLED
        booking.cancelled_at = self.clock()
        booking.cancelled_by = "customer"
        self._give_back(booking)

    def cancel_sailing(self, sailing: Sailing) -> int:
        """The operator cancels a sailing (weather): it leaves the timetable's sales, a held booking
        on it can no longer be issued, and an issued one refunds in full when cancelled. Returns
        how many live bookings it touched."""
        self.cancelled_sailings.add(sailing.id)
        return sum(
            1 for b in self.bookings.values() if b.sailing.id == sailing.id and b.status in (HELD, ISSUED)
        )
