"""A booking's row (the bookings table, declared in adapters/tables.py) as a domain object and
back, its JSONB columns as JSON documents. The booking ports are implemented on asyncpg
(adapters/unit_of_work.py): repositories never commit; the unit of work does, when a use case
says so."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.bookings import Booking, FlightLeg, Gender, Passenger, Ticket, Title
from domain.models import PassengerType
from shared.booking_lifecycle import BookingStatus, Contact
from shared.booking_table import line_items_from_json, line_items_to_json, money_or_none

# The bookings table's JSONB columns (adapters/tables.py): sent as JSON text, read back as text.
JSON_COLUMNS = ("passengers", "contact", "tickets", "itineraries", "quote")


# --- JSON codecs ------------------------------------------------------------------------------


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def passenger_to_json(p: Passenger) -> dict[str, Any]:
    return {
        "type": p.type.value,
        "title": p.title.value,
        "gender": p.gender.value,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "date_of_birth": p.date_of_birth.isoformat(),
        "nationality": p.nationality,
        "passport_number": p.passport_number,
        "passport_expiry": p.passport_expiry.isoformat() if p.passport_expiry else None,
        "supplier_passenger_id": p.supplier_passenger_id,
    }


def passenger_from_json(d: dict[str, Any]) -> Passenger:
    return Passenger(
        type=PassengerType(d["type"]),
        title=Title(d["title"]),
        gender=Gender(d["gender"]),
        first_name=d["first_name"],
        last_name=d["last_name"],
        date_of_birth=date.fromisoformat(d["date_of_birth"]),
        nationality=d.get("nationality"),
        passport_number=d.get("passport_number"),
        passport_expiry=_date(d.get("passport_expiry")),
        supplier_passenger_id=d.get("supplier_passenger_id"),
    )


def ticket_to_json(t: Ticket) -> dict[str, Any]:
    return {
        "passenger": t.passenger,
        "ticket_number": t.ticket_number,
        "supplier_passenger_id": t.supplier_passenger_id,
    }


def ticket_from_json(d: dict[str, Any]) -> Ticket:
    return Ticket(d["passenger"], d["ticket_number"], d.get("supplier_passenger_id"))


def leg_to_json(leg: FlightLeg) -> dict[str, Any]:
    return {
        "carrier_code": leg.carrier_code,
        "flight_number": leg.flight_number,
        "origin": leg.origin,
        "destination": leg.destination,
        "departure_at": leg.departure_at.isoformat(),  # local, with its offset
        "zone": leg.zone,
    }


def leg_from_json(d: dict[str, Any]) -> FlightLeg:
    return FlightLeg(
        carrier_code=d["carrier_code"],
        flight_number=d["flight_number"],
        origin=d["origin"],
        destination=d["destination"],
        departure_at=datetime.fromisoformat(d["departure_at"]),
        zone=d.get("zone"),
    )


def booking_to_row(b: Booking) -> dict[str, Any]:
    return {
        "reference": b.reference,
        "idempotency_key": b.idempotency_key,
        "offer_id": b.offer_id,
        "supplier": b.supplier,
        "supplier_order_id": b.supplier_order_id,
        "supplier_reference": b.supplier_reference,
        "status": b.status.value,
        "total_price": b.total_price,
        "currency": b.currency,
        "hold_expires_at": b.hold_expires_at,
        "passengers": [passenger_to_json(p) for p in b.passengers],
        "contact": {"email": b.contact.email, "phone": b.contact.phone},
        "tickets": [ticket_to_json(t) for t in b.tickets],
        "created_at": b.created_at,
        "updated_at": b.updated_at,
        "refund_amount": b.refund_amount,
        "itineraries": [[leg_to_json(leg) for leg in legs] for legs in b.itineraries],
        "quote": line_items_to_json(b.quote),
    }


def booking_from_row(row: Mapping[str, Any]) -> Booking:
    return Booking(
        reference=row["reference"],
        idempotency_key=row["idempotency_key"],
        offer_id=row["offer_id"],
        supplier=row["supplier"],
        supplier_order_id=row["supplier_order_id"],
        supplier_reference=row["supplier_reference"],
        status=BookingStatus(row["status"]),
        total_price=Decimal(row["total_price"]),
        currency=row["currency"],
        hold_expires_at=row["hold_expires_at"],
        passengers=tuple(passenger_from_json(p) for p in row["passengers"]),
        contact=Contact(**row["contact"]),
        tickets=tuple(ticket_from_json(t) for t in row["tickets"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        refund_amount=money_or_none(row.get("refund_amount")),
        itineraries=tuple(tuple(leg_from_json(leg) for leg in legs) for legs in row["itineraries"]),
        quote=line_items_from_json(row["quote"]),
    )
