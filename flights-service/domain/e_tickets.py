"""The fulfilment documents of an issued flight booking: one e-ticket per passenger, in the
booking contract's product-neutral shape (kind, reference, title, fields the app shows).

Departure times are what people read at the airport: local time with its zone name in Indonesia
(WIB, WITA, WIT) and always the UTC offset, e.g. "2026-12-20 06:00 WIB (UTC+07:00)".
"""

from __future__ import annotations

from datetime import datetime

from domain.bookings import Booking, FlightLeg
from shared.booking_lifecycle import Document

E_TICKET = "e-ticket"


def local_time(at: datetime, zone: str | None) -> str:
    offset = at.strftime("%z")
    offset = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    named = f" {zone}" if zone else ""
    return f"{at.strftime('%Y-%m-%d %H:%M')}{named} ({offset})"


def _route(legs: tuple[FlightLeg, ...]) -> str:
    return " → ".join([legs[0].origin, *(leg.destination for leg in legs)])


def e_tickets(booking: Booking) -> tuple[Document, ...]:
    """One e-ticket per ticket the supplier issued; none before issue. Kept after a cancel (then
    void), as the contract asks."""
    directions = [legs for legs in booking.itineraries if legs]
    trip: list[tuple[str, str]] = [("booking_code", booking.supplier_reference)]
    if directions:
        trip += [
            ("flight", ", ".join(leg.designator for legs in directions for leg in legs)),
            ("route", ", ".join(_route(legs) for legs in directions)),
            ("departure", local_time(directions[0][0].departure_at, directions[0][0].zone)),
        ]
    if len(directions) > 1:
        trip.append(("return_departure", local_time(directions[1][0].departure_at, directions[1][0].zone)))
    return tuple(
        Document(
            kind=E_TICKET,
            reference=ticket.ticket_number,
            title=f"E-ticket {ticket.passenger}",
            fields=dict([("passenger", ticket.passenger), ("ticket_number", ticket.ticket_number), *trip]),
        )
        for ticket in booking.tickets
    )
