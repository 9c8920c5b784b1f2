"""A ferry booking: what was bought (the quote's lines), for whom (passengers, vehicle, contact),
its status under the booking contract's transition table (shared.booking_lifecycle), and the
e-tickets once issued.

Documents: one `e-ticket` per passenger and one per vehicle. `reference` is the e-ticket number;
`fields.boarding_code` is the code the port gate scans."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.models import VEHICLE_CLASSES, FareLine, PassengerType, Sailing
from shared.booking_lifecycle import (
    BookingStatus,
    Contact,
    Document,
    LineItem,
    check_transition,
    hold_lapsed,
)


@dataclass(frozen=True)
class Passenger:
    type: PassengerType
    first_name: str
    last_name: str
    id_number: str | None = None
    gender: str | None = None  # m | f

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True)
class Vehicle:
    vehicle_class: str
    plate_number: str  # normalised: "B 1234 XYZ"


@dataclass(frozen=True)
class BookingDetails:
    passengers: tuple[Passenger, ...]
    vehicle: Vehicle | None
    contact: Contact

    def as_dict(self) -> dict[str, Any]:
        """The normalised booking_details, as the booking shows them and the table keeps them."""
        return {
            "passengers": [
                {
                    "type": p.type.value,
                    "first_name": p.first_name,
                    "last_name": p.last_name,
                    "id_number": p.id_number,
                    "gender": p.gender,
                }
                for p in self.passengers
            ],
            "vehicle": (
                {"class": self.vehicle.vehicle_class, "plate_number": self.vehicle.plate_number}
                if self.vehicle
                else None
            ),
            "contact": {"email": self.contact.email, "phone": self.contact.phone},
        }


@dataclass(frozen=True)
class OperatorQuote:
    quote_id: str
    total: Decimal
    lines: tuple[FareLine, ...]


@dataclass(frozen=True)
class OperatorTicket:
    category: str  # passenger | vehicle
    ticket_number: str
    boarding_code: str
    holder: str  # the passenger's name, or the vehicle's plate
    passenger_index: int | None = None


@dataclass(frozen=True)
class OperatorBooking:
    booking_id: str
    booking_code: str
    status: str  # HELD | ISSUED | CANCELLED | EXPIRED
    hold_expires_at: datetime
    total: Decimal
    tickets: tuple[OperatorTicket, ...] = ()
    refund_amount: Decimal | None = None


@dataclass(frozen=True)
class Booking:
    reference: str
    offer_id: str
    status: BookingStatus
    supplier: str
    supplier_booking_id: str
    supplier_reference: str
    hold_expires_at: datetime
    items: tuple[LineItem, ...]
    total: Decimal
    sailing: Sailing
    details: BookingDetails
    created_at: datetime
    updated_at: datetime
    documents: tuple[Document, ...] = field(default_factory=tuple)
    failure_reason: str | None = None
    refund_amount: Decimal | None = None

    def hold_lapsed(self, now: datetime) -> bool:
        return hold_lapsed(self.status, self.hold_expires_at, now)

    def moved_to(self, target: BookingStatus, now: datetime, **changes: Any) -> Booking:
        """The booking in its new status; raises TransitionNotAllowed outside the contract's table."""
        check_transition(self.status, target)
        return replace(self, status=target, updated_at=now, **changes)


def _when(sailing: Sailing) -> str:
    return f"{sailing.departure_at:%Y-%m-%d %H:%M} (UTC{sailing.departure_at:%z})"


def quote_items(
    sailing: Sailing, lines: tuple[FareLine, ...], vehicle: Vehicle | None
) -> tuple[LineItem, ...]:
    """The lines people pay for: the vehicle (with the people its fare carries) and each passenger
    type that pays its own fare. Σ quantity × unit_price is the operator's total."""
    trip = f"{sailing.origin}-{sailing.destination} {sailing.service_class} {_when(sailing)}"
    items: list[LineItem] = []
    inside = sum(line.included_in_vehicle for line in lines if line.category == "passenger")
    for line in lines:
        if line.category == "vehicle":
            plate = f" {vehicle.plate_number}" if vehicle else ""
            riders = f", driver and {inside - 1} passenger(s) included" if inside > 1 else ", driver included"
            label = VEHICLE_CLASSES.get(line.code, line.code)
            items.append(
                LineItem(f"Vehicle golongan {line.code} ({label}){plate}{riders}, {trip}", 1, line.unit_price)
            )
        elif line.paying > 0:
            items.append(LineItem(f"{line.code.capitalize()} fare {trip}", line.paying, line.unit_price))
    return tuple(items)


def documents_for(booking: Booking, tickets: tuple[OperatorTicket, ...]) -> tuple[Document, ...]:
    s = booking.sailing
    common = {
        "booking_code": booking.supplier_reference,
        "sailing": s.sailing_id,
        "route": f"{s.origin} → {s.destination}",
        "departure": s.departure_at.isoformat(),
        "arrival": s.arrival_at.isoformat(),
        "service_class": s.service_class,
        "vessel": s.vessel,
        "operator": s.operator,
    }
    out: list[Document] = []
    for t in tickets:
        fields = {**common, "boarding_code": t.boarding_code}
        if t.category == "vehicle" and booking.details.vehicle is not None:
            v = booking.details.vehicle
            fields |= {"plate_number": v.plate_number, "vehicle_class": v.vehicle_class}
            title = f"E-ticket vehicle {v.plate_number} (golongan {v.vehicle_class})"
        else:
            index = t.passenger_index if t.passenger_index is not None else 0
            p = booking.details.passengers[index]
            fields |= {"passenger": p.full_name, "passenger_type": p.type.value}
            title = f"E-ticket {p.full_name}"
        out.append(Document("e-ticket", t.ticket_number, title, fields))
    return tuple(out)
