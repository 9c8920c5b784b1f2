"""The ferry operator's wire shapes (sailings, quotes, bookings) and the state accessors its
routes and its administration share."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi import Request
from ferry_network import VEHICLE_CLASSES
from ferry_operator import Booking, FerryOperator, Party, Quote, fare_lines, money, total_of
from ferry_sailings import Sailing
from state import SandboxState


def sandbox(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def operator(request: Request) -> FerryOperator:
    return sandbox(request).ferry


def _utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def sailing_brief(sailing: Sailing, ferry: FerryOperator) -> dict[str, Any]:
    return {
        "id": sailing.id,
        "origin": sailing.crossing.origin.code,
        "destination": sailing.crossing.destination.code,
        "service_class": sailing.service.name,
        "vessel": sailing.vessel,
        "operator": sailing.crossing.operator,
        "departure_time": sailing.departure.isoformat(),
        "arrival_time": sailing.arrival.isoformat(),
        "duration_minutes": sailing.service.duration_minutes,
        "status": "CANCELLED" if ferry.is_cancelled(sailing) else "SCHEDULED",
    }


def sailing_json(sailing: Sailing, ferry: FerryOperator, party: Party, vehicle: str | None) -> dict[str, Any]:
    left = ferry.deck.left(sailing)
    lines = fare_lines(sailing, party, vehicle)
    lane = VEHICLE_CLASSES[vehicle][1] if vehicle else Decimal(0)
    fits = left.seats >= party.seats and left.lane_meters >= lane
    return {
        **sailing_brief(sailing, ferry),
        # Whether this party (and its vehicle) still fits and the sailing still sails.
        "bookable": fits and not ferry.is_cancelled(sailing),
        "available": {"seats": left.seats, "lane_meters": f"{left.lane_meters:.1f}"},
        "fares": {"breakdown": lines, "total": money(total_of(lines)), "currency": "IDR"},
    }


def quote_json(quote: Quote) -> dict[str, Any]:
    return {
        "id": quote.id,
        "sailing_id": quote.sailing.id,
        "passengers": {"adult": quote.party.adult, "child": quote.party.child, "infant": quote.party.infant},
        "vehicle_class": quote.vehicle_class,
        "breakdown": quote.lines,
        "total": money(quote.total),
        "currency": "IDR",
        "expires_at": _utc(quote.expires_at),
    }


def booking_json(booking: Booking, ferry: FerryOperator) -> dict[str, Any]:
    return {
        "id": booking.id,
        "booking_code": booking.code,
        "status": booking.status,
        "sailing": sailing_brief(booking.sailing, ferry),
        "passengers": booking.passengers,
        "vehicle": booking.vehicle,
        "contact": booking.contact,
        "breakdown": booking.lines,
        "total": money(booking.total),
        "currency": "IDR",
        "hold_expires_at": _utc(booking.expires_at),
        "created_at": _utc(booking.created_at),
        "tickets": booking.tickets,
        "refund_amount": money(booking.refund_amount) if booking.refund_amount is not None else None,
        "cancelled_at": _utc(booking.cancelled_at),
    }
