"""The flight booking under the booking contract (docs/booking-contract.md): what a caller asks
for (HoldRequest), what the supplier confirms (SupplierHold), and our Booking, which moves by the
contract's transition table (shared.booking_lifecycle) and keeps its quote and, once issued, its
tickets.

The supplier is the system of record; a Booking is our copy of its hold, keyed by our opaque
reference and by the caller's idempotency key.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.models import CURRENCY, PassengerType
from shared.booking_lifecycle import (
    BookingStatus,
    Contact,
    Customer,
    LineItem,
    check_transition,
    hold_lapsed,
)

# What a flight booking can be: the contract's table, less `pending` and `failed` (an airline
# tickets at once or refuses at once, so a flight booking never waits for its supplier).
FLIGHT_STATUSES = (BookingStatus.HELD, BookingStatus.ISSUED, BookingStatus.CANCELLED, BookingStatus.EXPIRED)


class Title(StrEnum):
    MR = "mr"
    MRS = "mrs"
    MS = "ms"


class Gender(StrEnum):
    MALE = "m"
    FEMALE = "f"


# --- what the caller sends (shape-checked by the route, rule-checked by domain/passengers.py) ---


@dataclass(frozen=True)
class PassengerInput:
    type: str
    first_name: str
    last_name: str
    date_of_birth: date
    title: str | None = None
    gender: str | None = None
    nationality: str | None = None
    passport_number: str | None = None
    passport_expiry: date | None = None


@dataclass(frozen=True)
class ContactInput:
    email: str
    phone: str


@dataclass(frozen=True)
class HoldRequest:
    """The flight's `booking_details`: passengers and contact."""

    passengers: tuple[PassengerInput, ...]
    contact: ContactInput


# --- validated values -------------------------------------------------------------------------


@dataclass(frozen=True)
class Passenger:
    type: PassengerType
    title: Title
    gender: Gender
    first_name: str
    last_name: str
    date_of_birth: date
    nationality: str | None = None
    passport_number: str | None = None
    passport_expiry: date | None = None
    supplier_passenger_id: str | None = None  # the supplier's id for this traveller, once held

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class Ticket:
    passenger: str  # full name
    ticket_number: str
    supplier_passenger_id: str | None = None


@dataclass(frozen=True)
class SupplierHold:
    """What the supplier confirmed when it held the seats."""

    order_id: str  # the supplier's order id (Amadeus flight-order id, Duffel ord_…)
    reference: str  # the PNR / booking reference
    total_price: Decimal
    hold_expires_at: datetime  # aware, UTC
    passengers: tuple[Passenger, ...]  # with supplier_passenger_id set
    currency: str = CURRENCY


@dataclass(frozen=True)
class SupplierOrder:
    """Enough of a booking for the supplier calls after the hold (issue, cancel)."""

    supplier: str
    order_id: str
    total_price: Decimal
    passengers: tuple[Passenger, ...]


@dataclass(frozen=True)
class FlightLeg:
    """One flight of the booked trip, as the quote and the e-tickets name it."""

    carrier_code: str
    flight_number: str
    origin: str
    destination: str
    departure_at: datetime  # local time at origin, with its UTC offset
    zone: str | None = None  # WIB, WITA or WIT at an Indonesian airport; None elsewhere

    @property
    def designator(self) -> str:
        return f"{self.carrier_code} {self.flight_number}"  # "GA 410", as printed on tickets


@dataclass(frozen=True)
class Booking:
    reference: str  # ours, opaque (a UUID)
    idempotency_key: str
    offer_id: str
    supplier: str
    supplier_order_id: str
    supplier_reference: str
    status: BookingStatus
    total_price: Decimal
    hold_expires_at: datetime
    passengers: tuple[Passenger, ...]
    contact: Contact
    created_at: datetime
    updated_at: datetime
    tickets: tuple[Ticket, ...] = ()
    currency: str = CURRENCY
    # What the supplier refunds us for cancelling an issued booking, when it says (Duffel's
    # cancellation quote); None for a hold, and for Amadeus (its DELETE names no amount).
    refund_amount: Decimal | None = None
    # The trip by direction (outbound, return), and what is bought: fixed when the seats are held.
    itineraries: tuple[tuple[FlightLeg, ...], ...] = ()
    quote: tuple[LineItem, ...] = ()

    def moved_to(self, target: BookingStatus, now: datetime, **changes: Any) -> Booking:
        """The booking in its new status; raises TransitionNotAllowed outside the table."""
        check_transition(self.status, target)
        return replace(self, status=target, updated_at=now, **changes)

    def hold_lapsed(self, now: datetime) -> bool:
        return hold_lapsed(self.status, self.hold_expires_at, now)

    @property
    def supplier_order(self) -> SupplierOrder:
        return SupplierOrder(self.supplier, self.supplier_order_id, self.total_price, self.passengers)

    @property
    def customer(self) -> Customer:
        first = self.passengers[0]
        return Customer(first.first_name, first.last_name, self.contact.email, self.contact.phone)
