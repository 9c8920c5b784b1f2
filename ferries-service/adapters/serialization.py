"""JSON codecs for what the cache and the bookings table keep: sailings, offers, search results
and bookings. Explicit and boring, so a stored value reads back exactly."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.bookings import Booking, BookingDetails, Passenger, Vehicle
from domain.models import FareLine, Offer, Party, PassengerType, Sailing, SearchCriteria, SearchResult
from shared.booking_lifecycle import BookingStatus, Contact
from shared.booking_table import (
    documents_from_json,
    documents_to_json,
    line_items_from_json,
    line_items_to_json,
    money_or_none,
)


def sailing_to_dict(s: Sailing) -> dict[str, Any]:
    return {
        "sailing_id": s.sailing_id,
        "origin": s.origin,
        "destination": s.destination,
        "service_class": s.service_class,
        "vessel": s.vessel,
        "operator": s.operator,
        "departure_at": s.departure_at.isoformat(),
        "arrival_at": s.arrival_at.isoformat(),
        "duration_minutes": s.duration_minutes,
        "cancelled": s.cancelled,
        "bookable": s.bookable,
        "seats_left": s.seats_left,
        "lane_meters_left": str(s.lane_meters_left),
        "fares": [
            {
                "category": f.category,
                "code": f.code,
                "quantity": f.quantity,
                "unit_price": str(f.unit_price),
                "amount": str(f.amount),
                "included_in_vehicle": f.included_in_vehicle,
            }
            for f in s.fares
        ],
        "total": str(s.total),
    }


def sailing_from_dict(d: dict[str, Any]) -> Sailing:
    return Sailing(
        sailing_id=d["sailing_id"],
        origin=d["origin"],
        destination=d["destination"],
        service_class=d["service_class"],
        vessel=d["vessel"],
        operator=d["operator"],
        departure_at=datetime.fromisoformat(d["departure_at"]),
        arrival_at=datetime.fromisoformat(d["arrival_at"]),
        duration_minutes=d["duration_minutes"],
        cancelled=d["cancelled"],
        bookable=d["bookable"],
        seats_left=d["seats_left"],
        lane_meters_left=Decimal(d["lane_meters_left"]),
        fares=tuple(
            FareLine(
                f["category"],
                f["code"],
                f["quantity"],
                Decimal(f["unit_price"]),
                Decimal(f["amount"]),
                f["included_in_vehicle"],
            )
            for f in d["fares"]
        ),
        total=Decimal(d["total"]),
    )


def party_to_list(p: Party) -> list[int]:
    return [p.adults, p.children, p.infants]


def party_from_list(v: list[int]) -> Party:
    return Party(v[0], v[1], v[2])


def offer_to_dict(o: Offer) -> dict[str, Any]:
    return {
        "offer_id": o.offer_id,
        "sailing": sailing_to_dict(o.sailing),
        "party": party_to_list(o.party),
        "vehicle_class": o.vehicle_class,
    }


def offer_from_dict(d: dict[str, Any]) -> Offer:
    return Offer(
        d["offer_id"], sailing_from_dict(d["sailing"]), party_from_list(d["party"]), d["vehicle_class"]
    )


def result_to_dict(r: SearchResult) -> dict[str, Any]:
    c = r.criteria
    return {
        "criteria": {
            "origin": c.origin,
            "destination": c.destination,
            "departure_date": c.departure_date.isoformat(),
            "party": party_to_list(c.party),
            "vehicle_class": c.vehicle_class,
            "service_class": c.service_class,
        },
        "offers": [offer_to_dict(o) for o in r.offers],
    }


def result_from_dict(d: dict[str, Any]) -> SearchResult:
    c = d["criteria"]
    criteria = SearchCriteria(
        c["origin"],
        c["destination"],
        date.fromisoformat(c["departure_date"]),
        party_from_list(c["party"]),
        c["vehicle_class"],
        c["service_class"],
    )
    return SearchResult(criteria, tuple(offer_from_dict(o) for o in d["offers"]))


def details_from_dict(d: dict[str, Any]) -> BookingDetails:
    vehicle = d.get("vehicle")
    return BookingDetails(
        passengers=tuple(
            Passenger(
                PassengerType(p["type"]), p["first_name"], p["last_name"], p.get("id_number"), p.get("gender")
            )
            for p in d["passengers"]
        ),
        vehicle=Vehicle(vehicle["class"], vehicle["plate_number"]) if vehicle else None,
        contact=Contact(d["contact"]["email"], d["contact"]["phone"]),
    )


def booking_to_row(b: Booking) -> dict[str, Any]:
    return {
        "reference": b.reference,
        "offer_id": b.offer_id,
        "status": b.status.value,
        "supplier": b.supplier,
        "supplier_booking_id": b.supplier_booking_id,
        "supplier_reference": b.supplier_reference,
        "hold_expires_at": b.hold_expires_at,
        "items": line_items_to_json(b.items),
        "total": b.total,
        "sailing": sailing_to_dict(b.sailing),
        "details": b.details.as_dict(),
        "documents": documents_to_json(b.documents),
        "failure_reason": b.failure_reason,
        "refund_amount": b.refund_amount,
        "created_at": b.created_at,
        "updated_at": b.updated_at,
    }


def booking_from_row(row: Any) -> Booking:
    return Booking(
        reference=row["reference"],
        offer_id=row["offer_id"],
        status=BookingStatus(row["status"]),
        supplier=row["supplier"],
        supplier_booking_id=row["supplier_booking_id"],
        supplier_reference=row["supplier_reference"],
        hold_expires_at=row["hold_expires_at"],
        items=line_items_from_json(row["items"]),
        total=Decimal(row["total"]),
        sailing=sailing_from_dict(row["sailing"]),
        details=details_from_dict(row["details"]),
        documents=documents_from_json(row["documents"]),
        failure_reason=row["failure_reason"],
        refund_amount=money_or_none(row["refund_amount"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
